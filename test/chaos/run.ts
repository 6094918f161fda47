// One chaos run: start the proxied cluster, run clients, the lease writer and the watcher
// while faults are injected, heal everything, then check the history for linearizability,
// acknowledged writes against the watch stream and the members' final state, the watch
// stream for gaps, leases for exactly-once expiry, and the members for convergence.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkRegisterHistory } from "../../src/linearizability/index.js";
import type { Operation, RegisterInput, RegisterOutput } from "../../src/linearizability/index.js";
import { ChaosCluster } from "./cluster.js";
import { FAULT_KINDS, runFault } from "./faults.js";
import type { FaultKind } from "./faults.js";
import { connect, pb, unary } from "./rpc.js";
import type { MemberClients } from "./rpc.js";
import {
  KEY_PREFIX,
  LEASE_PREFIX,
  OP_TIMEOUT_MS,
  Prng,
  Watcher,
  runLeaseWriter,
  runRegisterClient,
} from "./workload.js";
import type { HistoryOp, LeaseRecord, Target, WatchEvent } from "./workload.js";

export interface ChaosOptions {
  durationMs: number;
  seed: number;
  clients?: number;
  keys?: number;
  faults?: readonly FaultKind[];
  snapshotCount?: number;
  log?: (line: string) => void;
  keepDataOnFailure?: boolean;
}

