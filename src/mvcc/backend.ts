// The SQLite side of the MVCC store: schema, prepared statements and row codecs. One row per
// (main, sub) revision; a single-row state table holds revision, compaction and the applied
// raft index, written in the same SQLite transaction as the data they describe.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { Rev } from "./key-index.js";
import type { KeyValue } from "./types.js";

export type Db = Database.Database;

/** A stored record: a put (kv) or a tombstone (kv holds key and modRevision only). */
export interface Row {
  rev: Rev;
  kv: KeyValue;
  tombstone: boolean;
}

export interface PersistedState {
  consistentIndex: number;
  revision: number;
  compactRevision: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  rev INTEGER NOT NULL,
  sub INTEGER NOT NULL,
  key BLOB NOT NULL,
  value BLOB NOT NULL,
  create_rev INTEGER NOT NULL,
  version INTEGER NOT NULL,
  lease INTEGER NOT NULL,
  tombstone INTEGER NOT NULL,
  PRIMARY KEY (rev, sub)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mvcc_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  consistent_index INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  compact_revision INTEGER NOT NULL
);
INSERT OR IGNORE INTO mvcc_state VALUES (1, 0, 1, -1);
`;

const EMPTY = Buffer.alloc(0);

/**
 * A bulk read packs (main, sub) into one integer for SQLite: sub in the low bits. Revisions
 * outside these bounds are read one statement per record instead.
 */
const SUB_BITS = 20;
const SUB_LIMIT = 2 ** SUB_BITS;
const MAIN_LIMIT = 2 ** (53 - SUB_BITS);

/** Records per bulk statement: bounds the JSON parameter and the blob SQLite builds. */
export const BULK_READ_MAX_RECORDS = 2048;

/** Values and leases of many records (record i's value is values[i], a view into one blob). */
export interface BulkValues {
  values: Buffer[];
  leases: bigint[];
}

// Revisions, versions and counts fit in a double; the int64 lease id is read as decimal text
// (cheaper than switching the whole statement to BigInt results).
type RawRow = [number, number, Buffer, Buffer, number, number, string, number];

/** How long applied writes may stay in the open SQLite transaction before it is committed. */
const COMMIT_INTERVAL_MS = 100;

export class Backend {
  readonly db: Db;
  private readonly insertStmt;
  private readonly getStmt;
  private readonly deleteStmt;
  private readonly stateStmt;
  private readonly saveStateStmt;
  private readonly scanStmt;
  private readonly historyStmt;
  private readonly uptoStmt;
  private readonly bulkStmt;
  // one reusable wrapper: building a new one per batch costs as much as a small commit
  private readonly txnFn: (fn: () => unknown) => unknown;
  private commitTimer: NodeJS.Timeout | undefined;

  constructor(file: string) {
    if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(SCHEMA);
    this.txnFn = this.db.transaction((fn: () => unknown) => fn());
    this.insertStmt = this.db.prepare("INSERT INTO kv VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    this.getStmt = this.db
      .prepare(
        "SELECT rev, sub, key, value, create_rev, version, CAST(lease AS TEXT), tombstone FROM kv WHERE rev = ? AND sub = ?",
      )
      .raw(true);
    this.deleteStmt = this.db.prepare("DELETE FROM kv WHERE rev = ? AND sub = ?");
    this.stateStmt = this.db.prepare(
      "SELECT consistent_index, revision, compact_revision FROM mvcc_state WHERE id = 1",
    );
    this.saveStateStmt = this.db.prepare(
      "UPDATE mvcc_state SET consistent_index = ?, revision = ?, compact_revision = ? WHERE id = 1",
    );
    this.scanStmt = this.db
      .prepare(
        "SELECT rev, sub, key, tombstone, CAST(lease AS TEXT), create_rev, version FROM kv ORDER BY rev, sub",
      )
      .raw(true);
    this.historyStmt = this.db
      .prepare(
        "SELECT rev, sub, key, value, create_rev, version, CAST(lease AS TEXT), tombstone FROM kv WHERE rev >= ? AND rev <= ? ORDER BY rev, sub",
      )
      .raw(true);
    this.uptoStmt = this.db
      .prepare(
        "SELECT rev, sub, key, value, create_rev, version, CAST(lease AS TEXT), tombstone FROM kv WHERE rev <= ? ORDER BY rev, sub",
      )
      .raw(true);
    // One statement reads many records and hands back two values instead of a row each
    // (building rows costs far more than finding them): every value concatenated into one
    // blob, and a text list "id:length[:lease]," in request order, where id is the packed
    // revision. CROSS JOIN keeps json_each as the outer loop, so rows come in request order;
    // the ids let the caller check that.
    this.bulkStmt = this.db
      .prepare(
        `SELECT CAST(group_concat(k.value, x'') AS BLOB),
           group_concat(((k.rev << ${SUB_BITS}) | k.sub) || ':' || octet_length(k.value)
             || CASE k.lease WHEN 0 THEN '' ELSE ':' || k.lease END
             || CASE k.tombstone WHEN 0 THEN '' ELSE ':t' END, ',')
         FROM json_each(?) AS j CROSS JOIN kv AS k
         WHERE k.rev = (j.value >> ${SUB_BITS}) AND k.sub = (j.value & ${SUB_LIMIT - 1})`,
      )
      .raw(true);
  }

  /** Whether `file` is a SQLite database holding this store's tables. */
  static holdsStore(file: string): boolean {
    let db: Db | undefined;
    try {
      db = new Database(file, { fileMustExist: true });
      const tables = db
        .prepare(
          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('kv', 'mvcc_state')",
        )
        .pluck()
        .get();
      return tables === 2;
    } catch {
      return false;
    } finally {
      db?.close();
    }
  }

  insert(rev: Rev, kv: KeyValue, tombstone: boolean): void {
    this.insertStmt.run(
      rev.main,
      rev.sub,
      kv.key,
      kv.value,
      kv.createRevision,
      kv.version,
      kv.lease,
      tombstone ? 1 : 0,
    );
  }

  get(rev: Rev): Row | undefined {
    const r = this.getStmt.get(rev.main, rev.sub) as RawRow | undefined;
    return r ? toRow(r) : undefined;
  }

  /**
   * Values and leases of the put records at (mains[i], subs[i]), in that order, with one
   * statement per BULK_READ_MAX_RECORDS records. Throws if a record is missing or is a
   * tombstone (callers ask only for what the key index holds as live).
   */
  getValues(mains: readonly number[], subs: readonly number[]): BulkValues {
    const values: Buffer[] = [];
    const leases: bigint[] = [];
    for (let from = 0; from < mains.length; from += BULK_READ_MAX_RECORDS) {
      const to = Math.min(mains.length, from + BULK_READ_MAX_RECORDS);
      if (!this.bulkChunk(mains, subs, from, to, values, leases)) {
        for (let i = from; i < to; i++) {
          const row = this.get({ main: mains[i]!, sub: subs[i]! });
          if (!row || row.tombstone) throw missing(mains[i]!, subs[i]!);
          values.push(row.kv.value);
          leases.push(row.kv.lease);
        }
      }
    }
    return { values, leases };
  }

  /** One bulk statement for records [from, to); false when they cannot be packed. */
  private bulkChunk(
    mains: readonly number[],
    subs: readonly number[],
    from: number,
    to: number,
    values: Buffer[],
    leases: bigint[],
  ): boolean {
    let ids = "[";
    for (let i = from; i < to; i++) {
      const main = mains[i]!;
      const sub = subs[i]!;
      if (!(main >= 0 && main < MAIN_LIMIT && sub >= 0 && sub < SUB_LIMIT)) return false;
      if (i > from) ids += ",";
      ids += main * SUB_LIMIT + sub;
    }
    ids += "]";
    let r: [Buffer | null, string | null];
    try {
      r = this.bulkStmt.get(ids) as [Buffer | null, string | null];
    } catch (err) {
      // values too large to concatenate: read them one by one
      if ((err as { code?: unknown }).code === "SQLITE_TOOBIG") return false;
      throw err;
    }
    const blob = r[0] ?? EMPTY;
    const list = r[1] ?? "";
    // parse "id:length[:lease][:t]," entries, checking each id against the request
    let pos = 0;
    let off = 0;
    let i = from;
    const n = list.length;
    while (pos < n) {
      if (i >= to) throw new Error("mvcc backend: bulk read returned extra records");
      let id = 0;
      let c = list.charCodeAt(pos);
      while (c !== 58 /* : */) {
        id = id * 10 + (c - 48);
        c = list.charCodeAt(++pos);
      }
      let len = 0;
      c = list.charCodeAt(++pos);
      while (c >= 48 && c <= 57) {
        len = len * 10 + (c - 48);
        c = list.charCodeAt(++pos);
      }
      let lease = 0n;
      if (c === 58 && list.charCodeAt(pos + 1) !== 116 /* t */) {
        const start = ++pos;
        while (pos < n && list.charCodeAt(pos) !== 44 && list.charCodeAt(pos) !== 58) pos++;
        lease = BigInt(list.slice(start, pos));
        c = list.charCodeAt(pos);
      }
      if (c === 58) throw new Error(`mvcc backend: record ${mains[i]}/${subs[i]} is a tombstone`);
      if (id !== mains[i]! * SUB_LIMIT + subs[i]!) throw missing(mains[i]!, subs[i]!);
      values.push(len === 0 ? EMPTY : blob.subarray(off, off + len));
      leases.push(lease);
      off += len;
      i++;
      pos++; // the comma (or past the end)
    }
    if (i !== to) throw missing(mains[i]!, subs[i]!);
    if (off !== blob.length) throw new Error("mvcc backend: bulk read value bytes do not add up");
    return true;
  }

  delete(rev: Rev): void {
    const info = this.deleteStmt.run(rev.main, rev.sub);
    if (info.changes !== 1) throw new Error(`mvcc backend: no record at ${rev.main}/${rev.sub}`);
  }

  state(): PersistedState {
    const r = this.stateStmt.get() as {
      consistent_index: number;
      revision: number;
      compact_revision: number;
    };
    return {
      consistentIndex: r.consistent_index,
      revision: r.revision,
      compactRevision: r.compact_revision,
    };
  }

  saveState(s: PersistedState): void {
    this.saveStateStmt.run(s.consistentIndex, s.revision, s.compactRevision);
  }

  /** Every record's index facts in revision order (values are not read). */
  *scanIndex(): Generator<{
    rev: Rev;
    key: Buffer;
    tombstone: boolean;
    lease: bigint;
    created: number;
    version: number;
  }> {
    for (const r of this.scanStmt.iterate() as IterableIterator<
      [number, number, Buffer, number, string, number, number]
    >) {
      yield {
        rev: { main: r[0], sub: r[1] },
        key: r[2],
        tombstone: r[3] !== 0,
        lease: r[4] === "0" ? 0n : BigInt(r[4]),
        created: r[5],
        version: r[6],
      };
    }
  }

  /** Records with fromRev ≤ main ≤ toRev, in revision order. */
  history(fromRev: number, toRev: number): Row[] {
    return (this.historyStmt.all(fromRev, toRev) as RawRow[]).map(toRow);
  }

  /** Iterates every record with main ≤ rev, in revision order. */
  *upTo(rev: number): Generator<Row> {
    for (const r of this.uptoStmt.iterate(rev) as IterableIterator<RawRow>) yield toRow(r);
  }

  /**
   * Runs fn atomically: rolled back if it throws. Writes go into a SQLite transaction that
   * stays open for up to COMMIT_INTERVAL_MS and is committed then (or by commit()), so the
   * cost of a commit is shared by every batch in that window, as etcd's backend batches
   * its bbolt commits. Each call is a savepoint inside it. This connection sees everything
   * at once; a crash loses at most the open window, which the member replays from its raft
   * log (the applied index is saved in the same transaction as the data it describes).
   */
  transaction<T>(fn: () => T): T {
    if (!this.db.inTransaction) {
      this.db.exec("BEGIN");
      this.commitTimer = setTimeout(() => this.commit(), COMMIT_INTERVAL_MS);
      this.commitTimer.unref();
    }
    return this.txnFn(fn) as T;
  }

  /** Commits the open write window, if any: required before anything reads the file. */
  commit(): void {
    if (this.commitTimer !== undefined) clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    if (this.db.open && this.db.inTransaction) this.db.exec("COMMIT");
  }

  close(): void {
    this.commit();
    this.db.close();
  }
}

function missing(main: number, sub: number): Error {
  return new Error(`mvcc: indexed revision ${main}/${sub} has no record`);
}

function toRow(r: RawRow): Row {
  const main = r[0];
  const tombstone = r[7] !== 0;
  return {
    rev: { main, sub: r[1] },
    tombstone,
    kv: {
      key: r[2],
      value: tombstone ? EMPTY : r[3],
      createRevision: r[4],
      modRevision: main,
      version: r[5],
      lease: r[6] === "0" ? 0n : BigInt(r[6]),
    },
  };
}
