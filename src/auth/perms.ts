// Key permissions as byte intervals: a role's grants merge per user into a read set and a
// write set; a request on [key, rangeEnd) is allowed when the union of the user's grants of
// that kind covers it. rangeEnd "" means the single key, "\x00" means every key >= key.

/** READ=0, WRITE=1, READWRITE=2 (authpb.Permission.Type). */
export type PermType = 0 | 1 | 2;
export const PermType = { READ: 0, WRITE: 1, READWRITE: 2 } as const;

export interface KeyPermission {
  permType: PermType;
  key: Buffer;
  /** "" = the single key; "\x00" = open ended. */
  rangeEnd: Buffer;
}

/** A half-open byte interval; `end` undefined = unbounded. */
interface Interval {
  start: Buffer;
  end: Buffer | undefined;
}

const ZERO = Buffer.from([0]);

function isOpenEnd(end: Buffer): boolean {
  return end.length === 1 && end[0] === 0;
}

function toInterval(key: Buffer, rangeEnd: Buffer): Interval {
  // A single key k is the interval [k, k+"\x00"): nothing sorts between them.
  if (rangeEnd.length === 0) return { start: key, end: Buffer.concat([key, ZERO]) };
  return { start: key, end: isOpenEnd(rangeEnd) ? undefined : rangeEnd };
}

/** The union of intervals granted for one kind of access, kept sorted by start. */
export class IntervalSet {
  private readonly intervals: Interval[] = [];

  add(key: Buffer, rangeEnd: Buffer): void {
    this.intervals.push(toInterval(key, rangeEnd));
    this.intervals.sort((a, b) => Buffer.compare(a.start, b.start));
  }

  get size(): number {
    return this.intervals.length;
  }

  /** Whether the grants cover the request: one key (rangeEnd "") or [key, rangeEnd). */
  covers(key: Buffer, rangeEnd: Buffer): boolean {
    if (rangeEnd.length === 0) return this.containsPoint(key);
    const want = toInterval(key, rangeEnd);
    // An empty or inverted range reads nothing beyond its first key.
    if (want.end !== undefined && Buffer.compare(want.end, want.start) <= 0)
      return this.containsPoint(key);
    let reached = want.start;
    for (const iv of this.intervals) {
      if (iv.end !== undefined && Buffer.compare(iv.end, reached) <= 0) continue;
      if (Buffer.compare(iv.start, reached) > 0) return false; // a gap
      if (iv.end === undefined) return true;
      reached = iv.end;
      if (want.end !== undefined && Buffer.compare(reached, want.end) >= 0) return true;
    }
    return false;
  }

  private containsPoint(key: Buffer): boolean {
    return this.intervals.some(
      (iv) =>
        Buffer.compare(iv.start, key) <= 0 &&
        (iv.end === undefined || Buffer.compare(key, iv.end) < 0),
    );
  }
}

/** A user's merged grants over all of their roles. */
export interface MergedPermissions {
  read: IntervalSet;
  write: IntervalSet;
}

export function mergePermissions(perms: Iterable<KeyPermission>): MergedPermissions {
  const merged = { read: new IntervalSet(), write: new IntervalSet() };
  for (const p of perms) {
    if (p.permType === PermType.READ || p.permType === PermType.READWRITE)
      merged.read.add(p.key, p.rangeEnd);
    if (p.permType === PermType.WRITE || p.permType === PermType.READWRITE)
      merged.write.add(p.key, p.rangeEnd);
  }
  return merged;
}
