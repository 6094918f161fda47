// The in-memory key index: for every key (ordered by bytes) the revisions at which it was
// written, grouped into generations (a generation runs from a create to its tombstone).
// Values live in SQLite by (main, sub) revision; this index says which revision to read.
import BTreeModule from "sorted-btree";
import type * as BTreeTypes from "sorted-btree";

// sorted-btree is CommonJS with `exports.default`: Node's ESM loader hands us the exports
// object, a bundler may hand us the class itself.
type BTreeCtor = typeof BTreeModule.default;
const BTree: BTreeCtor =
  typeof BTreeModule === "function"
    ? (BTreeModule as unknown as BTreeCtor)
    : (BTreeModule as unknown as { default: BTreeCtor }).default;
type BTreeT<K, V> = BTreeTypes.default<K, V>;

/** A store revision: `main` is the txn's revision, `sub` the change's index inside it. */
export interface Rev {
  main: number;
  sub: number;
}

/** Revisions of one generation. The last revision of a closed generation is its tombstone. */
interface Generation {
  mains: number[];
  subs: number[];
  /** Version of the key at mains[0] (compaction drops the front, versions stay true). */
  firstVersion: number;
  /** Main revision of the put that created this generation. */
  created: number;
}

/** Where a key stands at some revision. */
export interface KeyAt {
  rev: Rev;
  created: number;
  version: number;
}

export class KeyEntry {
  readonly key: Buffer;
  /** Never empty; the last generation is the open one (empty when the key is deleted). */
  readonly gens: Generation[] = [emptyGen()];
  constructor(key: Buffer) {
    this.key = key;
  }

  /**
   * Records a put. `at` gives the record's create revision and version when rebuilding
   * from storage: after compaction a generation's first surviving record is not its create,
   * so both must come from the record itself.
   */
  put(rev: Rev, at?: { created: number; version: number }): void {
    const g = this.gens[this.gens.length - 1]!;
    assertAfter(g, rev, this.key);
    if (g.mains.length === 0) {
      g.created = at ? at.created : rev.main;
      g.firstVersion = at ? at.version : 1;
    } else if (at && at.version !== g.firstVersion + g.mains.length) {
      throw new Error(
        `key index: version ${at.version} at ${rev.main} breaks the sequence of ${this.key.toString("latin1")}`,
      );
    }
    g.mains.push(rev.main);
    g.subs.push(rev.sub);
  }

  /** Records a delete: the revision closes the open generation. */
  tombstone(rev: Rev): void {
    const g = this.gens[this.gens.length - 1]!;
    if (g.mains.length === 0) {
      throw new Error(`key index: tombstone on deleted key ${this.key.toString("latin1")}`);
    }
    assertAfter(g, rev, this.key);
    g.mains.push(rev.main);
    g.subs.push(rev.sub);
    this.gens.push(emptyGen());
  }

  /** The live revision of the key at `atRev`, or undefined if absent then. */
  get(atRev: number): KeyAt | undefined {
    for (let i = this.gens.length - 1; i >= 0; i--) {
      const g = this.gens[i]!;
      const n = g.mains.length;
      if (n === 0 || g.mains[0]! > atRev) continue;
      const closed = i < this.gens.length - 1;
      if (closed && g.mains[n - 1]! <= atRev) return undefined;
      const j = lastAtOrBefore(g.mains, atRev);
      return {
        rev: { main: g.mains[j]!, sub: g.subs[j]! },
        created: g.created,
        version: g.firstVersion + j,
      };
    }
    return undefined;
  }

  /**
   * Appends the key's live revision at `atRev` to `out` (as `get` finds it, without building
   * objects); returns false if the key is absent then.
   */
  collect(atRev: number, out: RevList): boolean {
    for (let i = this.gens.length - 1; i >= 0; i--) {
      const g = this.gens[i]!;
      const n = g.mains.length;
      if (n === 0 || g.mains[0]! > atRev) continue;
      if (i < this.gens.length - 1 && g.mains[n - 1]! <= atRev) return false;
      const j = lastAtOrBefore(g.mains, atRev);
      out.keys.push(this.key);
      out.mains.push(g.mains[j]!);
      out.subs.push(g.subs[j]!);
      out.created.push(g.created);
      out.versions.push(g.firstVersion + j);
      return true;
    }
    return false;
  }

  /** Live now (the open generation holds revisions). */
  isLive(): boolean {
    return this.gens[this.gens.length - 1]!.mains.length > 0;
  }

