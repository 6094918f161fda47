// WAL and raft codec throughput on this machine's disk, printed as figures:
//   raw fdatasync rate (small append + fdatasync, the ceiling for sequential saves),
//   sequential saves (one 256-byte entry, each awaited),
//   group-committed saves (many concurrent one-entry saves; and 64-entry saves),
//   raft codec: encode + decode of a MsgApp carrying 64 entries of 300 bytes.
// Usage: node --import tsx bench/wal.ts [--seconds S] [--dir D]

import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeMessage, decodeMessages, encodeMessage, encodeMessages } from "../src/raft/codec.js";
import { MessageType } from "../src/raft/types.js";
import type { Entry, Message } from "../src/raft/types.js";
import { Wal } from "../src/wal/index.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const seconds = Number(arg("seconds") ?? 1);
const base = mkdtempSync(join(arg("dir") ?? tmpdir(), "tsctl-bench-wal-"));
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

function entry(index: number, size: number): Entry {
  return { index, term: 1, type: 0, data: new Uint8Array(size).fill(index & 0xff) };
}

let runs = 0;

async function rawFsyncRate(): Promise<number> {
  const fh = await open(join(base, `raw${runs++}`), "w+");
  await fh.truncate(64 * 1024 * 1024);
  const buf = new Uint8Array(64).fill(1);
  const end = performance.now() + seconds * 1000;
  let n = 0;
  for (; performance.now() < end; n++) {
    await fh.write(buf, 0, buf.length, n * buf.length);
    await fh.datasync();
  }
  await fh.close();
  return n / seconds;
}

async function sequentialSaves(): Promise<{ perSec: number }> {
  const wal = await Wal.create(join(base, `seq${runs++}`), new Uint8Array(8), { logger: quiet });
  const end = performance.now() + seconds * 1000;
  let index = 1;
  for (; performance.now() < end; index++) await wal.save(undefined, [entry(index, 256)]);
  await wal.close();
  return { perSec: (index - 1) / seconds };
}

/** `clients` loops, each saving `perSave` entries and awaiting it, all in parallel. */
async function concurrentSaves(clients: number, perSave: number, name: string) {
  const wal = await Wal.create(join(base, name), new Uint8Array(8), { logger: quiet });
  const syncsBefore = wal.syncCount;
  let next = 1;
  let saves = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const ents: Entry[] = [];
      for (let i = 0; i < perSave; i++) ents.push(entry(next++, 256));
      await wal.save(undefined, ents);
      saves++;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const elapsedS = (performance.now() - start) / 1000;
  const syncs = wal.syncCount - syncsBefore;
  await wal.close();
  return {
    entriesPerSec: (next - 1) / elapsedS,
    savesPerSec: saves / elapsedS,
    entriesPerSync: (next - 1) / Math.max(1, syncs),
  };
}

/** Calls per CPU-second of `fn` (CPU time, so other load on the machine matters less). */
function cpuRate(fn: () => void): number {
  for (let i = 0; i < 2000; i++) fn(); // warm up
  const c0 = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
  }
  const c = process.cpuUsage(c0);
  return n / ((c.user + c.system) / 1e6);
}

function codec() {
  const entries: Entry[] = [];
  for (let i = 0; i < 64; i++) entries.push(entry(1000 + i, 300));
  const msg: Message = {
    type: MessageType.App,
    to: 0x8e9e05c52164694dn,
    from: 0xfd422379fda50e48n,
    term: 7,
    logTerm: 7,
    index: 999,
    entries,
    commit: 998,
    reject: false,
    rejectHint: 0,
  };
  const encoded = encodeMessage(msg);
  return {
    bytes: encoded.length,
    both: cpuRate(() => decodeMessage(encodeMessage(msg))),
    encode: cpuRate(() => encodeMessage(msg)),
    decode: cpuRate(() => decodeMessage(encoded)),
    batch: cpuRate(() => decodeMessages(encodeMessages([msg, msg, msg, msg]))),
  };
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;

try {
  // A shared disk's fsync rate drifts: alternate the two and compare medians.
  const raws: number[] = [];
  const seqs: number[] = [];
  for (let i = 0; i < 3; i++) {
    raws.push(await rawFsyncRate());
    seqs.push((await sequentialSaves()).perSec);
  }
  const raw = median(raws);
  const seq = median(seqs);
  console.log(
    `raw fdatasync (64 B append + fdatasync): ${fmt(raw)} /s (runs: ${raws.map(fmt).join(", ")})`,
  );
  console.log(
    `sequential saves (1 x 256 B entry, awaited): ${fmt(seq)} saves/s (runs: ${seqs.map(fmt).join(", ")}; ` +
      `${((seq / raw) * 100).toFixed(0)}% of raw fdatasync)`,
  );
  for (const [clients, perSave] of [
    [256, 1],
    [1024, 1],
    [8, 64],
  ] as const) {
    const r = await concurrentSaves(clients, perSave, `c${clients}x${perSave}`);
    console.log(
      `group commit, ${clients} concurrent saves of ${perSave} x 256 B: ${fmt(r.entriesPerSec)} entries/s, ` +
        `${fmt(r.savesPerSec)} saves/s, ${r.entriesPerSync.toFixed(0)} entries per fdatasync`,
    );
  }
  const c = codec();
  console.log(
    `codec MsgApp 64 x 300 B (${fmt(c.bytes)} B): encode+decode ${fmt(c.both)} msgs/CPU-s ` +
      `(${fmt((c.both * c.bytes) / 1e6)} MB/s); encode ${fmt(c.encode)}/s, decode ${fmt(c.decode)}/s; ` +
      `batch of 4 via encodeMessages+decodeMessages ${fmt(c.batch * 4)} msgs/CPU-s`,
  );
} finally {
  rmSync(base, { recursive: true, force: true });
}
