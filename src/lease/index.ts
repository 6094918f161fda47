// Public surface of the lease layer: the lessor and etcd-style lease id generation.
export { Lessor, MAX_LEASE_TTL_SEC, checkLeaseGrant, defaultMinTtlSec } from "./lessor.js";
export type { LessorOptions, LeaseCheckpoint, LeaseTimeToLive } from "./lessor.js";
export { LeaseIdGenerator, formatLeaseId } from "./id.js";
