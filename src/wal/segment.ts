// Segment files of a WAL directory: their names (`%016x-%016x.wal`: sequence, first raft
// index expected in the segment), listing and validation of the sequence, and small
// filesystem helpers the WAL and snapshotter share (full writes, directory fsync).

import { readdirSync, writeSync } from "node:fs";
import { open, readdir, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { WalMissingSegmentError } from "./errors.js";

export interface Segment {
  seq: number;
  /** The raft index the log was expected to continue at when the segment was started. */
  firstIndex: number;
  name: string;
}

const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

function hex16(n: number): string {
  return n.toString(16).padStart(16, "0");
}

export function segmentName(seq: number, firstIndex: number): string {
  return `${hex16(seq)}-${hex16(firstIndex)}.wal`;
}

function parseHex(text: string): number | undefined {
  const v = BigInt(`0x${text}`);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

export function parseSegmentName(name: string): Segment | undefined {
  const m = NAME.exec(name);
  if (m === null) return undefined;
  const seq = parseHex(m[1]!);
  const firstIndex = parseHex(m[2]!);
  if (seq === undefined || firstIndex === undefined) return undefined;
  return { seq, firstIndex, name };
}

export function hasSegments(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => parseSegmentName(n) !== undefined);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/** The directory's segments in sequence order; a hole in the sequence is an error. */
export async function listSegments(dir: string): Promise<Segment[]> {
  const segs: Segment[] = [];
  for (const n of await readdir(dir)) {
    const s = parseSegmentName(n);
    if (s !== undefined) segs.push(s);
  }
  segs.sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < segs.length; i++) {
    const prev = segs[i - 1]!;
    const cur = segs[i]!;
    if (cur.seq !== prev.seq + 1) {
      const missing =
        prev.seq + 1 === cur.seq - 1 ? `${prev.seq + 1}` : `${prev.seq + 1}..${cur.seq - 1}`;
      throw new WalMissingSegmentError(
        `missing segment sequence ${missing} in ${dir}: ${prev.name} is followed by ${cur.name}`,
      );
    }
    if (cur.firstIndex < prev.firstIndex) {
      throw new WalMissingSegmentError(
        `segment ${cur.name} starts below its predecessor ${prev.name} in ${dir}`,
      );
    }
  }
  return segs;
}

/** Deletes leftover `*.tmp` files (preallocated segments never put in place). */
export async function removeTmpFiles(dir: string): Promise<void> {
  for (const n of await readdir(dir)) {
    if (n.endsWith(".tmp")) await unlink(join(dir, n));
  }
}

export async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`short write at ${position + done}`);
    done += bytesWritten;
  }
}

/**
 * Synchronous full write, for the WAL's appends: a write into the page cache is quick, and
 * doing it on the loop saves the thread-pool round trip (and a loop wake-up) that an async
 * write costs before the fdatasync can even start.
 */
export function writeAllSync(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) {
    const n = writeSync(fd, bytes, done, bytes.length - done, position + done);
    if (n <= 0) throw new Error(`short write at ${position + done}`);
    done += n;
  }
}

/** Makes a rename or file creation in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
