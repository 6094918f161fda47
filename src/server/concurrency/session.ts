// The lease a lock or campaign runs under: the caller's, or (lease 0) a fresh one with the
// default session TTL that nobody keeps alive, so the key goes away on its own (etcd's
// server-side recipes open such an orphaned session).
import type { ConcurrencyBackend } from "./backend.js";

/** clientv3/concurrency's default session TTL. */
export const DEFAULT_SESSION_TTL_SEC = 60;

export async function sessionLease(b: ConcurrencyBackend, lease: bigint): Promise<bigint> {
  if (lease !== 0n) return lease;
  const granted = await b.leaseGrant({ ID: 0n, TTL: BigInt(DEFAULT_SESSION_TTL_SEC) });
  return granted.ID;
}
