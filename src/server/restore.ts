// `snapshot restore`: turns a backend snapshot into the data dir of a member of a new
// cluster, offline. The snapshot is tsctl's own (a SQLite database + SHA-256, what `snapshot
// save` gets from tsctl) or etcd 3.4's (bbolt + SHA-256), imported into SQLite. The data dir
// is then bootstrapped exactly as a new member would bootstrap its own (data-dir.ts), with
// the database's applied index rebased onto the new log, so the member starts serving the
// snapshot's keys, leases and auth at the snapshot's revision and replays nothing stale.
import { createHash } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  truncateSync,
} from "node:fs";
import { parseUrlList } from "../config/urls.js";
import { verifyBootstrap } from "../config/initial-cluster.js";
import { buildServerConfig, defaultFlagValues } from "../config/server-config.js";
import type { FlagValue } from "../config/flags.js";
import { createLogger } from "../log/logger.js";
import { Backend } from "../mvcc/backend.js";
import { BoltError } from "../mvcc/bbolt.js";
import { Snapshotter } from "../snap/index.js";
import { goByteSlice, goPathError } from "../util/go-errors.js";
import { goQuote } from "../printer/text.js";
import { BboltImportError, importBbolt } from "./bbolt-import.js";
import {
  BOOTSTRAP_INDEX,
  BackendOpenError,
  bootstrapNewCluster,
  memberPaths,
  planNewCluster,
} from "./data-dir.js";

export { BackendOpenError };
import {
  isSqliteFile,
  snapshotHasHash,
  SNAPSHOT_HASH_BYTES,
  SQLITE_MAGIC_BYTES,
} from "../mvcc/snapshot-status.js";
import { KvStateMachine } from "./kv-state-machine.js";
import { toMemberConfig } from "./member-config.js";

const READ_CHUNK_BYTES = 1 << 20;
const BOLT_MIN_PAGE_BYTES = 4096;

export interface RestoreOptions {
  snapshotPath: string;
  name: string;
  /** Where the data dir goes (the command defaults it to `<name>.etcd`); must not exist. */
  dataDir: string;
  /** "" for `<data-dir>/member/wal`; else must not exist. */
  walDir: string;
  initialCluster: string;
  initialClusterToken: string;
  /** Comma-separated, as the flag gives them. */
  initialAdvertisePeerUrls: string;
  skipHashCheck: boolean;
  /** Progress, as etcdctl logs it: the Go source it names, message and fields. */
  log(caller: string, msg: string, fields: Record<string, unknown>): void;
}

/** A restore that cannot go on; the message is etcdctl's text for the same case. */
export class RestoreError extends Error {}

export async function restoreSnapshot(o: RestoreOptions): Promise<void> {
  let advertise: string[];
  try {
    advertise = parseUrlList(o.initialAdvertisePeerUrls);
  } catch (err) {
    throw new RestoreError((err as Error).message);
  }
  const problem = await verifyBootstrap({
    name: o.name,
    initialCluster: o.initialCluster,
    initialAdvertisePeerUrls: advertise,
    discovery: "",
    initialClusterState: "new",
  });
  if (problem !== undefined) throw new RestoreError(problem);
  if (existsSync(o.dataDir)) throw new RestoreError(`data-dir ${goQuote(o.dataDir)} exists`);
  if (o.walDir !== "" && existsSync(o.walDir))
    throw new RestoreError(`wal-dir ${goQuote(o.walDir)} exists`);

  const paths = memberPaths(o.dataDir, o.walDir);
  const where = {
    path: o.snapshotPath,
    "wal-dir": paths.walDir,
    "data-dir": o.dataDir,
    "snap-dir": paths.snapDir,
  };
  o.log("snapshot/v3_snapshot.go:296", "restoring snapshot", where);
  const source = openSnapshot(o.snapshotPath, o.skipHashCheck);
  try {
    // Both directories are new: a failed restore leaves nothing behind to trip the next one.
    try {
      mkdirSync(paths.snapDir, { recursive: true });
      writeDatabase(o.snapshotPath, source, paths.dbPath);
      await bootstrapRestored(o, advertise, paths);
    } catch (err) {
      rmSync(o.dataDir, { recursive: true, force: true });
      if (o.walDir !== "") rmSync(o.walDir, { recursive: true, force: true });
      throw err;
    }
  } finally {
    closeSync(source.fd);
  }
  o.log("snapshot/v3_snapshot.go:309", "restored snapshot", where);
}

interface SnapshotSource {
  fd: number;
  /** Bytes of the database (the hash trailer excluded). */
  dbBytes: number;
  hasHash: boolean;
}

