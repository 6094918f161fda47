// The benchmark's pure helpers: histogram quantiles, wire encoders and the watch reader,
// work splitting and aggregation, the Markdown table and the CPU profile summary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { summariseProfile, formatSummary, type CpuProfile } from "../../../bench/lib/profile.js";
import { Histogram, bucketOf, fmtBytes } from "../../../bench/lib/stats.js";
import { renderMarkdown, ratio } from "../../../bench/lib/table.js";
import { aggregate, split } from "../../../bench/lib/workers.js";
import {
  dataSetKey,
  encodeCompareAndPut,
  encodePut,
  encodePutBatch,
  encodeRange,
  encodeWatchCreate,
  filledValue,
  KEY_BYTES,
  loadKey,
  prefixEnd,
  readWatchResponse,
  stampedValue,
  VALUE_BYTES,
} from "../../../bench/lib/wire.js";
import {
  Compare_CompareResult,
  Compare_CompareTarget,
  PutRequest,
  RangeRequest,
  TxnRequest,
  WatchRequest,
  WatchResponse,
} from "../../../src/proto/index.js";
import { Event_EventType } from "../../../src/proto/index.js";

test("histogram quantiles are within the bucket width of the samples", () => {
  const h = new Histogram();
  for (let us = 1; us <= 10_000; us++) h.recordUs(us);
  const p50 = h.quantileUs(0.5);
  const p99 = h.quantileUs(0.99);
  assert.ok(Math.abs(p50 - 5000) / 5000 < 0.03, `p50 ${p50}`);
  assert.ok(Math.abs(p99 - 9900) / 9900 < 0.03, `p99 ${p99}`);
  assert.ok(Number.isNaN(new Histogram().quantileUs(0.5)));
  assert.equal(bucketOf(0), 0);
  assert.equal(bucketOf(-5), 0);
  assert.equal(bucketOf(1e30), bucketOf(1e31), "huge samples share the last bucket");
});

test("sparse histograms merge to the same quantiles", () => {
  const a = new Histogram();
  const b = new Histogram();
  for (let i = 0; i < 900; i++) a.recordUs(100);
  for (let i = 0; i < 100; i++) b.recordUs(50_000);
  const m = new Histogram();
  m.merge(a.toSparse());
  m.merge(b.toSparse());
  assert.equal(m.count, 1000);
  assert.ok(Math.abs(m.quantileUs(0.5) - 100) < 3);
  assert.ok(Math.abs(m.quantileUs(0.95) - 50_000) < 1500);
  assert.throws(() => m.merge([[-1, 1]]));
});

test("keys and values have etcd's benchmark sizes", () => {
  assert.equal(loadKey(0).length, KEY_BYTES);
  assert.equal(loadKey(9_999_999).toString("latin1"), "k9999999");
  assert.throws(() => loadKey(10_000_000));
  assert.equal(filledValue(3).length, VALUE_BYTES);
  assert.equal(dataSetKey(42).toString("latin1"), "big/0000042");
  assert.deepEqual([...prefixEnd(Buffer.from("big/000"))], [...Buffer.from("big/001")]);
  assert.deepEqual([...prefixEnd(Buffer.from([0x61, 0xff]))], [0x62]);
  assert.deepEqual([...prefixEnd(Buffer.from([0xff]))], [0]);
});

test("pre-encoded requests decode to what they mean", () => {
  const put = PutRequest.decode(encodePut(loadKey(7), filledValue(7)));
  assert.equal(put.key.toString(), "k0000007");
  assert.equal(put.value.length, VALUE_BYTES);

  const range = RangeRequest.decode(
    encodeRange(Buffer.from("a"), { serializable: true, rangeEnd: Buffer.from("b") }),
  );
  assert.equal(range.serializable, true);
  assert.equal(range.rangeEnd.toString(), "b");

  const txn = TxnRequest.decode(encodeCompareAndPut(loadKey(1), filledValue(1)));
  assert.equal(txn.compare.length, 1);
  assert.equal(txn.compare[0]!.target, Compare_CompareTarget.MOD);
  assert.equal(txn.compare[0]!.result, Compare_CompareResult.LESS);
  assert.deepEqual(txn.compare[0]!.targetUnion, { $case: "modRevision", value: 1n << 62n });
  assert.equal(txn.success[0]!.request?.$case, "requestPut");

  const batch = TxnRequest.decode(
    encodePutBatch([0, 1, 2].map((i) => ({ key: dataSetKey(i), value: filledValue(i) }))),
  );
  assert.equal(batch.compare.length, 0);
  assert.equal(batch.success.length, 3);

  const watch = WatchRequest.decode(encodeWatchCreate(Buffer.from("w")));
  assert.equal(watch.requestUnion?.$case, "createRequest");
});

