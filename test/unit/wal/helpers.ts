// Shared helpers for the WAL tests: temp dirs, a recording logger, deterministic entries.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Entry } from "../../../src/raft/types.js";
import type { WalLogger } from "../../../src/wal/index.js";

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "tsctl-wal-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export function recordingLogger(): WalLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, fields });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

/** Payload bytes derived from (index, term), so content can be checked after recovery. */
export function payload(index: number, term: number, size = 16): Uint8Array {
  const out = new Uint8Array(size);
  let x = (index * 2654435761 + term * 40503) >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> 16) | 1; // never zero: a zero tail must mean "not written"
  }
  return out;
}

export function entries(first: number, count: number, term: number, size = 16): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ index: first + i, term, type: 0, data: payload(first + i, term, size) });
  }
  return out;
}
