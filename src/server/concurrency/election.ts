// Leader election (v3electionpb.Election): candidates queue as keys `<name>/<lease hex>`
// whose value is their proclamation; the oldest key (lowest create revision) leads. A
// leadership term is identified by its key and that key's create revision.
import type * as pb from "../../proto/index.js";
import { EtcdError, GrpcCode } from "../../errors.js";
import type { ConcurrencyBackend } from "./backend.js";
import {
  createRevisionIs,
  deleteOp,
  prefixEnd,
  putOp,
  rangeKvsOf,
  rangeOp,
  rangeReq,
  sessionKey,
  topByCreate,
} from "./backend.js";
import { sessionLease } from "./session.js";
import { WatchQueue, waitDeletes } from "./wait.js";
import { EventType } from "../../mvcc/types.js";
import { kvToPb } from "../convert.js";

// etcd sends these as plain errors, so they reach clients with status UNKNOWN.
export function notLeaderError(): EtcdError {
  return new EtcdError(GrpcCode.UNKNOWN, "election: not leader");
}
export function noLeaderError(): EtcdError {
  return new EtcdError(GrpcCode.UNKNOWN, "election: no leader");
}
export function missingLeaderKeyError(): EtcdError {
  return new EtcdError(GrpcCode.UNKNOWN, '"leader" field must be provided');
}

function electionPrefix(name: Buffer): Buffer {
  return Buffer.concat([name, Buffer.from("/")]);
}

/** Queues for leadership of `name` and resolves once this lease's key is the oldest. */
export async function campaign(
  b: ConcurrencyBackend,
  req: pb.CampaignRequest,
  signal: AbortSignal,
): Promise<pb.CampaignResponse> {
  const lease = await sessionLease(b, req.lease);
  const prefix = electionPrefix(req.name);
  const key = sessionKey(prefix, lease);
  const res = await b.txn({
    compare: [createRevisionIs(key, 0n)],
    success: [putOp(key, req.value, lease)],
    failure: [rangeOp(rangeReq(key))],
  });
  let rev = res.header!.revision;
  const leader: pb.LeaderKey = { name: req.name, key, rev, lease };
  if (!res.succeeded) {
    // Campaigning again with the same lease resumes the earlier candidacy.
    const kv = rangeKvsOf(res, 0)[0]!;
    rev = kv.createRevision;
    leader.rev = rev;
    if (!kv.value.equals(req.value)) {
      try {
        await proclaim(b, { leader, value: req.value });
      } catch (err) {
        await resign(b, { leader }).catch(() => {});
        throw err;
      }
    }
  }
  try {
    await waitDeletes(b, prefix, rev - 1n, signal);
  } catch (err) {
    if (signal.aborted) await resign(b, { leader }).catch(() => {});
    throw err;
  }
  return { header: res.header, leader };
}

/** Replaces the leader's value, if `leader` still holds the term it names. */
export async function proclaim(
  b: ConcurrencyBackend,
  req: pb.ProclaimRequest,
): Promise<pb.ProclaimResponse> {
  const l = req.leader;
  if (!l) throw missingLeaderKeyError();
  const res = await b.txn({
    compare: [createRevisionIs(l.key, l.rev)],
    success: [putOp(l.key, req.value, l.lease)],
    failure: [],
  });
  if (!res.succeeded) throw notLeaderError();
  return { header: res.header };
}

/** Ends `leader`'s term by deleting its key (a no-op if the term already ended). */
export async function resign(
  b: ConcurrencyBackend,
  req: pb.ResignRequest,
): Promise<pb.ResignResponse> {
  const l = req.leader;
  if (!l) throw missingLeaderKeyError();
  const res = await b.txn({
    compare: [createRevisionIs(l.key, l.rev)],
    success: [deleteOp(l.key)],
    failure: [],
  });
  return { header: res.header };
}

export async function leader(
  b: ConcurrencyBackend,
  req: pb.LeaderRequest,
): Promise<pb.LeaderResponse> {
  const res = await b.range(topByCreate(electionPrefix(req.name), "first"));
  const kv = res.kvs[0];
  if (!kv) throw noLeaderError();
  return { header: res.header, kv };
}

/**
 * Reports the election's leader and then each change of it (new values, new leaders) until
 * `signal` aborts or a read or watch fails; resolves quietly in both cases, as the Observe
 * stream then simply ends.
 */
export async function observe(
  b: ConcurrencyBackend,
  req: pb.LeaderRequest,
  signal: AbortSignal,
  send: (res: pb.LeaderResponse) => void | Promise<void>,
): Promise<void> {
  const prefix = electionPrefix(req.name);
  try {
    while (!signal.aborted) {
      const res = await b.range(topByCreate(prefix, "first"));
      let kv = res.kvs[0];
      let header = res.header!;
      if (!kv) {
        // No candidate yet: the first key put under the prefix leads.
        const found = await firstPut(b, prefix, header.revision, signal);
        kv = found.kv;
        header = found.header;
      }
      await send({ header, kv });
      await followLeader(b, kv, header.revision + 1n, signal, send);
    }
  } catch {
    // The stream ends without an error, as etcd's does when its observer stops.
  }
}

async function firstPut(
  b: ConcurrencyBackend,
  prefix: Buffer,
  fromRevision: bigint,
  signal: AbortSignal,
): Promise<{ header: pb.ResponseHeader; kv: pb.KeyValue }> {
  const q = new WatchQueue(
    b,
    { key: prefix, rangeEnd: prefixEnd(prefix), startRevision: Number(fromRevision) },
    signal,
  );
  try {
    for (;;) {
      const r = await q.next();
      const put = r.events.find((e) => e.type === EventType.PUT);
      if (put) {
        // Several puts may share the batch: report the revision of the one we picked.
        return {
          header: { ...b.header(r.revision), revision: BigInt(put.kv.modRevision) },
          kv: kvToPb(put.kv),
        };
      }
    }
  } finally {
    q.close();
  }
}

/** Sends each new value of the leader's key until the key is deleted. */
async function followLeader(
  b: ConcurrencyBackend,
  kv: pb.KeyValue,
  fromRevision: bigint,
  signal: AbortSignal,
  send: (res: pb.LeaderResponse) => void | Promise<void>,
): Promise<void> {
  const q = new WatchQueue(b, { key: kv.key, startRevision: Number(fromRevision) }, signal);
  try {
    for (;;) {
      const r = await q.next();
      for (const e of r.events) {
        if (e.type === EventType.DELETE) return;
        await send({ header: b.header(r.revision), kv: kvToPb(e.kv) });
      }
    }
  } finally {
    q.close();
  }
}
