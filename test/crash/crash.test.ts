import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Wal, WalCorruptError } from "../../src/wal/index.js";
import { parseSegment } from "../../src/wal/record.js";
import { CRASH_SEGMENT_BYTES, runCrashRounds } from "./harness.js";

const opts = { segmentSizeBytes: CRASH_SEGMENT_BYTES, maxWals: 3 };
let laneDir: string | undefined;

test("50 SIGKILL rounds lose no acknowledged write and repair torn tails", async (t) => {
  const result = await runCrashRounds({ rounds: 50, lanes: 2, keepDirs: true, seed: 20261124 });
  t.after(() => {
    for (const d of result.dirs.slice(1)) rmSync(d, { recursive: true, force: true });
  });
  laneDir = result.dirs[0];
  t.diagnostic(
    `crash: rounds=${result.rounds} acknowledged=${result.acknowledged} lost=${result.lost} torn-repairs=${result.tornRepairs}`,
  );
  assert.deepEqual(result.errors, []);
  assert.equal(result.lost, 0);
  assert.equal(result.rounds, 50);
  assert.ok(result.acknowledged > 0);
  assert.ok(result.tornRepairs > 0);
});

function segments(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith(".wal"))
    .sort();
}

function flipInMiddleRecord(file: string): number {
  const buf = readFileSync(file);
  const parsed = parseSegment(buf, file, false);
  const rec = parsed.records[Math.floor(parsed.records.length / 2)]!;
  buf[rec.offset + 12 + Math.floor(rec.payload.length / 2)] ^= 0x04;
  writeFileSync(file, buf);
  return rec.offset;
}

test("a flipped byte in a closed segment of a crash-tested WAL is reported", async (t) => {
  assert.ok(laneDir !== undefined, "needs the crash rounds' directory");
  t.after(() => rmSync(laneDir!, { recursive: true, force: true }));
  const dir = join(laneDir, "wal");
  const markers = await Wal.validSnapshotMarkers(dir);
  const newest = markers.reduce((a, b) => (b.index >= a.index ? b : a));

  // Append until the segment the snapshot lives in is closed.
  const r = await Wal.open(dir, { ...opts, fromSnapshot: newest });
  let last = r.entries.at(-1)?.index ?? newest.index;
  const before = segments(dir).length;
  const term = r.hardState.term + 1;
  for (let n = 0; segments(dir).length < before + 2; n++) {
    const ents = Array.from({ length: 50 }, (_, i) => ({
      index: last + 1 + i,
      term,
      type: 0,
      data: new Uint8Array(1024).fill(0x5a),
    }));
    await r.wal.save({ term, vote: 1n, commit: r.hardState.commit }, ents);
    last += 50;
  }
  await r.wal.close();

  const names = segments(dir);
  let start = 0;
  names.forEach((n, i) => {
    if (Number.parseInt(n.slice(17, 33), 16) <= newest.index) start = i;
  });
  assert.ok(start < names.length - 1);
  const victim = join(dir, names[start]!);
  const offset = flipInMiddleRecord(victim);
  await assert.rejects(Wal.open(dir, { ...opts, fromSnapshot: newest }), (err: unknown) => {
    assert.ok(err instanceof WalCorruptError, String(err));
    assert.equal(err.file, victim);
    assert.equal(err.offset, offset);
    return true;
  });
  await assert.rejects(Wal.validSnapshotMarkers(dir), WalCorruptError);
});