export interface ChaosSummary {
  ops: number;
  ok: number;
  indeterminate: number;
  faults: number;
  linearizable: "yes" | "no" | "unknown";
  lostWrites: number;
  watchGaps: number;
  converged: boolean;
  leaseErrors: number;
  crashes: number;
  problems: string[];
  passed: boolean;
  line: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runChaos(opts: ChaosOptions): Promise<ChaosSummary> {
  const log = opts.log ?? (() => undefined);
  const rnd = new Prng(opts.seed);
  const cluster = await ChaosCluster.start({ snapshotCount: opts.snapshotCount ?? 200 });
  log(`cluster up in ${cluster.root}`);
  const clients = new Map<string, MemberClients>();
  for (const m of cluster.members) clients.set(m.name, connect(m.endpoint));
  const targets = (): Target[] =>
    cluster.members
      .filter((m) => m.process !== undefined)
      .map((m) => ({ name: m.name, clients: clients.get(m.name)! }));
  const allTargets = (): Target[] =>
    cluster.members.map((m) => ({ name: m.name, clients: clients.get(m.name)! }));
  const keys = Array.from({ length: opts.keys ?? 4 }, (_, i) => `${KEY_PREFIX}${i}`);
  const history: HistoryOp[] = [];
  const leases: LeaseRecord[] = [];
  const problems: string[] = [];
  let stopped = false;
  let faults = 0;
  let passed = false;
  const watcher = new Watcher(targets, new Prng(opts.seed ^ 0x5bd1e995));
  try {
    watcher.start();
    const workers = Array.from({ length: opts.clients ?? 4 }, (_, i) =>
      runRegisterClient({
        clientId: i,
        keys,
        targets,
        rnd: new Prng(opts.seed * 31 + i + 1),
        history,
        stopped: () => stopped,
        maxOps: 200_000,
      }),
    );
    workers.push(
      runLeaseWriter({
        targets,
        rnd: new Prng(opts.seed * 17 + 7),
        leases,
        stopped: () => stopped,
        maxLeases: 10_000,
      }),
    );
    const kinds = opts.faults ?? FAULT_KINDS;
    const endAt = Date.now() + opts.durationMs;
    const ctx = { cluster, clients, rnd, log };
    await sleep(1000);
    while (Date.now() < endAt - 2000) {
      const kind = rnd.pick(kinds);
      await runFault(ctx, kind, 500 + rnd.int(3000));
      faults++;
      await sleep(500 + rnd.int(1500));
    }
    stopped = true;
    await Promise.all(workers);
    // Heal: every member up, resumed, fully connected.
    cluster.healNetwork();
    for (const m of cluster.members) {
      cluster.resume(m);
      if (!m.process) cluster.spawn(m);
    }
    for (const m of cluster.members) await cluster.waitHealthy(m, 30_000);
    log("healed");

    // Final linearizable reads of every key, part of the history.
    for (const key of keys) await finalRead(history, key, allTargets());

    log("final reads done");
    // Leases: all keys must vanish once their TTLs have run out.
    const leaseDeadline = Date.now() + 30_000;
    while (Date.now() < leaseDeadline && (await countPrefix(allTargets()[0]!, LEASE_PREFIX)) > 0) {
      await sleep(500);
    }

    log("leased keys gone");
    const conv = await converge(allTargets(), keys, problems);
    if (conv.revision !== undefined && !(await watcher.waitFor(conv.revision, 20_000))) {
      problems.push(
        `watcher stopped at revision ${watcher.lastRevision} < ${conv.revision} (${watcher.errors.slice(-3).join("; ")})`,
      );
    }
    watcher.stop();
    log(`converged at revision ${conv.revision}; checking ${history.length} operations`);
    if (opts.keepDataOnFailure) {
      writeFileSync(
        join(cluster.root, "history.json"),
        JSON.stringify(history, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
      );
    }
    const lin = checkLinearizable(history, problems);
    log(`linearizability: ${lin}`);
    const watchGaps = checkWatch(watcher.events, conv.revision ?? 0n, history, problems);
    const lostWrites = checkWrites(history, watcher.events, conv.finalValues, keys, problems);
    const leaseErrors = checkLeases(leases, watcher.events, conv.leaseKeysLeft, problems);
    for (const c of cluster.crashes) problems.push(`unexpected exit: ${c}`);
    log(`coverage: ${JSON.stringify(coverage(cluster))}`);
    const indeterminate = history.filter((o) => o.returnMs === undefined).length;
    const summary: ChaosSummary = {
      ops: history.length,
      ok: history.length - indeterminate,
      indeterminate,
      faults,
      linearizable: lin,
      lostWrites,
      watchGaps,
      converged: conv.converged,
      leaseErrors,
      crashes: cluster.crashes.length,
      problems,
      passed: false,
      line: "",
    };
    summary.passed =
      lin === "yes" &&
      lostWrites === 0 &&
      watchGaps === 0 &&
      conv.converged &&
      leaseErrors === 0 &&
      cluster.crashes.length === 0 &&
      problems.length === 0;
    summary.line =
      `chaos: ops=${summary.ops} ok=${summary.ok} indeterminate=${indeterminate} faults=${faults} ` +
      `linearizable=${lin} lost_writes=${lostWrites} watch_gaps=${watchGaps} ` +
      `converged=${conv.converged ? "yes" : "no"} lease_errors=${leaseErrors} ` +
      `crashes=${cluster.crashes.length}`;
    passed = summary.passed;
    return summary;
  } finally {
    stopped = true;
    watcher.stop();
    for (const c of clients.values()) c.close();
    const keep = !passed && opts.keepDataOnFailure === true;
    if (keep) log(`data kept in ${cluster.root}`);
    await cluster.destroy(keep);
  }
}

async function finalRead(history: HistoryOp[], key: string, targets: Target[]): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const t = targets[attempt % targets.length]!;
    const op: HistoryOp = {
      clientId: 1000,
      input: { kind: "get", key },
      output: undefined,
      callMs: performance.now(),
      returnMs: undefined,
      member: t.name,
    };
    try {
      const res = await unary(
        t.clients.kv,
        t.clients.kv.range,
        pb.RangeRequest.fromPartial({ key: Buffer.from(key) }),
        OP_TIMEOUT_MS,
      );
      op.output = { kind: "get", value: res.kvs[0] ? res.kvs[0].value.toString() : null };
      op.returnMs = performance.now();
      history.push(op);
      return;
    } catch {
      await sleep(250);
    }
  }
}

async function countPrefix(t: Target, prefix: string): Promise<number> {
  try {
    const p = Buffer.from(prefix);
    const end = Buffer.from(p);
    end[end.length - 1]!++;
    const res = await unary(
      t.clients.kv,
      t.clients.kv.range,
      pb.RangeRequest.fromPartial({ key: p, rangeEnd: end, countOnly: true }),
      OP_TIMEOUT_MS,
    );
    return Number(res.count);
  } catch {
    return 1;
  }
}

interface Convergence {
  converged: boolean;
  revision: bigint | undefined;
  /** key -> value (null = absent), as every member agrees; only set when they agree. */
  finalValues: Map<string, string | null>;
  leaseKeysLeft: number;
}

