// Shared helpers for MVCC tests: temp stores and byte shorthands.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { MvccStore } from "../../../src/mvcc/store.js";
import type { MvccStoreOptions } from "../../../src/mvcc/store.js";

export const b = (s: string): Buffer => Buffer.from(s, "latin1");

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "tsctl-mvcc-"));
}

export function openTmp(opts: MvccStoreOptions = {}): { store: MvccStore; file: string } {
  const file = path.join(tmpDir(), "member", "snap", "db");
  return {
    store: MvccStore.open(file, { ...opts, watch: { autoSync: false, ...opts.watch } }),
    file,
  };
}

/** Applies each request as its own raft entry. */
let index = 0;
export function nextIndex(): number {
  return ++index;
}