test("the watch reader counts events and reads their send stamps", () => {
  const kv = (value: Buffer) => ({
    key: Buffer.from("w"),
    createRevision: 2n,
    modRevision: 3n,
    version: 1n,
    value,
    lease: 0n,
  });
  const bytes = WatchResponse.encode(
    WatchResponse.fromPartial({
      watchId: 5n,
      events: [
        { type: Event_EventType.PUT, kv: kv(stampedValue(1234.5)) },
        { type: Event_EventType.PUT, kv: kv(Buffer.from("short")) },
      ],
    }),
  ).finish();
  const w = readWatchResponse(bytes);
  assert.equal(w.events, 2);
  assert.equal(w.created, false);
  assert.equal(w.stampsMs[0], 1234.5);
  assert.ok(Number.isNaN(w.stampsMs[1]));
  const created = readWatchResponse(
    WatchResponse.encode(WatchResponse.fromPartial({ created: true })).finish(),
  );
  assert.deepEqual(created, { created: true, canceled: false, events: 0, stampsMs: [] });
});

test("split spreads work evenly and aggregate sums over the longest window", () => {
  assert.deepEqual(split(100, 3), [34, 33, 33]);
  assert.deepEqual(split(1, 2), [1, 0]);
  const h = new Histogram();
  h.recordUs(1000);
  const a = aggregate([
    {
      ops: 100,
      errors: 0,
      hist: h.toSparse(),
      elapsedMs: 1000,
      cpuUserUs: 300_000,
      cpuSystemUs: 200_000,
    },
    {
      ops: 300,
      errors: 2,
      firstError: "x",
      hist: h.toSparse(),
      elapsedMs: 2000,
      cpuUserUs: 0,
      cpuSystemUs: 0,
    },
  ]);
  assert.equal(a.ops, 400);
  assert.equal(a.perSec, 200);
  assert.equal(a.errors, 2);
  assert.equal(a.firstError, "x");
  assert.equal(a.loadCpuCores, 0.25);
});

test("the table shows both servers, the ratio and missing figures as dashes", () => {
  const md = renderMarkdown([
    {
      id: "put-1",
      title: "put | 1",
      unit: "ops/s",
      etcd: { value: 1000, p50Us: 800, p99Us: 5000, loadCpuCores: 0.5, serverCpuCores: 0.4 },
      tsctl: {
        value: 500,
        p50Us: 1600,
        p99Us: 9000,
        loadCpuCores: 0.3,
        serverCpuCores: 0.5,
        errors: 1,
      },
    },
    { id: "rss-1", title: "peak RSS", unit: "bytes", tsctl: { value: 150 * 1024 * 1024 } },
  ]);
  const lines = md.split("\n");
  assert.equal(lines.length, 4);
  assert.match(
    lines[2]!,
    /^\| put \\\| 1 \(errors: etcd 0, tsctl 1\) \| 1,000 ops\/s \| 500 ops\/s \| 0\.50× \| 0\.80 \/ 1\.60 \|/,
  );
  assert.match(lines[3]!, /\| – \| 150 MiB \| – \|/);
  assert.equal(
    ratio({ id: "x", title: "x", unit: "ms", etcd: { value: 0 }, tsctl: { value: 1 } }),
    "–",
  );
  assert.equal(fmtBytes(1.5 * 1024 * 1024), "1.5 MiB");
});

test("the profile summary ranks self time by function and by file, idle apart", () => {
  const frame = (functionName: string, url = "") => ({
    functionName,
    url,
    lineNumber: 0,
    columnNumber: 0,
  });
  const p: CpuProfile = {
    startTime: 0,
    endTime: 10_000,
    nodes: [
      { id: 1, callFrame: frame("(root)"), children: [2, 3, 4] },
      { id: 2, callFrame: frame("(idle)") },
      { id: 3, callFrame: frame("encode", "file:///x/src/a.js") },
      { id: 4, callFrame: frame("decode", "file:///x/src/a.js") },
    ],
    samples: [3, 3, 3, 4, 2, 2],
    timeDeltas: [0, 1000, 1000, 1000, 1000, 1000],
  };
  const s = summariseProfile(p);
  assert.equal(s.functions[0]!.name, "encode /x/src/a.js:1");
  assert.equal(
    s.functions.find((f) => f.name.startsWith("(idle)")),
    undefined,
  );
  assert.equal(s.files[0]!.name, "/x/src/a.js");
  assert.ok(s.idleMs > 0 && s.busyMs > s.idleMs);
  assert.ok(Math.abs(s.functions.reduce((sum, f) => sum + f.share, 0) - 1) < 1e-9);
  assert.match(formatSummary(s, 5), /top self time by function/);
});
