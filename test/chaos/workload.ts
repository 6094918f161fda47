// The client side of a chaos run: concurrent register clients (put, linearizable get,
// delete, compare-and-swap) recording a history of invocations and completions, a lease
// writer (short leases with attached keys) and a watcher over the whole keyspace that
// resumes from its last revision after every failure.
import type * as grpc from "@grpc/grpc-js";
import type { Operation, RegisterInput, RegisterOutput } from "../../src/linearizability/index.js";
import { pb, unary } from "./rpc.js";
import type { MemberClients } from "./rpc.js";

export type HistoryOp = Operation<RegisterInput, RegisterOutput> & {
  member: string;
  /** Revision of the response header, for acknowledged writes. */
  revision?: bigint;
  error?: string;
};

export interface WatchEvent {
  revision: bigint;
  key: string;
  type: "put" | "delete";
  value: string;
  lease: bigint;
}

export interface LeaseRecord {
  id: bigint;
  ttlSeconds: number;
  keys: string[];
  /** Keys whose put with the lease was acknowledged. */
  ackedKeys: string[];
}

export interface Target {
  name: string;
  clients: MemberClients;
}

export const KEY_PREFIX = "chaos/k";
export const LEASE_PREFIX = "chaos/lease/";
export const OP_TIMEOUT_MS = 2500;

const now = (): number => performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    // mulberry32
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

function errText(err: unknown): string {
  const e = err as Partial<grpc.ServiceError>;
  return e.details ?? (err instanceof Error ? err.message : String(err));
}

/** Runs one client until `stopped()`, appending to `history`. */
export async function runRegisterClient(opts: {
  clientId: number;
  keys: string[];
  targets: () => Target[];
  rnd: Prng;
  history: HistoryOp[];
  stopped: () => boolean;
  maxOps: number;
}): Promise<void> {
  const { clientId, rnd, history } = opts;
  const lastSeen = new Map<string, string | null>();
  for (let seq = 0; seq < opts.maxOps && !opts.stopped(); seq++) {
    const targets = opts.targets();
    if (targets.length === 0) {
      await sleep(50);
      continue;
    }
    const t = rnd.pick(targets);
    const key = rnd.pick(opts.keys);
    const kb = Buffer.from(key);
    const value = `c${clientId}-${seq}`;
    const roll = rnd.next();
    const input: RegisterInput =
      roll < 0.35
        ? { kind: "put", key, value }
        : roll < 0.7
          ? { kind: "get", key }
          : roll < 0.8
            ? { kind: "delete", key }
            : { kind: "cas", key, expected: lastSeen.get(key) ?? null, value };
    const op: HistoryOp = {
      clientId,
      input,
      output: undefined,
      callMs: now(),
      returnMs: undefined,
      member: t.name,
    };
    history.push(op);
    try {
      const kv = t.clients.kv;
      switch (input.kind) {
        case "put": {
          const res = await unary(
            kv,
            kv.put,
            pb.PutRequest.fromPartial({ key: kb, value: Buffer.from(value) }),
            OP_TIMEOUT_MS,
          );
          op.output = { kind: "put" };
          op.revision = res.header?.revision;
          lastSeen.set(key, value);
          break;
        }
        case "get": {
          const res = await unary(
            kv,
            kv.range,
            pb.RangeRequest.fromPartial({ key: kb }),
            OP_TIMEOUT_MS,
          );
          const v = res.kvs[0] ? res.kvs[0].value.toString() : null;
          op.output = { kind: "get", value: v };
          op.revision = res.header?.revision;
          lastSeen.set(key, v);
          break;
        }
        case "delete": {
          const res = await unary(
            kv,
            kv.deleteRange,
            pb.DeleteRangeRequest.fromPartial({ key: kb }),
            OP_TIMEOUT_MS,
          );
          op.output = { kind: "delete", deleted: Number(res.deleted) };
          op.revision = res.header?.revision;
          lastSeen.set(key, null);
          break;
        }
        case "cas": {
          const compare =
            input.expected === null
              ? pb.Compare.fromPartial({
                  key: kb,
                  target: pb.Compare_CompareTarget.VERSION,
                  result: pb.Compare_CompareResult.EQUAL,
                  targetUnion: { $case: "version", value: 0n },
                })
              : pb.Compare.fromPartial({
                  key: kb,
                  target: pb.Compare_CompareTarget.VALUE,
                  result: pb.Compare_CompareResult.EQUAL,
                  targetUnion: { $case: "value", value: Buffer.from(input.expected) },
                });
          const res = await unary(
            kv,
            kv.txn,
            pb.TxnRequest.fromPartial({
              compare: [compare],
              success: [
                {
                  request: {
                    $case: "requestPut",
                    value: pb.PutRequest.fromPartial({ key: kb, value: Buffer.from(value) }),
                  },
                },
              ],
            }),
            OP_TIMEOUT_MS,
          );
          op.output = { kind: "cas", succeeded: res.succeeded };
          op.revision = res.header?.revision;
          if (res.succeeded) lastSeen.set(key, value);
          else lastSeen.delete(key);
          break;
        }
      }
      op.returnMs = now();
    } catch (err) {
      op.error = errText(err);
      lastSeen.delete(key);
      await sleep(20 + rnd.int(80));
    }
  }
}

