// Public surface of the lease layer: the lessor and etcd-style lease id generation.
//
// Usage (server side):
//   const lessor = new Lessor(store, { electionTimeoutMs });
//   // replicated, inside store.applyBatch, in raft order on every member:
//   lessor.grant(w, id, ttlSec); lessor.revoke(w, id); lessor.applyCheckpoints(w, cps);
//   // local, leader only: promote(electionTimeoutMs) on becoming leader, demote() on losing
//   // it; every ~500 ms propose revokes for expiredLeases() and checkpoints for
//   // takeCheckpoints(); answer keep-alives with renew(id) (unknown lease: TTL 0) and
//   // TimeToLive with timeToLive(id, keys) (undefined: TTL -1).
//   // ids: new LeaseIdGenerator(memberId).next() before proposing a grant with ID 0.
export { Lessor, MAX_LEASE_TTL_SEC, checkLeaseGrant, defaultMinTtlSec } from "./lessor.js";
export type { LessorOptions, LeaseCheckpoint, LeaseTimeToLive } from "./lessor.js";
export { LeaseIdGenerator, formatLeaseId } from "./id.js";
