// Lease ids as etcd makes them, so ids look alike across implementations: the member id's
// low 16 bits, then a 40-bit millisecond timestamp and an 8-bit counter, bumped per id; the
// top bit is cleared so ids are positive int64. The server calls this before proposing.

const SUFFIX_BITS = 48n;
const COUNTER_BITS = 8n;
const TS_MASK = (1n << 40n) - 1n;
const SUFFIX_MASK = (1n << SUFFIX_BITS) - 1n;
const POSITIVE_MASK = (1n << 63n) - 1n;

export class LeaseIdGenerator {
  private readonly prefix: bigint;
  private suffix: bigint;

  constructor(memberId: bigint, nowMs: number = Date.now()) {
    this.prefix = (memberId & 0xffffn) << SUFFIX_BITS;
    this.suffix = (BigInt(Math.floor(nowMs)) & TS_MASK) << COUNTER_BITS;
  }

  /** The next id (never 0, which means "no lease"). */
  next(): bigint {
    for (;;) {
      this.suffix += 1n;
      const id = (this.prefix | (this.suffix & SUFFIX_MASK)) & POSITIVE_MASK;
      if (id !== 0n) return id;
    }
  }
}

/** A lease id as etcdctl prints it: 16 hex digits, zero padded. */
export function formatLeaseId(id: bigint): string {
  return BigInt.asUintN(64, id).toString(16).padStart(16, "0");
}
