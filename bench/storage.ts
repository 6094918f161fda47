// Storage micro-benchmark: puts/s applied through MvccStore.applyBatch at several batch
// sizes, and range reads/s (single key, 100-key prefix). Prints figures; asserts nothing.
// Run: node --import tsx bench/storage.ts
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { MvccStore } from "../src/mvcc/store.js";
import { prefixEnd } from "../src/mvcc/validate.js";

const VALUE = Buffer.alloc(256, 0x61);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsctl-bench-storage-"));

function rate(n: number, ms: number): string {
  return `${Math.round((n * 1000) / ms).toLocaleString("en-US")}/s`;
}

function timeMs(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function benchPuts(batchSize: number, total: number): void {
  const store = MvccStore.open(path.join(dir, `puts-${batchSize}.db`));
  let index = 0;
  let n = 0;
  const ms = timeMs(() => {
    while (n < total) {
      store.applyBatch(++index, (w) => {
        for (let i = 0; i < batchSize; i++, n++) {
          w.put({ key: Buffer.from(`key/${n % 10_000}`), value: VALUE });
        }
      });
    }
  });
  console.log(
    `put, batch ${String(batchSize).padStart(4)}: ${n} puts in ${ms.toFixed(0)} ms = ${rate(n, ms)}`,
  );
  store.close();
  if (batchSize === 1000) {
    let reopened: MvccStore | undefined;
    const openMs = timeMs(() => {
      reopened = MvccStore.open(path.join(dir, `puts-${batchSize}.db`), { autoPurge: false });
    });
    console.log(`open + rebuild key index of ${n} records: ${openMs.toFixed(0)} ms`);
    const store2 = reopened!;
    const compactMs = timeMs(() => {
      store2.applyBatch(index + 1, (w) => w.compact(w.currentRevision));
    });
    const dropped = store2.pendingPurge;
    let steps = 0;
    let worstStepMs = 0;
    const purgeMs = timeMs(() => {
      while (store2.pendingPurge > 0) {
        worstStepMs = Math.max(
          worstStepMs,
          timeMs(() => store2.purgeCompacted()),
        );
        steps++;
      }
    });
    console.log(
      `compact: apply ${compactMs.toFixed(0)} ms, then purge ${dropped} records in ${steps} steps, ${purgeMs.toFixed(0)} ms (worst step ${worstStepMs.toFixed(1)} ms)`,
    );
    store2.close();
  }
}

function benchReads(): void {
  const store = MvccStore.open(path.join(dir, "reads.db"));
  store.applyBatch(1, (w) => {
    for (let p = 0; p < 100; p++) {
      for (let i = 0; i < 100; i++) {
        w.put({ key: Buffer.from(`p${String(p).padStart(3, "0")}/k${i}`), value: VALUE });
      }
    }
  });
  const single = 100_000;
  let ms = timeMs(() => {
    for (let i = 0; i < single; i++) {
      const r = store.range({
        key: Buffer.from(`p${String(i % 100).padStart(3, "0")}/k${i % 100}`),
      });
      if (r.kvs.length !== 1) throw new Error("bench: key missing");
    }
  });
  console.log(`range, single key: ${single} reads in ${ms.toFixed(0)} ms = ${rate(single, ms)}`);
  const prefixReads = 2_000;
  ms = timeMs(() => {
    for (let i = 0; i < prefixReads; i++) {
      const key = Buffer.from(`p${String(i % 100).padStart(3, "0")}/`);
      const r = store.range({ key, rangeEnd: prefixEnd(key) });
      if (r.kvs.length !== 100) throw new Error("bench: prefix incomplete");
    }
  });
  console.log(
    `range, 100-key prefix: ${prefixReads} reads in ${ms.toFixed(0)} ms = ${rate(prefixReads, ms)} (${rate(prefixReads * 100, ms)} keys)`,
  );
  store.close();
}

try {
  benchPuts(1, 20_000);
  benchPuts(100, 200_000);
  benchPuts(1000, 300_000);
  benchReads();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
