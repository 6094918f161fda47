// etcd's client-side concurrency recipes over plain KV, as etcdctl's lock and elect use them
// (keys `<name>/<lease id hex>` under a lease kept alive by this process): a session, a
// mutex/election queue ordered by create revision, waiting for predecessors to go away.
import type { EtcdClient } from "../../src/client/v3/index.js";
import type { KeyValue, RangeResponse, ResponseHeader } from "../../src/proto/index.js";
import { hexId, prefixRangeEnd } from "../../src/printer/text.js";

const SORT_CREATE = 2;
const ASCEND = 1;
const DESCEND = 2;

export class Session {
  private stopped = false;
  /** Settles when the lease could not be kept alive any more. */
  readonly done: Promise<void>;

  private constructor(
    readonly client: EtcdClient,
    readonly leaseId: bigint,
  ) {
    this.done = (async () => {
      try {
        for await (const r of client.lease.keepAlive(leaseId)) {
          if (this.stopped || r.TTL <= 0n) return;
        }
      } catch {
        /* the session is over either way */
      }
    })();
  }

  static async create(client: EtcdClient, ttlSeconds: number): Promise<Session> {
    const lease = await client.lease.grant({ TTL: BigInt(ttlSeconds) });
    return new Session(client, lease.ID);
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.client.lease
      .revoke({ ID: this.leaseId }, { timeoutMs: 1000 })
      .catch(() => undefined);
  }
}

export interface Queued {
  key: Buffer;
  header: ResponseHeader | undefined;
}

/**
 * Creates (or finds) this session's key under `prefix` and waits until every key created
 * before it is gone: the lock is held / the campaign is won.
 */
export async function enqueueAndWait(
  session: Session,
  prefix: string,
  value: Buffer,
): Promise<Queued> {
  const client = session.client;
  const key = Buffer.from(`${prefix}${hexId(session.leaseId)}`);
  const resp = await client.kv.txn(
    {
      compare: [
        {
          result: 0,
          target: 1,
          key,
          targetUnion: { $case: "createRevision", value: 0n },
        },
      ],
      success: [
        { request: { $case: "requestPut", value: { key, value, lease: session.leaseId } } },
      ],
      failure: [{ request: { $case: "requestRange", value: { key } } }],
    },
    { timeoutMs: 0 },
  );
  let myRev = resp.header?.revision ?? 0n;
  if (!resp.succeeded) {
    const r = resp.responses[0]?.response;
    if (r?.$case === "responseRange" && r.value.kvs[0] !== undefined)
      myRev = r.value.kvs[0].createRevision;
  }
  const pfx = Buffer.from(prefix);
  const end = prefixRangeEnd(pfx);
  for (;;) {
    const prev: RangeResponse = await client.kv.range(
      {
        key: pfx,
        rangeEnd: end,
        limit: 1n,
        sortTarget: SORT_CREATE,
        sortOrder: DESCEND,
        maxCreateRevision: myRev - 1n,
      },
      { timeoutMs: 0 },
    );
    const last = prev.kvs[0];
    if (last === undefined) return { key, header: resp.header };
    await waitDelete(client, last, prev.header?.revision ?? 0n);
  }
}

async function waitDelete(client: EtcdClient, kv: KeyValue, rev: bigint): Promise<void> {
  const stream = await client.watch({ key: kv.key, startRevision: rev + 1n });
  try {
    for await (const r of stream) {
      if (r.events.some((e) => e.type === 1)) return;
    }
  } finally {
    stream.close();
  }
}

/** The first-created key under `prefix` (the lock holder / election leader), if any. */
export async function firstCreated(client: EtcdClient, prefix: string): Promise<RangeResponse> {
  const pfx = Buffer.from(prefix);
  return client.kv.range(
    {
      key: pfx,
      rangeEnd: prefixRangeEnd(pfx),
      limit: 1n,
      sortTarget: SORT_CREATE,
      sortOrder: ASCEND,
    },
    { timeoutMs: 0 },
  );
}

/** Resolves on SIGINT/SIGTERM (the way etcdctl's lock and elect are ended). */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
}
