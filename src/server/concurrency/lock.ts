// The distributed lock (v3lockpb.Lock): holders queue as keys `<name>/<lease hex>` and the
// key with the lowest create revision holds the lock; each waiter watches only the key just
// older than its own, so a release wakes one waiter.
import type * as pb from "../../proto/index.js";
import type { ConcurrencyBackend } from "./backend.js";
import {
  createRevisionIs,
  putOp,
  rangeKvsOf,
  rangeOp,
  rangeReq,
  sessionKey,
  topByCreate,
} from "./backend.js";
import { sessionLease } from "./session.js";
import { waitDeletes } from "./wait.js";

export interface LockResult {
  header: pb.ResponseHeader;
  key: Buffer;
}

/**
 * Acquires `name` for `lease`. If the wait fails (the caller went away), the queued key is
 * deleted so it does not block later waiters.
 */
export async function acquireLock(
  b: ConcurrencyBackend,
  name: Buffer,
  lease: bigint,
  signal: AbortSignal,
): Promise<LockResult> {
  const id = await sessionLease(b, lease);
  const prefix = Buffer.concat([name, Buffer.from("/")]);
  const key = sessionKey(prefix, id);
  const owner = rangeOp(topByCreate(prefix, "first"));
  const res = await b.txn({
    compare: [createRevisionIs(key, 0n)],
    success: [putOp(key, Buffer.alloc(0), id), owner],
    // The lease already queued (or holds) this lock: keep its place.
    failure: [rangeOp(rangeReq(key)), owner],
  });
  let myRevision = res.header!.revision;
  if (!res.succeeded) myRevision = rangeKvsOf(res, 0)[0]!.createRevision;
  const first = rangeKvsOf(res, 1)[0];
  if (!first || first.createRevision === myRevision) return { header: res.header!, key };
  try {
    const header = await waitDeletes(b, prefix, myRevision - 1n, signal);
    return { header, key };
  } catch (err) {
    await b.deleteRange({ key, rangeEnd: Buffer.alloc(0), prevKv: false }).catch(() => {});
    throw err;
  }
}

export async function releaseLock(b: ConcurrencyBackend, key: Buffer): Promise<pb.ResponseHeader> {
  const res = await b.deleteRange({ key, rangeEnd: Buffer.alloc(0), prevKv: false });
  return res.header!;
}
