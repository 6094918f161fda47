// Range reads of many records go through one bulk SQLite statement (src/mvcc/backend.ts
// getValues); the same reads served one statement per record must give identical results,
// whatever the values, leases, history, compaction state and request options.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MvccStore } from "../../../src/mvcc/store.js";
import type { RangeRequest } from "../../../src/mvcc/types.js";
import { BULK_READ_MAX_RECORDS } from "../../../src/mvcc/backend.js";
import { b, openTmp } from "./helpers.js";

const PER_RECORD = Number.MAX_SAFE_INTEGER;

function pair(): { bulk: MvccStore; single: MvccStore; files: [string, string] } {
  const x = openTmp({ autoPurge: false, bulkReadMinKeys: 1 });
  const y = openTmp({ autoPurge: false, bulkReadMinKeys: PER_RECORD });
  for (const s of [x.store, y.store]) s.setLeaseChecker(() => true);
  return { bulk: x.store, single: y.store, files: [x.file, y.file] };
}

const LEASES = [0n, 0n, 0n, 1n, 0x7fffffffffffffffn, 2n ** 53n + 1n, -5n];

const writeArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("put" as const),
      key: fc.integer({ min: 0, max: 40 }),
      value: fc.uint8Array({ maxLength: 40 }),
      lease: fc.integer({ min: 0, max: LEASES.length - 1 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("del" as const),
      key: fc.integer({ min: 0, max: 40 }),
      span: fc.integer({ min: 0, max: 5 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("compact" as const),
      back: fc.integer({ min: 0, max: 6 }),
      purge: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "txn" as const }) },
);

const rangeArb = fc.record({
  from: fc.integer({ min: 0, max: 40 }),
  span: fc.integer({ min: 0, max: 45 }),
  revBack: fc.integer({ min: -1, max: 8 }),
  limit: fc.integer({ min: 0, max: 12 }),
  sortOrder: fc.integer({ min: 0, max: 2 }),
  sortTarget: fc.integer({ min: 0, max: 4 }),
  keysOnly: fc.boolean(),
  minMod: fc.integer({ min: 0, max: 30 }),
  maxCreate: fc.integer({ min: 0, max: 60 }),
});

const K = (i: number): Buffer => b(`k\x00\xff${String(i).padStart(3, "0")}`);

test("bulk range reads equal per-record reads on random histories", () => {
  let index = 0;
  fc.assert(
    fc.property(
      fc.array(writeArb, { minLength: 1, maxLength: 60 }),
      fc.array(rangeArb, { minLength: 1, maxLength: 8 }),
      (writes, ranges) => {
        const { bulk, single } = pair();
        try {
          for (const [n, w] of writes.entries()) {
            for (const s of [bulk, single]) {
              if (w.kind === "compact") {
                const rev = s.currentRevision - w.back;
                if (rev > s.compactRevision && rev > 0) {
                  s.applyBatch(++index, (t) => t.compact(rev));
                }
                // purge some of it: reads must not depend on how much
                s.purgeCompacted(w.purge);
                continue;
              }
              s.applyBatch(++index, (t) => {
                if (w.kind === "put") {
                  t.put({ key: K(w.key), value: Buffer.from(w.value), lease: LEASES[w.lease]! });
                } else if (w.kind === "del") {
                  t.deleteRange({ key: K(w.key), rangeEnd: K(w.key + w.span) });
                } else {
                  // many records sharing one revision, told apart by sub revision
                  t.txn({
                    // puts with a delete between them: tombstones in a segment's gaps
                    success: [0, 1, 2, 3, 4, 5].map((i) =>
                      i % 3 === 1
                        ? { requestDeleteRange: { key: K(20 + i) } }
                        : { requestPut: { key: K(20 + i), value: b(`t${n}.${i}`) } },
                    ),
                  });
                }
              });
            }
          }
          assert.equal(bulk.currentRevision, single.currentRevision);
          for (const r of ranges) {
            const rev = r.revBack < 0 ? 0 : bulk.currentRevision - r.revBack;
            const req: RangeRequest = {
              key: K(r.from),
              rangeEnd: K(r.from + r.span),
              revision: rev,
              limit: r.limit,
              sortOrder: r.sortOrder as 0,
              sortTarget: r.sortTarget as 0,
              keysOnly: r.keysOnly,
              minModRevision: r.minMod,
              maxCreateRevision: r.maxCreate,
            };
            const run = (s: MvccStore) => {
              try {
                return s.range(req);
              } catch (e) {
                return (e as Error).message;
              }
            };
            assert.deepStrictEqual(run(bulk), run(single), JSON.stringify(r));
          }
        } finally {
          bulk.close();
          single.close();
        }
      },
    ),
    { seed: 424242, numRuns: 200 },
  );
});

test("a bulk read spanning several statements keeps request order, values and leases", () => {
  const { bulk, single } = pair();
  try {
    const n = BULK_READ_MAX_RECORDS * 2 + 17;
    let index = 0;
    for (const s of [bulk, single]) {
      for (let i = 0; i < n; i += 100) {
        s.applyBatch(++index, (t) => {
          for (let j = i; j < Math.min(n, i + 100); j++) {
            // every byte value, empty values and large ones
            const value = j % 97 === 0 ? Buffer.alloc(0) : Buffer.alloc(j % 300, j % 256);
            t.put({ key: K(n - j), value, lease: j % 5 === 0 ? BigInt(j) : 0n });
          }
        });
      }
    }
    const all = { key: K(0), rangeEnd: b("\x00") };
    const want = single.range(all);
    assert.equal(want.kvs.length, n);
    assert.deepStrictEqual(bulk.range(all), want);
    const sorted = { ...all, sortTarget: 3 as const, sortOrder: 2 as const, limit: 3000 };
    assert.deepStrictEqual(bulk.range(sorted), single.range(sorted));
  } finally {
    bulk.close();
    single.close();
  }
});

test("a bulk read that finds an indexed record missing fails loudly", () => {
  const { bulk, single } = pair();
  try {
    bulk.applyBatch(1, (t) => {
      for (let i = 0; i < 10; i++) t.put({ key: K(i), value: b(`v${i}`) });
    });
    bulk.db.prepare("DELETE FROM kv WHERE rev = 6 AND sub = 0").run();
    assert.throws(() => bulk.range({ key: K(0), rangeEnd: K(99) }), /6\/0 has no record/);
  } finally {
    bulk.close();
    single.close();
  }
});
