// `snapshot status` of a tsctl snapshot (a SQLite backend, optionally followed by the 32-byte
// SHA-256 that `snapshot save` appends): the same four figures etcd reports for its bbolt
// files, defined over our tables — a CRC-32C over every table name and row (tables by name,
// rows in column order), the row count, the store's revision and the database size.
import { copyFileSync, mkdtempSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Crc32c } from "./bbolt.js";
import type { SnapshotStatus } from "./bbolt.js";

const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");
/** The SHA-256 that `snapshot save` checks and keeps after the database bytes. */
export const SNAPSHOT_HASH_BYTES = 32;
/** Both backends' files are whole pages, multiples of this: a trailing hash shows in the size. */
export const SNAPSHOT_SIZE_UNIT = 512;

/** Whether a snapshot file of `fileBytes` ends with the hash `snapshot save` appends. */
export function snapshotHasHash(fileBytes: number): boolean {
  return fileBytes % SNAPSHOT_SIZE_UNIT === SNAPSHOT_HASH_BYTES;
}

/** The number of bytes SQLite's file magic takes. */
export const SQLITE_MAGIC_BYTES = SQLITE_MAGIC.length;

/** True when `head` (the file's first bytes) starts a SQLite database. */
export function isSqliteFile(head: Buffer): boolean {
  return head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC);
}

/** Throws Error("invalid database") when the file is not a tsctl backend. */
export function sqliteSnapshotStatus(path: string, fileBytes: number): SnapshotStatus {
  const dbBytes = snapshotHasHash(fileBytes) ? fileBytes - SNAPSHOT_HASH_BYTES : fileBytes;
  const dir = mkdtempSync(join(tmpdir(), "tsctl-snapshot-status-"));
  const copy = join(dir, "db");
  try {
    copyFileSync(path, copy);
    truncateSync(copy, dbBytes);
    const db = new Database(copy, { readonly: true, fileMustExist: true });
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all() as string[];
      if (!tables.includes("kv") || !tables.includes("mvcc_state"))
        throw new Error("invalid database");
      const h = new Crc32c();
      let totalKey = 0;
      for (const table of tables) {
        h.update(Buffer.from(table));
        const quoted = `"${table.replace(/"/g, '""')}"`;
        const columns = db.prepare(`SELECT * FROM ${quoted} LIMIT 0`).columns().length;
        const order = Array.from({ length: columns }, (_, i) => i + 1).join(", ");
        const rows = db.prepare(`SELECT * FROM ${quoted} ORDER BY ${order}`).raw(true);
        for (const row of rows.iterate() as Iterable<unknown[]>) {
          totalKey++;
          for (const v of row) {
            if (v === null) continue;
            h.update(Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
          }
        }
      }
      const revision = db.prepare("SELECT revision FROM mvcc_state WHERE id = 1").pluck().get();
      return {
        hash: h.digest(),
        revision: BigInt((revision as number | undefined) ?? 0),
        totalKey,
        totalSize: BigInt(dbBytes),
      };
    } finally {
      db.close();
    }
  } catch (err) {
    if (err instanceof Error && err.message === "invalid database") throw err;
    throw new Error("invalid database");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
