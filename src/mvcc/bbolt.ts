// A read-only reader of bbolt database files (etcd 3.4's backend and snapshot format):
// meta pages, B+tree branch/leaf pages, inline buckets. Enough to walk every bucket in key
// order for `snapshot status` and for importing an etcd snapshot (bbolt-import.ts); it
// never writes.

const PAGE_HEADER = 16;
const ELEMENT = 16;
const BRANCH = 0x01;
const LEAF = 0x02;
const META = 0x04;
const BUCKET_LEAF = 0x01;
const MAGIC = 0xed0cdaed;

export interface BoltMeta {
  pageSize: number;
  rootPgid: bigint;
  /** High-water mark: pages in use; times pageSize is the database size. */
  pgid: bigint;
  txid: bigint;
}

export interface BucketRef {
  root: bigint;
  /** For an inline bucket (root 0): the page bytes stored in the parent's value. */
  inline?: Buffer;
}

export class BoltError extends Error {}

function fnv64a(bytes: Buffer): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

function readMeta(file: Buffer, offset: number): BoltMeta | undefined {
  const m = offset + PAGE_HEADER;
  if (file.length < m + 64) return undefined;
  if ((file.readUInt16LE(offset + 8) & META) === 0) return undefined;
  if (file.readUInt32LE(m) !== MAGIC || file.readUInt32LE(m + 4) !== 2) return undefined;
  if (fnv64a(file.subarray(m, m + 56)) !== file.readBigUInt64LE(m + 56)) return undefined;
  return {
    pageSize: file.readUInt32LE(m + 8),
    rootPgid: file.readBigUInt64LE(m + 16),
    pgid: file.readBigUInt64LE(m + 40),
    txid: file.readBigUInt64LE(m + 48),
  };
}

export class BoltReader {
  readonly meta: BoltMeta;

  constructor(private readonly file: Buffer) {
    const first = readMeta(file, 0);
    if (first === undefined) throw new BoltError("invalid database");
    const second = readMeta(file, first.pageSize);
    this.meta = second !== undefined && second.txid > first.txid ? second : first;
  }

  /** Bytes the database occupies (bbolt's Tx.Size). */
  get size(): bigint {
    return this.meta.pgid * BigInt(this.meta.pageSize);
  }

  private page(ref: BucketRef, pgid: bigint): [Buffer, number] {
    if (ref.inline !== undefined) return [ref.inline, 0];
    const offset = Number(pgid) * this.meta.pageSize;
    if (offset + PAGE_HEADER > this.file.length)
      throw new BoltError(`page ${pgid} beyond end of file`);
    return [this.file, offset];
  }

  /** Every (key, value, isBucket) of a bucket, in key order. */
  *entries(ref: BucketRef, pgid = ref.root): Generator<[Buffer, Buffer, boolean]> {
    const [buf, p] = this.page(ref, pgid);
    const flags = buf.readUInt16LE(p + 8);
    const count = buf.readUInt16LE(p + 10);
    for (let i = 0; i < count; i++) {
      const e = p + PAGE_HEADER + i * ELEMENT;
      if (flags & BRANCH) {
        const pos = buf.readUInt32LE(e);
        void pos;
        yield* this.entries(ref, buf.readBigUInt64LE(e + 8));
      } else if (flags & LEAF) {
        const leafFlags = buf.readUInt32LE(e);
        const pos = buf.readUInt32LE(e + 4);
        const ksize = buf.readUInt32LE(e + 8);
        const vsize = buf.readUInt32LE(e + 12);
        const k = buf.subarray(e + pos, e + pos + ksize);
        const v = buf.subarray(e + pos + ksize, e + pos + ksize + vsize);
        yield [k, v, (leafFlags & BUCKET_LEAF) !== 0];
      } else {
        throw new BoltError(`unexpected page type ${flags} at page ${pgid}`);
      }
    }
  }

  /** A top-level bucket by name (undefined when the database has none). */
  bucket(name: string): BucketRef | undefined {
    for (const [n, ref] of this.buckets()) if (n.toString("latin1") === name) return ref;
    return undefined;
  }

  /** The top-level buckets, in name order, each with a handle to walk it. */
  *buckets(): Generator<[Buffer, BucketRef]> {
    for (const [name, value, isBucket] of this.entries({ root: this.meta.rootPgid })) {
      if (!isBucket) continue;
      yield [name, bucketRef(value)];
    }
  }
}

function bucketRef(value: Buffer): BucketRef {
  const root = value.readBigUInt64LE(0);
  return root === 0n ? { root, inline: value.subarray(16) } : { root };
}

const CRC32C = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** Running CRC-32C (Castagnoli), as Go's hash/crc32 with MakeTable(Castagnoli). */
export class Crc32c {
  private crc = 0xffffffff;
  update(bytes: Uint8Array): void {
    let c = this.crc;
    for (const b of bytes) c = CRC32C[(c ^ b) & 0xff]! ^ (c >>> 8);
    this.crc = c >>> 0;
  }
  digest(): number {
    return (this.crc ^ 0xffffffff) >>> 0;
  }
}

export interface SnapshotStatus {
  hash: number;
  revision: bigint;
  totalKey: number;
  totalSize: bigint;
}

/**
 * etcd's snapshot status of a backend file: CRC-32C over every bucket name, key and value in
 * order, the number of keys, the newest revision in the "key" bucket and the database size.
 */
export function snapshotStatus(file: Buffer): SnapshotStatus {
  const db = new BoltReader(file);
  const h = new Crc32c();
  let revision = 0n;
  let totalKey = 0;
  for (const [name, ref] of db.buckets()) {
    h.update(name);
    const isKey = name.toString() === "key";
    for (const [k, v] of db.entries(ref)) {
      h.update(k);
      h.update(v);
      if (isKey && k.length >= 8) revision = k.readBigInt64BE(0);
      totalKey++;
    }
  }
  return { hash: h.digest(), revision, totalKey, totalSize: db.size };
}