/** Waits until every member reports the same revision, then compares HashKV and values. */
async function converge(
  targets: Target[],
  keys: string[],
  problems: string[],
): Promise<Convergence> {
  const out: Convergence = {
    converged: false,
    revision: undefined,
    finalValues: new Map(),
    leaseKeysLeft: 0,
  };
  const deadline = Date.now() + 30_000;
  let revisions: bigint[] = [];
  while (Date.now() < deadline) {
    try {
      revisions = await Promise.all(
        targets.map(async (t) => {
          const st = await unary(
            t.clients.maintenance,
            t.clients.maintenance.status,
            pb.StatusRequest.fromPartial({}),
            2000,
          );
          return st.header?.revision ?? 0n;
        }),
      );
      if (revisions.every((r) => r === revisions[0])) break;
    } catch {
      // a member still catching up
    }
    await sleep(300);
  }
  if (revisions.length === 0 || !revisions.every((r) => r === revisions[0])) {
    problems.push(`members disagree on the revision: ${revisions.join(", ")}`);
    return out;
  }
  const revision = revisions[0]!;
  out.revision = revision;
  const hashes = await Promise.all(
    targets.map(async (t) => {
      const res = await unary(
        t.clients.maintenance,
        t.clients.maintenance.hashKv,
        pb.HashKVRequest.fromPartial({ revision }),
        5000,
      );
      return res.hash;
    }),
  );
  let converged = hashes.every((h) => h === hashes[0]);
  if (!converged) problems.push(`HashKV at ${revision} differs: ${hashes.join(", ")}`);
  for (const key of [...keys, LEASE_PREFIX]) {
    const isPrefix = key === LEASE_PREFIX;
    const end = Buffer.from(key);
    end[end.length - 1]!++;
    const seen = await Promise.all(
      targets.map(async (t) => {
        const res = await unary(
          t.clients.kv,
          t.clients.kv.range,
          pb.RangeRequest.fromPartial({
            key: Buffer.from(key),
            rangeEnd: isPrefix ? end : Buffer.alloc(0),
            serializable: true,
            revision,
          }),
          5000,
        );
        return isPrefix
          ? String(res.count)
          : res.kvs[0]
            ? `=${res.kvs[0].value.toString()}`
            : "absent";
      }),
    );
    if (!seen.every((s) => s === seen[0])) {
      converged = false;
      problems.push(`members disagree on ${key}: ${seen.join(", ")}`);
      continue;
    }
    if (isPrefix) out.leaseKeysLeft = Number(seen[0]);
    else out.finalValues.set(key, seen[0] === "absent" ? null : seen[0]!.slice(1));
  }
  out.converged = converged;
  return out;
}

function checkLinearizable(history: HistoryOp[], problems: string[]): "yes" | "no" | "unknown" {
  const ops: Operation<RegisterInput, RegisterOutput>[] = history
    // A read that never answered says nothing.
    .filter((o) => !(o.input.kind === "get" && o.returnMs === undefined))
    .map((o) => ({
      clientId: o.clientId,
      input: o.input,
      output: o.output,
      callMs: o.callMs,
      returnMs: o.returnMs,
    }));
  const result = checkRegisterHistory(ops, { timeoutMs: 120_000 });
  for (const p of result.partitions) {
    if (p.verdict !== "ok") {
      problems.push(
        `history of ${p.key} (${p.operations} ops) is ${p.verdict}; longest linearizable prefix ${p.longestPrefix}`,
      );
    }
  }
  return result.verdict === "ok" ? "yes" : result.verdict === "illegal" ? "no" : "unknown";
}

/** Revisions in order, each seen once, none missing up to `finalRevision`. */
export function checkWatch(
  events: WatchEvent[],
  finalRevision: bigint,
  history: HistoryOp[],
  problems: string[],
): number {
  let gaps = 0;
  const note = (msg: string): void => {
    gaps++;
    if (gaps <= 10) problems.push(`watch: ${msg}`);
  };
  const seen = new Set<string>();
  const revs = new Set<bigint>();
  let prev = 0n;
  for (const e of events) {
    if (e.revision < prev) note(`revision ${e.revision} after ${prev}`);
    const id = `${e.revision}/${e.key}`;
    if (seen.has(id)) note(`event ${id} delivered twice`);
    seen.add(id);
    revs.add(e.revision);
    prev = e.revision > prev ? e.revision : prev;
  }
  for (let r = 2n; r <= finalRevision; r++) if (!revs.has(r)) note(`revision ${r} never seen`);
  // Every value in a put event must have been written by some client to that key.
  const attempted = new Map<string, Set<string>>();
  for (const o of history) {
    if (o.input.kind === "put" || o.input.kind === "cas") {
      let s = attempted.get(o.input.key);
      if (!s) attempted.set(o.input.key, (s = new Set()));
      s.add(o.input.value);
    }
  }
  for (const e of events) {
    if (e.type !== "put" || !e.key.startsWith(KEY_PREFIX)) continue;
    if (!attempted.get(e.key)?.has(e.value)) note(`put of ${e.key}=${e.value} nobody wrote`);
  }
  return gaps;
}