/** Opens the snapshot file and checks its hash, before anything is written. */
function openSnapshot(path: string, skipHashCheck: boolean): SnapshotSource {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new RestoreError(goPathError("open", path, err));
  }
  try {
    const size = fstatSync(fd).size;
    if (size < SNAPSHOT_HASH_BYTES) throw new RestoreError(`seek ${path}: invalid argument`);
    const hasHash = snapshotHasHash(size);
    if (!hasHash && !skipHashCheck)
      throw new RestoreError("snapshot missing hash but --skip-hash-check=false");
    const dbBytes = hasHash ? size - SNAPSHOT_HASH_BYTES : size;
    if (hasHash && !skipHashCheck) {
      const want = Buffer.alloc(SNAPSHOT_HASH_BYTES);
      readSync(fd, want, 0, SNAPSHOT_HASH_BYTES, dbBytes);
      const got = sha256Prefix(fd, dbBytes);
      if (!got.equals(want))
        throw new RestoreError(`expected sha256 ${goByteSlice(want)}, got ${goByteSlice(got)}`);
    }
    return { fd, dbBytes, hasHash };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function sha256Prefix(fd: number, bytes: number): Buffer {
  const hash = createHash("sha256");
  const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, Math.max(bytes, 1)));
  for (let pos = 0; pos < bytes;) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, bytes - pos), pos);
    if (n === 0) throw new RestoreError(`read: unexpected end of snapshot at byte ${pos}`);
    hash.update(buf.subarray(0, n));
    pos += n;
  }
  return hash.digest();
}

function readPrefix(fd: number, bytes: number): Buffer {
  const buf = Buffer.alloc(bytes);
  let pos = 0;
  while (pos < bytes) {
    const n = readSync(fd, buf, pos, bytes - pos, pos);
    if (n === 0) break;
    pos += n;
  }
  return buf.subarray(0, pos);
}

/** Puts the snapshot's database at dbPath as a tsctl (SQLite) database. */
function writeDatabase(path: string, src: SnapshotSource, dbPath: string): void {
  const head = readPrefix(src.fd, Math.min(src.dbBytes, SQLITE_MAGIC_BYTES));
  if (isSqliteFile(head)) {
    const tmp = `${dbPath}.restore.tmp`;
    copyFileSync(path, tmp);
    if (src.hasHash) truncateSync(tmp, src.dbBytes);
    if (!Backend.holdsStore(tmp)) throw new BackendOpenError(dbPath, "not a tsctl database");
    renameSync(tmp, dbPath);
    return;
  }
  // bbolt refuses a file under two pages (of the OS page size when the meta page is bad).
  if (src.dbBytes < 2 * BOLT_MIN_PAGE_BYTES)
    throw new BackendOpenError(dbPath, "file size too small");
  try {
    importBbolt(readPrefix(src.fd, src.dbBytes), dbPath);
  } catch (err) {
    // a page pointer or length out of the file: as bad as a bad meta page
    if (err instanceof BoltError || err instanceof RangeError)
      throw new BackendOpenError(dbPath, "invalid database");
    if (err instanceof BboltImportError) throw new BackendOpenError(dbPath, err.message);
    throw err;
  }
}

/** Rebases the restored database onto a new cluster's log and bootstraps the data dir. */
async function bootstrapRestored(
  o: RestoreOptions,
  advertise: string[],
  paths: ReturnType<typeof memberPaths>,
): Promise<void> {
  const values = defaultFlagValues();
  const set = (name: string, v: FlagValue) => values.set(name, v);
  set("name", o.name);
  set("data-dir", o.dataDir);
  set("wal-dir", o.walDir);
  set("initial-cluster", o.initialCluster);
  set("initial-cluster-token", o.initialClusterToken);
  set("initial-advertise-peer-urls", advertise);
  const cfg = toMemberConfig(buildServerConfig(values));
  const state = KvStateMachine.open(paths.dbPath, cfg, createLogger({ level: "error" }));
  try {
    state.rebaseForNewCluster(BOOTSTRAP_INDEX);
    const plan = planNewCluster(cfg.initialCluster, cfg.initialClusterToken, advertise);
    for (const m of plan.members) {
      o.log("membership/cluster.go:392", "added member", {
        "cluster-id": plan.clusterId.toString(16),
        "local-member-id": "0",
        "added-peer-id": m.id.toString(16),
        "added-peer-peer-urls": m.peerURLs,
      });
    }
    const boot = await bootstrapNewCluster(plan, state, {
      walDir: paths.walDir,
      snapshotter: new Snapshotter(paths.snapDir, { maxSnapshots: cfg.maxSnapshots }),
      maxWals: cfg.maxWals,
    });
    await boot.wal.close();
    state.syncToDisk();
  } finally {
    state.close();
  }
}