/** Grants short leases and attaches two keys to each, until `stopped()`. */
export async function runLeaseWriter(opts: {
  targets: () => Target[];
  rnd: Prng;
  leases: LeaseRecord[];
  stopped: () => boolean;
  maxLeases: number;
}): Promise<void> {
  const { rnd } = opts;
  while (opts.leases.length < opts.maxLeases && !opts.stopped()) {
    await sleep(300 + rnd.int(700));
    const targets = opts.targets();
    if (targets.length === 0) continue;
    const t = rnd.pick(targets);
    const ttlSeconds = 2 + rnd.int(2);
    let id: bigint;
    try {
      const res = await unary(
        t.clients.lease,
        t.clients.lease.leaseGrant,
        pb.LeaseGrantRequest.fromPartial({ TTL: BigInt(ttlSeconds) }),
        OP_TIMEOUT_MS,
      );
      id = res.ID;
    } catch {
      continue; // an unknown lease gets no keys; its expiry is invisible
    }
    const rec: LeaseRecord = {
      id,
      ttlSeconds,
      keys: [`${LEASE_PREFIX}${id.toString(16)}/a`, `${LEASE_PREFIX}${id.toString(16)}/b`],
      ackedKeys: [],
    };
    opts.leases.push(rec);
    for (const key of rec.keys) {
      try {
        await unary(
          t.clients.kv,
          t.clients.kv.put,
          pb.PutRequest.fromPartial({ key: Buffer.from(key), value: Buffer.from("l"), lease: id }),
          OP_TIMEOUT_MS,
        );
        rec.ackedKeys.push(key);
      } catch {
        // indeterminate: the key may or may not exist; checked from the watch stream
      }
    }
  }
}

/**
 * Watches every key from revision 1, reconnecting (to a random member) after errors and
 * after `stallMs` without events, always resuming at the revision after the last one seen.
 */
export class Watcher {
  readonly events: WatchEvent[] = [];
  lastRevision = 0n;
  reconnects = 0;
  errors: string[] = [];
  private stream: grpc.ClientDuplexStream<pb.WatchRequest, pb.WatchResponse> | undefined;
  private stopped = false;
  private lastEventAt = now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly targets: () => Target[],
    private readonly rnd: Prng,
    private readonly stallMs = 3000,
  ) {}

  start(): void {
    this.open();
    this.timer = setInterval(() => {
      if (this.stream && now() - this.lastEventAt > this.stallMs) this.restart();
    }, 500);
  }

  private restart(): void {
    const s = this.stream;
    this.stream = undefined;
    s?.cancel();
    if (!this.stopped) setTimeout(() => this.open(), 100);
  }

  private open(): void {
    if (this.stopped || this.stream) return;
    const targets = this.targets();
    if (targets.length === 0) {
      setTimeout(() => this.open(), 200);
      return;
    }
    const t = this.rnd.pick(targets);
    this.reconnects++;
    this.lastEventAt = now();
    const stream = t.clients.watch.watch();
    this.stream = stream;
    stream.on("data", (res: pb.WatchResponse) => {
      if (this.stream !== stream) return;
      if (res.compactRevision > 0n) this.errors.push(`compacted at ${res.compactRevision}`);
      if (res.canceled) this.errors.push(`canceled: ${res.cancelReason}`);
      for (const e of res.events) {
        const kv = e.kv;
        if (!kv) continue;
        const ev: WatchEvent = {
          revision: kv.modRevision,
          key: kv.key.toString("latin1"),
          type: e.type === pb.Event_EventType.DELETE ? "delete" : "put",
          value: kv.value.toString(),
          lease: kv.lease,
        };
        this.events.push(ev);
        if (ev.revision > this.lastRevision) this.lastRevision = ev.revision;
        this.lastEventAt = now();
      }
    });
    const onEnd = (): void => {
      if (this.stream === stream) this.restart();
    };
    stream.on("error", onEnd);
    stream.on("end", onEnd);
    stream.write(
      pb.WatchRequest.fromPartial({
        requestUnion: {
          $case: "createRequest",
          value: pb.WatchCreateRequest.fromPartial({
            key: Buffer.from([0]),
            rangeEnd: Buffer.from([0]),
            startRevision: this.lastRevision + 1n,
          }),
        },
      }),
    );
  }

  /** Waits until the watcher has seen `revision`, up to `timeoutMs`. */
  async waitFor(revision: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.lastRevision < revision) {
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
    return true;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const s = this.stream;
    this.stream = undefined;
    s?.cancel();
  }
}
