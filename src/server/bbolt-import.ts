// Imports an etcd 3.4 backend (the bbolt file `etcdctl snapshot save` writes, or a member's
// member/snap/db) into a new tsctl database: every stored revision of every key (puts and
// tombstones, so history and the current revision survive), the compaction point, leases and
// auth. Membership, alarms and etcd's applied index stay behind: the database joins a new
// cluster (see restore.ts).
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { Backend } from "../mvcc/backend.js";
import { BoltReader, type BucketRef } from "../mvcc/bbolt.js";
import * as pb from "../proto/index.js";
import { importLeases, type LeaseRecord } from "../lease/lessor.js";
import { AuthStore, type RoleRecord, type UserRecord } from "../auth/store.js";
import type { PermType } from "../auth/perms.js";

/** A stored revision: 8-byte big-endian main, '_', 8-byte big-endian sub, then 't' if a tombstone. */
const REV_BYTES = 17;
const TOMBSTONE_MARK = 0x74; // 't'

export interface BboltImportSummary {
  /** Records (puts and tombstones) copied. */
  records: number;
  revision: number;
  compactRevision: number;
  leases: number;
  users: number;
  roles: number;
}

export class BboltImportError extends Error {}

function toSafeNumber(v: bigint, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new BboltImportError(`${what} ${v} is out of range`);
  return n;
}

function parseRev(key: Buffer): { main: number; sub: number; tombstone: boolean } {
  if (key.length < REV_BYTES || key[8] !== 0x5f) {
    throw new BboltImportError(`bad revision key ${key.toString("hex")} in bucket "key"`);
  }
  return {
    main: toSafeNumber(key.readBigInt64BE(0), "revision"),
    sub: toSafeNumber(key.readBigInt64BE(9), "sub revision"),
    tombstone: key.length > REV_BYTES && key[REV_BYTES] === TOMBSTONE_MARK,
  };
}

/** leasepb.Lease: 1 ID int64, 2 TTL int64, 3 RemainingTTL int64. */
function decodeLease(bytes: Uint8Array): LeaseRecord {
  const r = new BinaryReader(bytes);
  const lease: LeaseRecord = { id: 0n, ttlSec: 0, remainingTtlSec: 0 };
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === 0) lease.id = BigInt(r.int64());
    else if (field === 2 && wireType === 0)
      lease.ttlSec = toSafeNumber(BigInt(r.int64()), "lease TTL");
    else if (field === 3 && wireType === 0)
      lease.remainingTtlSec = toSafeNumber(BigInt(r.int64()), "lease remaining TTL");
    else r.skip(wireType);
  }
  return lease;
}

function* entriesOf(db: BoltReader, bucket: string): Generator<[Buffer, Buffer]> {
  const ref: BucketRef | undefined = db.bucket(bucket);
  if (ref === undefined) return;
  for (const [k, v, isBucket] of db.entries(ref)) if (!isBucket) yield [k, v];
}

/** The main revision of a stored revision value (meta's compaction marks), or undefined. */
function metaRev(db: BoltReader, name: string): number | undefined {
  for (const [k, v] of entriesOf(db, "meta")) {
    if (k.toString("latin1") === name && v.length >= 8)
      return toSafeNumber(v.readBigInt64BE(0), name);
  }
  return undefined;
}

/**
 * Writes the contents of the bbolt database `file` into a new SQLite database at `dbPath`
 * (which must not exist yet). Throws BoltError if `file` is not a bbolt database.
 */
export function importBbolt(file: Buffer, dbPath: string): BboltImportSummary {
  const db = new BoltReader(file);
  if (db.bucket("key") === undefined || db.bucket("meta") === undefined) {
    throw new BboltImportError("not an etcd backend (no key or meta bucket)");
  }
  // A scheduled compaction etcd had not finished is finished on start: count it as done
  // (opening the store purges what it drops).
  const compactRevision = metaRev(db, "scheduledCompactRev") ?? metaRev(db, "finishedCompactRev");
  const be = new Backend(dbPath);
  try {
    const summary: BboltImportSummary = {
      records: 0,
      revision: 1,
      compactRevision: compactRevision ?? -1,
      leases: 0,
      users: 0,
      roles: 0,
    };
    be.transaction(() => {
      for (const [k, v] of entriesOf(db, "key")) {
        const rev = parseRev(k);
        const kv = pb.KeyValue.decode(v);
        be.insert(
          rev,
          {
            key: kv.key,
            value: rev.tombstone ? Buffer.alloc(0) : kv.value,
            createRevision: rev.tombstone ? 0 : toSafeNumber(kv.createRevision, "create revision"),
            modRevision: rev.main,
            version: rev.tombstone ? 0 : toSafeNumber(kv.version, "version"),
            lease: rev.tombstone ? 0n : kv.lease,
          },
          rev.tombstone,
        );
        summary.records++;
        if (rev.main > summary.revision) summary.revision = rev.main;
      }
      be.saveState({
        consistentIndex: 0,
        revision: Math.max(summary.revision, summary.compactRevision),
        compactRevision: summary.compactRevision,
      });
      summary.leases = importLeases(
        be.db,
        [...entriesOf(db, "lease")].map(([, v]) => decodeLease(v)),
      );
      const auth = importAuth(db);
      summary.users = auth.users.length;
      summary.roles = auth.roles.length;
      new AuthStore(be.db).importAll(auth);
    });
    return summary;
  } finally {
    be.close();
  }
}

function importAuth(db: BoltReader): {
  enabled: boolean;
  revision: number;
  users: UserRecord[];
  roles: RoleRecord[];
} {
  let enabled = false;
  let revision = 1;
  for (const [k, v] of entriesOf(db, "auth")) {
    const name = k.toString("latin1");
    if (name === "authEnabled") enabled = v.length === 1 && v[0] === 1;
    else if (name === "authRevision" && v.length === 8)
      revision = toSafeNumber(v.readBigUInt64BE(0), "auth revision");
  }
  const users: UserRecord[] = [...entriesOf(db, "authUsers")].map(([, v]) => {
    const u = pb.User.decode(v);
    const noPassword = u.options?.noPassword ?? false;
    return {
      name: u.name.toString("utf8"),
      passwordHash: noPassword ? "" : u.password.toString("utf8"),
      noPassword,
      roles: u.roles,
    };
  });
  const roles: RoleRecord[] = [...entriesOf(db, "authRoles")].map(([, v]) => {
    const r = pb.Role.decode(v);
    return {
      name: r.name.toString("utf8"),
      perms: r.keyPermission.map((p) => ({
        permType: p.permType as PermType,
        key: p.key,
        rangeEnd: p.rangeEnd,
      })),
    };
  });
  return { enabled, revision, users, roles };
}