  /** The revision just before `rev` (for prev_kv of an event), if still indexed. */
  revBefore(rev: Rev): Rev | undefined {
    for (let i = this.gens.length - 1; i >= 0; i--) {
      const g = this.gens[i]!;
      // last position strictly before rev, by (main, sub)
      let lo = 0;
      let hi = g.mains.length - 1;
      let ans = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const m = g.mains[mid]!;
        if (m < rev.main || (m === rev.main && g.subs[mid]! < rev.sub)) {
          ans = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (ans >= 0) return { main: g.mains[ans]!, sub: g.subs[ans]! };
    }
    return undefined;
  }

  /**
   * Drops what compaction at `atRev` makes unreachable: every revision ≤ atRev except the
   * newest live one, and whole generations whose tombstone is ≤ atRev. Pushes dropped
   * revisions to `dropped`. Returns false when nothing of the key remains.
   */
  compact(atRev: number, dropped: Rev[]): boolean {
    const last = this.gens.length - 1;
    const kept: Generation[] = [];
    for (let i = 0; i <= last; i++) {
      const g = this.gens[i]!;
      const n = g.mains.length;
      if (i < last && g.mains[n - 1]! <= atRev) {
        for (let j = 0; j < n; j++) dropped.push({ main: g.mains[j]!, sub: g.subs[j]! });
        continue;
      }
      const j = n === 0 ? -1 : lastAtOrBefore(g.mains, atRev);
      if (j > 0) {
        for (let k = 0; k < j; k++) dropped.push({ main: g.mains[k]!, sub: g.subs[k]! });
        g.mains.splice(0, j);
        g.subs.splice(0, j);
        g.firstVersion += j;
      }
      kept.push(g);
    }
    this.gens.length = 0;
    this.gens.push(...kept);
    return !(kept.length === 1 && kept[0]!.mains.length === 0);
  }
}

function emptyGen(): Generation {
  return { mains: [], subs: [], firstVersion: 1, created: 0 };
}

function assertAfter(g: Generation, rev: Rev, key: Buffer): void {
  const n = g.mains.length;
  if (n === 0) return;
  const m = g.mains[n - 1]!;
  if (m > rev.main || (m === rev.main && g.subs[n - 1]! >= rev.sub)) {
    throw new Error(
      `key index: revision ${rev.main}/${rev.sub} not after ${m} for ${key.toString("latin1")}`,
    );
  }
}

/** Index of the last element ≤ x in an ascending array (-1 if none). */
function lastAtOrBefore(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/**
 * Live revisions of several keys as parallel arrays (entry i: keys[i] at mains[i]/subs[i],
 * created at created[i], version versions[i]); a range collects thousands of them without an
 * object per key.
 */
export class RevList {
  readonly keys: Buffer[] = [];
  readonly mains: number[] = [];
  readonly subs: number[] = [];
  readonly created: number[] = [];
  readonly versions: number[] = [];

  get length(): number {
    return this.keys.length;
  }
}

/** A key interval in index terms: single key, [lo, hi), or [lo, ∞) when hi is null. */
export interface KeyInterval {
  lo: string;
  hi: string | null;
  single: boolean;
}

/** etcd's range_end rules: "" = the key alone, "\x00" = every key ≥ key, else [key, end). */
export function toInterval(key: Buffer, rangeEnd?: Buffer): KeyInterval {
  const lo = key.toString("latin1");
  if (!rangeEnd || rangeEnd.length === 0) return { lo, hi: lo, single: true };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { lo, hi: null, single: false };
  return { lo, hi: rangeEnd.toString("latin1"), single: false };
}

export function inInterval(iv: KeyInterval, k: string): boolean {
  if (iv.single) return k === iv.lo;
  return k >= iv.lo && (iv.hi === null || k < iv.hi);
}

const byBytes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Ordered map from key (latin1 string of its bytes) to its KeyEntry. */
export class KeyIndex {
  private readonly tree: BTreeT<string, KeyEntry> = new BTree<string, KeyEntry>(undefined, byBytes);

  get size(): number {
    return this.tree.size;
  }

  entry(k: string): KeyEntry | undefined {
    return this.tree.get(k);
  }

  put(key: Buffer, rev: Rev, at?: { created: number; version: number }): void {
    const k = key.toString("latin1");
    let e = this.tree.get(k);
    if (!e) {
      e = new KeyEntry(key);
      this.tree.set(k, e);
    }
    e.put(rev, at);
  }

  tombstone(key: Buffer, rev: Rev): void {
    const e = this.tree.get(key.toString("latin1"));
    if (!e) throw new Error(`key index: tombstone on unknown key ${key.toString("latin1")}`);
    e.tombstone(rev);
  }

  /** Calls `fn` for each key entry in the interval, in key order; `fn` returns false to stop. */
  forEachIn(iv: KeyInterval, fn: (k: string, e: KeyEntry) => boolean | void): void {
    if (iv.single) {
      const e = this.tree.get(iv.lo);
      if (e) fn(iv.lo, e);
      return;
    }
    if (iv.hi !== null && iv.hi <= iv.lo) return;
    if (iv.hi !== null) {
      this.tree.forRange(iv.lo, iv.hi, false, (k, e) => {
        if (fn(k, e) === false) return { break: true };
        return undefined;
      });
      return;
    }
    for (const [k, e] of this.tree.entries(iv.lo)) {
      if (fn(k, e) === false) return;
    }
  }

  /** Live revisions of the keys in the interval at `atRev`, in key order. */
  revisions(iv: KeyInterval, atRev: number, limit = 0): { key: Buffer; at: KeyAt }[] {
    const out: { key: Buffer; at: KeyAt }[] = [];
    this.forEachIn(iv, (_k, e) => {
      const at = e.get(atRev);
      if (at) out.push({ key: e.key, at });
      return limit <= 0 || out.length < limit;
    });
    return out;
  }

  /** Live revisions of the keys in the interval at `atRev`, in key order, as a RevList. */
  collect(iv: KeyInterval, atRev: number): RevList {
    const out = new RevList();
    this.forEachIn(iv, (_k, e) => {
      e.collect(atRev, out);
    });
    return out;
  }

  /** Counts keys live at `atRev` in the interval. */
  count(iv: KeyInterval, atRev: number): number {
    let n = 0;
    this.forEachIn(iv, (_k, e) => {
      if (e.get(atRev)) n++;
    });
    return n;
  }

  /** Compacts every key at `atRev`; returns the revisions whose records can be deleted. */
  compact(atRev: number): Rev[] {
    const dropped: Rev[] = [];
    const gone: string[] = [];
    this.tree.forEachPair((k, e) => {
      if (!e.compact(atRev, dropped)) gone.push(k);
    });
    for (const k of gone) this.tree.delete(k);
    return dropped;
  }

  clear(): void {
    this.tree.clear();
  }
}