/** Acknowledged writes must be in the watch stream at their revision; final values must match it. */
export function checkWrites(
  history: HistoryOp[],
  events: WatchEvent[],
  finalValues: Map<string, string | null>,
  keys: string[],
  problems: string[],
): number {
  let lost = 0;
  const note = (msg: string): void => {
    lost++;
    if (lost <= 10) problems.push(`lost write: ${msg}`);
  };
  const at = new Map<string, WatchEvent>();
  for (const e of events) at.set(`${e.revision}/${e.key}`, e);
  for (const o of history) {
    if (o.returnMs === undefined || o.output === undefined) continue;
    const i = o.input;
    const wrote =
      i.kind === "put" ||
      (i.kind === "cas" && o.output.kind === "cas" && o.output.succeeded) ||
      (i.kind === "delete" && o.output.kind === "delete" && o.output.deleted > 0);
    if (!wrote) continue;
    const e = at.get(`${o.revision}/${i.key}`);
    const want = i.kind === "delete" ? "delete" : "put";
    const value = i.kind === "delete" ? undefined : i.value;
    if (!e || e.type !== want || (value !== undefined && e.value !== value)) {
      note(`${i.kind} ${i.key}${value ? "=" + value : ""} acknowledged at revision ${o.revision}`);
    }
  }
  const last = new Map<string, string | null>();
  for (const e of events)
    if (e.key.startsWith(KEY_PREFIX)) last.set(e.key, e.type === "put" ? e.value : null);
  for (const key of keys) {
    if (!finalValues.has(key)) continue;
    const want = last.get(key) ?? null;
    if (finalValues.get(key) !== want) {
      note(`${key} is ${finalValues.get(key)} on the members but the watch stream ends at ${want}`);
    }
  }
  return lost;
}

/** Each leased key disappears exactly once, with its lease's other keys, and none is left. */
export function checkLeases(
  leases: LeaseRecord[],
  events: WatchEvent[],
  left: number,
  problems: string[],
): number {
  let errors = 0;
  const note = (msg: string): void => {
    errors++;
    if (errors <= 10) problems.push(`lease: ${msg}`);
  };
  if (left !== 0) note(`${left} leased keys still exist after their TTLs`);
  const byKey = new Map<string, WatchEvent[]>();
  for (const e of events) {
    if (!e.key.startsWith(LEASE_PREFIX)) continue;
    let l = byKey.get(e.key);
    if (!l) byKey.set(e.key, (l = []));
    l.push(e);
  }
  for (const rec of leases) {
    const deletedAt = new Set<bigint>();
    for (const key of rec.keys) {
      const evs = byKey.get(key) ?? [];
      const puts = evs.filter((e) => e.type === "put");
      const dels = evs.filter((e) => e.type === "delete");
      if (rec.ackedKeys.includes(key) && puts.length === 0)
        note(`${key}: acknowledged put missing`);
      if (puts.length > 1) note(`${key}: put ${puts.length} times`);
      if (puts.length === 1 && dels.length !== 1) note(`${key}: deleted ${dels.length} times`);
      if (puts.length === 0 && dels.length !== 0) note(`${key}: deleted but never put`);
      if (puts.length === 1 && puts[0]!.lease !== rec.id) note(`${key}: wrong lease`);
      if (puts.length === 1 && dels.length === 1) {
        if (dels[0]!.revision <= puts[0]!.revision) note(`${key}: deleted before put`);
        deletedAt.add(dels[0]!.revision);
      }
    }
    if (deletedAt.size > 1)
      note(`lease ${rec.id.toString(16)}: keys deleted at different revisions`);
  }
  return errors;
}

/** How often the durability paths the run is meant to exercise were taken, from member logs. */
function coverage(cluster: ChaosCluster): Record<string, number> {
  const counts: Record<string, number> = {
    snapshotsSaved: 0,
    snapshotsSent: 0,
    snapshotsApplied: 0,
    tornTailsRepaired: 0,
  };
  const patterns: [string, RegExp][] = [
    ["snapshotsSaved", /"saved snapshot"/g],
    ["snapshotsSent", /"sent database snapshot"/g],
    ["snapshotsApplied", /"applied incoming snapshot"/g],
    ["tornTailsRepaired", /torn/gi],
  ];
  for (const m of cluster.members) {
    let text = "";
    try {
      text = readFileSync(m.logFile, "utf8");
    } catch {
      continue;
    }
    for (const [name, re] of patterns) counts[name]! += text.match(re)?.length ?? 0;
  }
  return counts;
}

export function summaryLine(s: ChaosSummary): string {
  return s.line;
}
