// Raft snapshot files of a member (`<data-dir>/member/snap/%016x-%016x.snap`, term-index):
// written atomically with a CRC, loaded newest first with corrupt files set aside as
// `.broken`, and pruned to the newest `maxSnapshots`.
//
// File = u32 LE crc32 of the body, then the body: the raftpb.Snapshot protobuf bytes. The
// (possibly large) data is written from the caller's buffer and read back as a view into
// the file buffer, never copied.

import { crc32 } from "node:zlib";
import { mkdir, open, readFile, readdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { decodeSnapshot, encodeSnapshotFraming } from "../raft/codec.js";
import type { Snapshot } from "../raft/types.js";
import { createLogger } from "../log/logger.js";
import type { Logger } from "../log/logger.js";
import { syncDir, writeAll } from "../wal/segment.js";

export type SnapLogger = Pick<Logger, "info" | "warn">;

export const DEFAULT_MAX_SNAPSHOTS = 5;

export interface SnapshotterOptions {
  logger?: SnapLogger;
  /** Snapshot files to keep (default 5; 0 = keep all). */
  maxSnapshots?: number;
  /** Called with each snapshot file fsync's duration (for etcd_snap_fsync_duration_seconds). */
  onFsync?: (seconds: number) => void;
}

/** A snapshot file that fails its CRC or cannot be decoded. */
export class SnapCorruptError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`snap: corrupt snapshot file ${file}: ${reason}`);
    this.name = "SnapCorruptError";
  }
}

const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;
const CRC_BYTES = 4;

function hex16(n: number): string {
  return n.toString(16).padStart(16, "0");
}

export function snapName(term: number, index: number): string {
  return `${hex16(term)}-${hex16(index)}.snap`;
}

function parseName(name: string): { term: number; index: number } | undefined {
  const m = NAME.exec(name);
  if (m === null) return undefined;
  return { term: Number.parseInt(m[1]!, 16), index: Number.parseInt(m[2]!, 16) };
}

export class Snapshotter {
  private readonly logger: SnapLogger;
  private readonly maxSnapshots: number;
  private readonly onFsync: ((seconds: number) => void) | undefined;
  /** Files renamed to `.broken` by loads so far. */
  readonly broken: string[] = [];

  constructor(
    readonly dir: string,
    opts: SnapshotterOptions = {},
  ) {
    this.logger = opts.logger ?? createLogger({ component: "snap" });
    this.maxSnapshots = opts.maxSnapshots ?? DEFAULT_MAX_SNAPSHOTS;
    this.onFsync = opts.onFsync;
  }

  /**
   * Writes `snap` durably: a temp file synced, renamed into place, the directory synced.
   * An empty snapshot (index 0) is not written.
   */
  async save(snap: Snapshot): Promise<void> {
    const { index, term } = snap.metadata;
    if (index === 0) return;
    await mkdir(this.dir, { recursive: true });
    const { prefix, suffix } = encodeSnapshotFraming(snap);
    const crc = crc32(suffix, crc32(snap.data, crc32(prefix)));
    const head = new Uint8Array(CRC_BYTES);
    new DataView(head.buffer).setUint32(0, crc, true);
    const name = snapName(term, index);
    const tmp = join(this.dir, `${name}.tmp`);
    const fh = await open(tmp, "w");
    try {
      let pos = 0;
      for (const chunk of [head, prefix, snap.data, suffix]) {
        await writeAll(fh, chunk, pos);
        pos += chunk.length;
      }
      const startMs = performance.now();
      await fh.sync();
      this.onFsync?.((performance.now() - startMs) / 1000);
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, name));
    await syncDir(this.dir);
    await this.purge();
  }

  /** The names of the snapshot files, newest first. */
  async names(): Promise<string[]> {
    let all: string[];
    try {
      all = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    return all
      .filter((n) => NAME.test(n))
      .sort()
      .reverse();
  }

  /**
   * The newest snapshot that loads cleanly, restricted to those `walSnaps` names when given
   * (the markers the WAL holds, so the WAL can be replayed after it). Corrupt files are
   * renamed `<name>.broken`, logged, and the next older one is tried.
   */
  async loadNewestAvailable(
    walSnaps?: readonly { index: number; term: number }[],
  ): Promise<Snapshot | undefined> {
    await this.removeTmpFiles();
    for (const name of await this.names()) {
      const id = parseName(name)!;
      if (
        walSnaps !== undefined &&
        !walSnaps.some((m) => m.index === id.index && m.term === id.term)
      ) {
        continue;
      }
      try {
        return await Snapshotter.read(join(this.dir, name));
      } catch (err) {
        if (!(err instanceof SnapCorruptError)) throw err;
        const broken = join(this.dir, `${name}.broken`);
        await rename(join(this.dir, name), broken);
        this.broken.push(broken);
        this.logger.warn("snap: corrupt snapshot file set aside; trying an older one", {
          file: join(this.dir, name),
          renamedTo: broken,
          error: err.message,
        });
      }
    }
    return undefined;
  }

  /** Reads and verifies one snapshot file. */
  static async read(path: string): Promise<Snapshot> {
    const buf = await readFile(path);
    if (buf.length < CRC_BYTES) throw new SnapCorruptError(path, `only ${buf.length} bytes`);
    const body = buf.subarray(CRC_BYTES);
    const want = buf.readUInt32LE(0);
    const got = crc32(body);
    if (want !== got) {
      throw new SnapCorruptError(path, `crc mismatch (stored ${want}, computed ${got})`);
    }
    let snap: Snapshot;
    try {
      snap = decodeSnapshot(body);
    } catch (err) {
      throw new SnapCorruptError(path, (err as Error).message);
    }
    const id = parseName(path.slice(path.lastIndexOf("/") + 1));
    if (id !== undefined && (id.index !== snap.metadata.index || id.term !== snap.metadata.term)) {
      throw new SnapCorruptError(
        path,
        `holds term ${snap.metadata.term} index ${snap.metadata.index}, not what its name says`,
      );
    }
    return snap;
  }

  private async purge(): Promise<void> {
    if (this.maxSnapshots <= 0) return;
    const names = await this.names();
    for (const name of names.slice(this.maxSnapshots)) {
      await unlink(join(this.dir, name));
      this.logger.info("snap: purged snapshot file", { file: join(this.dir, name) });
    }
  }

  private async removeTmpFiles(): Promise<void> {
    let all: string[];
    try {
      all = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    for (const n of all) if (n.endsWith(".snap.tmp")) await unlink(join(this.dir, n));
  }
}
