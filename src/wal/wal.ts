// The write-ahead log of a member: raft entries, hard state and snapshot markers appended to
// segment files with a CRC chain, made durable with one write + one fdatasync per batch of
// concurrent saves (group commit), rotated at a size limit into a segment preallocated in the
// background, read back (repairing a torn tail) when the member restarts, and purged once a
// snapshot covers old segments.

import { readFile, rename, mkdir, open, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import {
  decodeEntry,
  decodeHardState,
  encodeHardState,
  encodedEntrySize,
  writeEntry,
} from "../raft/codec.js";
import type { Entry, HardState } from "../raft/types.js";
import { createLogger } from "../log/logger.js";
import type { Logger } from "../log/logger.js";
import {
  WalClosedError,
  WalCorruptError,
  WalError,
  WalExistsError,
  WalMissingSegmentError,
  WalSnapshotMismatchError,
  WalSnapshotNotFoundError,
} from "./errors.js";
import { lockDir } from "./lock.js";
import type { DirLock } from "./lock.js";
import {
  HEADER_BYTES,
  RecordType,
  decodeMarker,
  encodeMarker,
  parseSegment,
  seal,
  writeCrcRecord,
  writeHeader,
  writeRecord,
} from "./record.js";
import type { ParsedSegment, RawRecord, SnapshotMarker } from "./record.js";
import {
  hasSegments,
  listSegments,
  removeTmpFiles,
  segmentName,
  syncDir,
  writeAll,
  writeAllSync,
} from "./segment.js";
import type { Segment } from "./segment.js";

export type { SnapshotMarker } from "./record.js";
export type WalLogger = Pick<Logger, "info" | "warn" | "error">;

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_WALS = 5;

export interface WalOptions {
  logger?: WalLogger;
  /** Rotate to a new segment once the current one reaches this size (default 64 MiB). */
  segmentSizeBytes?: number;
  /** Segments to keep when releasing old ones (default 5; 0 = keep all). */
  maxWals?: number;
  /** Called with each fdatasync's duration (for etcd_disk_wal_fsync_duration_seconds). */
  onFsync?: (seconds: number) => void;
  /** Called with the size of each write (for etcd_disk_wal_write_bytes_total). */
  onWrite?: (bytes: number) => void;
}

export interface WalOpenOptions extends WalOptions {
  /** The snapshot the caller restored: entries after it are returned (default index 0). */
  fromSnapshot?: SnapshotMarker;
}

export interface WalContents {
  wal: Wal;
  metadata: Uint8Array;
  hardState: HardState;
  /** The entries after `fromSnapshot`, overwrites applied, contiguous. */
  entries: Entry[];
  /** The newest snapshot marker read (at least `fromSnapshot`). */
  snapshot?: SnapshotMarker;
}

const EMPTY_HARD_STATE: HardState = { term: 0, vote: 0n, commit: 0 };
const TMP_NAME = "0.tmp";

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

// The records of consecutive save() calls that go to disk together.
interface Group {
  writer: BinaryWriter;
  waiters: Waiter[];
  needSync: boolean;
  taken: boolean;
  /** The group starts this new segment (its first records are the segment header). */
  opens?: Segment;
}

export class Wal {
  private fh: FileHandle | undefined;
  /** Where the next flush writes in the active segment. */
  private filePos = 0;
  /** Bytes of the active segment once every queued group is written (decides rotation). */
  private segBytes = 0;
  private crc = 0;
  private lastIndex = 0;
  private lastHardState: HardState = EMPTY_HARD_STATE;
  private queue: Group[] = [];
  private flushing = false;
  private failure: Error | undefined;
  private closed = false;
  private prepared: Promise<FileHandle> | undefined;
  private releasedTo = 0;
  private purging: Promise<void> = Promise.resolve();
  private readonly logger: WalLogger;
  private readonly segmentSizeBytes: number;
  private readonly maxWals: number;
  private syncs = 0;
  private readonly onFsync: ((seconds: number) => void) | undefined;
  private readonly onWrite: ((bytes: number) => void) | undefined;

  private constructor(
    readonly dir: string,
    private readonly lock: DirLock,
    private readonly metadata: Uint8Array,
    private segments: Segment[],
    opts: WalOptions,
  ) {
    this.logger = opts.logger ?? createLogger({ component: "wal" });
    this.segmentSizeBytes = opts.segmentSizeBytes ?? DEFAULT_SEGMENT_BYTES;
    this.maxWals = opts.maxWals ?? DEFAULT_MAX_WALS;
    this.onFsync = opts.onFsync;
    this.onWrite = opts.onWrite;
    if (!(this.segmentSizeBytes > 0)) throw new RangeError("segmentSizeBytes must be positive");
  }

  /** True if `dir` holds WAL segments. */
  static exists(dir: string): boolean {
    return hasSegments(dir);
  }

  /** Creates a WAL in `dir` (which must not hold one) whose segments all carry `metadata`. */
  static async create(dir: string, metadata: Uint8Array, opts: WalOptions = {}): Promise<Wal> {
    if (Wal.exists(dir)) throw new WalExistsError(`${dir} already holds a WAL`);
    await mkdir(dir, { recursive: true });
    await syncDir(dirname(dir));
    const lock = lockDir(dir);
    try {
      await removeTmpFiles(dir);
      const wal = new Wal(dir, lock, new Uint8Array(metadata), [], opts);
      const w = new BinaryWriter();
      writeCrcRecord(w);
      writeRecord(w, RecordType.Metadata, wal.metadata);
      writeRecord(w, RecordType.Snapshot, encodeMarker({ index: 0, term: 0 }));
      const bytes = w.finish();
      wal.crc = seal(bytes, 0);
      await wal.installSegment({ seq: 0, firstIndex: 0, name: segmentName(0, 0) }, bytes);
      wal.segBytes = bytes.length;
      return wal;
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /**
   * Opens the WAL in `dir` for appending and reads it from the segment holding
   * `fromSnapshot` on. A torn final record is cut off (and logged); any other damage throws.
   */
  static async open(dir: string, opts: WalOpenOptions = {}): Promise<WalContents> {
    const lock = lockDir(dir);
    try {
      return await Wal.openLocked(dir, lock, opts);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  private static async openLocked(
    dir: string,
    lock: DirLock,
    opts: WalOpenOptions,
  ): Promise<WalContents> {
    const from = opts.fromSnapshot ?? { index: 0, term: 0 };
    const segs = await listSegments(dir);
    await removeTmpFiles(dir);
    let metadata: Uint8Array | undefined;
    let hardState = EMPTY_HARD_STATE;
    const entries: Entry[] = [];
    let lastIndex = from.index;
    let matched = false;
    let newest: SnapshotMarker | undefined;

    let start = -1;
    for (let i = 0; i < segs.length; i++) if (segs[i]!.firstIndex <= from.index) start = i;
    if (start < 0) {
      throw new WalMissingSegmentError(
        `no segment in ${dir} holds index ${from.index}: the oldest is ${segs[0]?.name ?? "(none)"}`,
      );
    }
    const last = await scan(dir, segs, start, (rec, file) => {
      switch (rec.type) {
        case RecordType.Metadata:
          if (metadata === undefined) metadata = new Uint8Array(rec.payload);
          else if (Buffer.compare(metadata, rec.payload) !== 0) {
            throw new WalCorruptError(file, rec.offset, "metadata differs from earlier segments");
          }
          break;
        case RecordType.Entry: {
          const e = decoded(file, rec, decodeEntry);
          lastIndex = e.index;
          if (e.index <= from.index) break;
          const at = e.index - from.index - 1;
          if (at > entries.length) {
            const prev = entries.length > 0 ? entries[entries.length - 1]!.index : from.index;
            throw new WalCorruptError(
              file,
              rec.offset,
              `entry ${e.index} leaves a gap after ${prev}`,
            );
          }
          entries.length = at;
          entries.push({ ...e, data: new Uint8Array(e.data) });
          break;
        }
        case RecordType.State:
          hardState = decoded(file, rec, decodeHardState);
          break;
        case RecordType.Snapshot: {
          const m = decoded(file, rec, decodeMarker);
          if (m.index === from.index) {
            if (m.term !== from.term) {
              throw new WalSnapshotMismatchError(
                `snapshot at index ${m.index} has term ${m.term} in ${file}, the caller's has ${from.term}`,
              );
            }
            matched = true;
          }
          if (m.index > lastIndex) lastIndex = m.index;
          if (newest === undefined || m.index >= newest.index) newest = m;
          break;
        }
        case RecordType.Crc:
          if (rec.offset !== 0) {
            throw new WalCorruptError(file, rec.offset, "crc record inside a segment");
          }
          break;
      }
    });
    if (!matched) throw new WalSnapshotNotFoundError(from.index, from.term);
    if (metadata === undefined) {
      throw new WalCorruptError(join(dir, segs[0]!.name), 0, "no metadata record");
    }

    const wal = new Wal(dir, lock, metadata, segs, opts);
    wal.lastIndex = lastIndex;
    wal.lastHardState = hardState;
    await wal.resumeAppend(last);
    const result: WalContents = { wal, metadata, hardState, entries };
    if (newest !== undefined) result.snapshot = newest;
    return result;
  }

  /**
   * The snapshot markers of the WAL in `dir` that a restart may start from: those at or
   * below the last saved commit index (a marker can reach disk before the hard state that
   * commits it). Read-only: takes no lock and repairs nothing.
   */
  static async validSnapshotMarkers(dir: string): Promise<SnapshotMarker[]> {
    const segs = await listSegments(dir);
    const markers: SnapshotMarker[] = [];
    let commit = 0;
    await scan(dir, segs, 0, (rec, file) => {
      if (rec.type === RecordType.Snapshot) markers.push(decoded(file, rec, decodeMarker));
      else if (rec.type === RecordType.State) commit = decoded(file, rec, decodeHardState).commit;
    });
    return markers.filter((m) => m.index <= commit);
  }

  /** fdatasync calls made so far (group commit makes this far less than the saves). */
  get syncCount(): number {
    return this.syncs;
  }

  /** Sequence-ordered names of the segments on disk. */
  segmentNames(): string[] {
    return this.segments.map((s) => s.name);
  }

  /**
   * Appends `entries` and then `hardState` (skipped if unchanged); resolves once they are
   * on disk (fdatasync'd, unless only the commit index changed). Entries must be
   * contiguous; an entry at or below the last index replaces the log from there on.
   */
  save(hardState: HardState | undefined, entries: readonly Entry[]): Promise<void> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    const prevHs = this.lastHardState;
    const writeHs =
      hardState !== undefined &&
      (hardState.term !== prevHs.term ||
        hardState.vote !== prevHs.vote ||
        hardState.commit !== prevHs.commit);
    if (!writeHs && entries.length === 0) return this.idle();
    if (entries.length > 0) {
      const first = entries[0]!.index;
      if (first < 1 || first > this.lastIndex + 1) {
        throw new WalError(`save: entry ${first} leaves a gap after last index ${this.lastIndex}`);
      }
      for (let i = 1; i < entries.length; i++) {
        if (entries[i]!.index !== first + i) throw new WalError("save: entries not contiguous");
      }
    }
    const g = this.groupFor(entries.length > 0 ? entries[0]!.index : this.lastIndex + 1);
    const w = g.writer;
    let bytes = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const size = encodedEntrySize(e);
      writeHeader(w, RecordType.Entry, size);
      writeEntry(w, e);
      bytes += HEADER_BYTES + size;
    }
    if (entries.length > 0) this.lastIndex = entries[entries.length - 1]!.index;
    if (writeHs) {
      const hs = { term: hardState.term, vote: hardState.vote, commit: hardState.commit };
      const payload = encodeHardState(hs);
      writeRecord(w, RecordType.State, payload);
      bytes += HEADER_BYTES + payload.length;
      this.lastHardState = hs;
      if (hs.term !== prevHs.term || hs.vote !== prevHs.vote) g.needSync = true;
    }
    if (entries.length > 0) g.needSync = true;
    this.segBytes += bytes;
    return this.wait(g);
  }

  /** Records that a snapshot at `snap` was taken; durable when the promise resolves. */
  saveSnapshot(snap: SnapshotMarker): Promise<void> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    const g = this.groupFor(this.lastIndex + 1);
    const payload = encodeMarker(snap);
    writeRecord(g.writer, RecordType.Snapshot, payload);
    this.segBytes += HEADER_BYTES + payload.length;
    if (snap.index > this.lastIndex) this.lastIndex = snap.index;
    g.needSync = true;
    return this.wait(g);
  }

  /**
   * Allows segments wholly below `index` (the caller's newest snapshot) to be deleted, oldest
   * first, while more than maxWals segments remain. The promise never rejects (failures are
   * logged); callers need not await it.
   */
  releaseLockTo(index: number): Promise<void> {
    if (index > this.releasedTo) this.releasedTo = index;
    return this.schedulePurge();
  }

  /** Resolves when everything saved so far is on disk. */
  idle(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const tail = this.queue[this.queue.length - 1];
    return tail === undefined ? Promise.resolve() : this.wait(tail, false);
  }

  /** Flushes what is queued, then closes files and releases the directory lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.idle().catch(() => undefined);
      await this.purging;
      await this.fh?.close();
      this.fh = undefined;
      const prepared = this.prepared;
      this.prepared = undefined;
      if (prepared !== undefined) {
        const fh = await prepared.catch(() => undefined);
        await fh?.close();
        await unlink(join(this.dir, TMP_NAME)).catch(() => undefined);
      }
    } finally {
      this.lock.release();
    }
  }

  // ---------------------------------------------------------------------------------------

  private refusal(): Error | undefined {
    if (this.failure !== undefined) return this.failure;
    if (this.closed) return new WalClosedError(`${this.dir} is closed`);
    return undefined;
  }

  /** The open group to append to, starting a new segment first if the active one is full. */
  private groupFor(nextIndex: number): Group {
    if (this.segBytes >= this.segmentSizeBytes) {
      const cur = this.segments[this.segments.length - 1]!;
      const firstIndex = Math.min(nextIndex, this.lastIndex + 1);
      const opens = { seq: cur.seq + 1, firstIndex, name: segmentName(cur.seq + 1, firstIndex) };
      const writer = new BinaryWriter();
      writeCrcRecord(writer);
      writeRecord(writer, RecordType.Metadata, this.metadata);
      writeRecord(writer, RecordType.State, encodeHardState(this.lastHardState));
      const g: Group = { writer, waiters: [], needSync: true, taken: false, opens };
      // Each segment's header is written whole before it is renamed into place.
      this.segBytes = 0;
      this.segBytes += HEADER_BYTES + 4;
      this.segBytes += HEADER_BYTES + this.metadata.length;
      this.segBytes += HEADER_BYTES + encodeHardState(this.lastHardState).length;
      this.queue.push(g);
      this.schedule();
      return g;
    }
    const tail = this.queue[this.queue.length - 1];
    if (tail !== undefined && !tail.taken) return tail;
    const g: Group = { writer: new BinaryWriter(), waiters: [], needSync: false, taken: false };
    this.queue.push(g);
    this.schedule();
    return g;
  }

  private wait(g: Group, fresh = true): Promise<void> {
    if (fresh && g.taken) throw new Error("wal: appended to a group already being written");
    return new Promise<void>((resolve, reject) => g.waiters.push({ resolve, reject }));
  }

  private schedule(): void {
    if (this.flushing) return;
    this.flushing = true;
    // Let every save() of the current tick join the first group.
    queueMicrotask(() => void this.flushLoop());
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const g = this.queue[0]!;
        g.taken = true;
        const bytes = g.writer.finish();
        this.crc = seal(bytes, this.crc);
        if (g.opens !== undefined) {
          await this.installSegment(g.opens, bytes);
          this.schedulePurge();
        } else {
          writeAllSync(this.fh!.fd, bytes, this.filePos);
          this.filePos += bytes.length;
          this.onWrite?.(bytes.length);
          if (g.needSync) await this.datasync(this.fh!);
        }
        this.queue.shift();
        for (const w of g.waiters) w.resolve();
      }
    } catch (err) {
      this.fail(err as Error);
    } finally {
      this.flushing = false;
    }
  }

  private async datasync(fh: FileHandle): Promise<void> {
    const startMs = performance.now();
    await fh.datasync();
    this.syncs++;
    this.onFsync?.((performance.now() - startMs) / 1000);
  }

  private fail(err: Error): void {
    const failure = new WalError(`write to ${this.dir} failed: ${err.message}`);
    failure.cause = err;
    this.failure = failure;
    this.logger.error("wal: write failed; refusing further writes", { dir: this.dir, error: err });
    const queued = this.queue;
    this.queue = [];
    for (const g of queued) for (const w of g.waiters) w.reject(failure);
  }

  /**
   * Puts a new segment in place: its first bytes go into the preallocated file, which is
   * synced and only then renamed, so a segment on disk always has its header.
   */
  private async installSegment(seg: Segment, bytes: Uint8Array): Promise<void> {
    if (this.fh !== undefined) {
      // The old segment's data is synced already; cut its unused preallocated tail.
      await this.fh.truncate(this.filePos);
      await this.fh.sync();
      await this.fh.close();
      this.fh = undefined;
    }
    const fh = await (this.prepared ?? this.preallocate());
    this.prepared = undefined;
    await writeAll(fh, bytes, 0);
    this.onWrite?.(bytes.length);
    await this.datasync(fh);
    await rename(join(this.dir, TMP_NAME), join(this.dir, seg.name));
    await syncDir(this.dir);
    this.fh = fh;
    this.filePos = bytes.length;
    this.segments.push(seg);
    this.prepareNext();
  }

  /** Preallocation is a truncate to the segment size (a sparse file, no zero-filling). */
  private async preallocate(): Promise<FileHandle> {
    const fh = await open(join(this.dir, TMP_NAME), "w+");
    try {
      await fh.truncate(this.segmentSizeBytes);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return fh;
  }

  private prepareNext(): void {
    const p = this.preallocate();
    p.catch(() => undefined); // surfaced when awaited at the next rotation
    this.prepared = p;
  }

  /** After reading: repair the last segment's tail and position appends after its records. */
  private async resumeAppend(last: ScannedSegment): Promise<void> {
    const { path, parsed, size } = last;
    const fh = await open(path, "r+");
    this.fh = fh;
    if (parsed.torn !== undefined) {
      this.logger.warn("wal: truncating torn tail of the last segment", {
        file: path,
        offset: parsed.torn.offset,
        reason: parsed.torn.reason,
        droppedBytes: size - parsed.validEnd,
      });
      await fh.truncate(parsed.validEnd);
      await fh.sync();
    }
    this.filePos = parsed.validEnd;
    this.segBytes = parsed.validEnd;
    this.crc = parsed.crc;
    if (parsed.records.length === 0) {
      // Every record of the segment was torn: write its header again.
      const w = new BinaryWriter();
      writeCrcRecord(w);
      writeRecord(w, RecordType.Metadata, this.metadata);
      writeRecord(w, RecordType.State, encodeHardState(this.lastHardState));
      const bytes = w.finish();
      this.crc = seal(bytes, last.prevCrc);
      await writeAll(fh, bytes, 0);
      await fh.datasync();
      this.filePos = this.segBytes = bytes.length;
    }
    if ((await fh.stat()).size < this.segmentSizeBytes) await fh.truncate(this.segmentSizeBytes);
    this.prepareNext();
  }

  private schedulePurge(): Promise<void> {
    this.purging = this.purging
      .then(() => this.purge())
      .catch((err: Error) => this.logger.warn("wal: failed to purge segments", { error: err }));
    return this.purging;
  }

  private async purge(): Promise<void> {
    if (this.maxWals <= 0) return;
    // The segment holding releasedTo, and everything after it, stays.
    let keep = 0;
    for (let i = 0; i < this.segments.length - 1; i++) {
      if (this.segments[i + 1]!.firstIndex <= this.releasedTo) keep = i + 1;
    }
    const boundary = this.segments[keep]!;
    while (this.segments.length > this.maxWals && this.segments[0] !== boundary) {
      const victim = this.segments[0]!;
      await unlink(join(this.dir, victim.name));
      this.segments.shift();
      this.logger.info("wal: purged segment", { file: join(this.dir, victim.name) });
    }
  }
}

interface ScannedSegment {
  path: string;
  parsed: ParsedSegment;
  size: number;
  /** Crc of the chain before this segment (its opening record's expected value). */
  prevCrc: number;
}

/**
 * Reads the segments from `segs[start]` to the last, checking the CRC chain across them, and
 * hands every record to `visit`. Returns the last segment's parse.
 */
async function scan(
  dir: string,
  segs: Segment[],
  start: number,
  visit: (rec: RawRecord, file: string) => void,
): Promise<ScannedSegment> {
  if (segs.length === 0) throw new WalMissingSegmentError(`no WAL segments in ${dir}`);
  let prevCrc: number | undefined;
  for (let i = start; ; i++) {
    const path = join(dir, segs[i]!.name);
    const buf = await readFile(path);
    const isLast = i === segs.length - 1;
    const parsed = parseSegment(buf, path, isLast);
    if (prevCrc !== undefined && parsed.startCrc !== undefined && parsed.startCrc !== prevCrc) {
      throw new WalCorruptError(path, 0, "crc chain broken between segments");
    }
    for (const rec of parsed.records) visit(rec, path);
    if (isLast) return { path, parsed, size: buf.length, prevCrc: prevCrc ?? 0 };
    prevCrc = parsed.crc;
  }
}

function decoded<T>(file: string, rec: RawRecord, decode: (b: Uint8Array) => T): T {
  try {
    return decode(rec.payload);
  } catch (err) {
    throw new WalCorruptError(
      file,
      rec.offset,
      `undecodable ${RecordType[rec.type]} record: ${(err as Error).message}`,
    );
  }
}
