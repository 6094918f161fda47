import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  cpSync,
  readFileSync,
  readdirSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  Wal,
  WalClosedError,
  WalCorruptError,
  WalError,
  WalExistsError,
  WalLockedError,
  WalMissingSegmentError,
  WalSnapshotMismatchError,
  WalSnapshotNotFoundError,
} from "../../../src/wal/index.js";
import { parseSegment, seal } from "../../../src/wal/record.js";
import { entries, recordingLogger, tempDir } from "./helpers.js";

const META = new TextEncoder().encode("node=1;cluster=2");
const SMALL = { segmentSizeBytes: 64 * 1024 };

function walFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith(".wal"))
    .sort();
}

test("create, then open returns metadata, empty log and the initial snapshot marker", async (t) => {
  const dir = join(tempDir(t), "member", "wal");
  assert.equal(Wal.exists(dir), false);
  const wal = await Wal.create(dir, META, SMALL);
  assert.equal(Wal.exists(dir), true);
  assert.deepEqual(walFiles(dir), ["0000000000000000-0000000000000000.wal"]);
  await assert.rejects(Wal.create(dir, META), WalExistsError);
  await wal.close();
  const r = await Wal.open(dir, SMALL);
  assert.deepEqual(r.metadata, META);
  assert.deepEqual(r.entries, []);
  assert.deepEqual(r.hardState, { term: 0, vote: 0n, commit: 0 });
  assert.deepEqual(r.snapshot, { index: 0, term: 0 });
  await r.wal.close();
});

test("saved entries and hard state round-trip, overwrites truncate the log", async (t) => {
  const dir = tempDir(t);
  const wal = await Wal.create(dir, META, SMALL);
  await wal.save({ term: 1, vote: 2n ** 64n - 1n, commit: 0 }, entries(1, 10, 1));
  await wal.save({ term: 2, vote: 3n, commit: 5 }, entries(6, 2, 2)); // replaces 6..10
  await wal.save({ term: 2, vote: 3n, commit: 7 }, []);
  await wal.close();
  const r = await Wal.open(dir, SMALL);
  assert.deepEqual(r.entries, [...entries(1, 5, 1), ...entries(6, 2, 2)]);
  assert.deepEqual(r.hardState, { term: 2, vote: 3n, commit: 7 });
  // Appends continue after the recovered log.
  await r.wal.save(undefined, entries(8, 1, 2));
  await assert.rejects(async () => r.wal.save(undefined, entries(10, 1, 2)), WalError);
  assert.throws(() => void r.wal.save(undefined, [...entries(9, 1, 2), ...entries(11, 1, 2)]));
  await r.wal.close();
  await assert.rejects(r.wal.save(undefined, entries(9, 1, 2)), WalClosedError);
  const r2 = await Wal.open(dir, SMALL);
  assert.equal(r2.entries.length, 8);
  assert.equal(r2.entries[7]!.index, 8);
  await r2.wal.close();
});

test("group commit: concurrent saves share one write and one fdatasync", async (t) => {
  const wal = await Wal.create(tempDir(t), META, SMALL);
  const before = wal.syncCount;
  const saves = [];
  for (let i = 1; i <= 200; i++)
    saves.push(wal.save({ term: 1, vote: 1n, commit: 0 }, entries(i, 1, 1)));
  await Promise.all(saves);
  assert.equal(wal.syncCount - before, 1);

  // Saves that arrive while a sync is in flight queue up and are flushed together.
  const mid = wal.syncCount;
  const first = wal.save(undefined, entries(201, 1, 1));
  await new Promise((r) => setImmediate(r));
  const more = [];
  for (let i = 202; i <= 300; i++) more.push(wal.save(undefined, entries(i, 1, 1)));
  await Promise.all([first, ...more]);
  assert.ok(wal.syncCount - mid <= 2, `syncs ${wal.syncCount - mid}`);

  // A commit-only hard state change is written but needs no fdatasync.
  const s = wal.syncCount;
  await wal.save({ term: 1, vote: 1n, commit: 300 }, []);
  assert.equal(wal.syncCount, s);
  await wal.close();
  const r = await Wal.open(wal.dir, SMALL);
  assert.equal(r.entries.length, 300);
  assert.equal(r.hardState.commit, 300);
  await r.wal.close();
});

test("segments rotate at the size limit and read back whole", async (t) => {
  const dir = tempDir(t);
  const seg = 8 * 1024;
  const wal = await Wal.create(dir, META, { segmentSizeBytes: seg });
  for (let i = 1; i <= 400; i += 10) {
    await wal.save({ term: 1, vote: 1n, commit: i }, entries(i, 10, 1, 100));
  }
  await wal.close();
  const files = walFiles(dir);
  assert.ok(files.length >= 5, files.join(","));
  files.forEach((f, seq) => {
    assert.ok(f.startsWith(seq.toString(16).padStart(16, "0") + "-"));
    const size = statSync(join(dir, f)).size;
    if (seq < files.length - 1) {
      // Closed segments are cut to their records; the active one is preallocated.
      const parsed = parseSegment(readFileSync(join(dir, f)), f, false);
      assert.equal(parsed.validEnd, size);
    } else {
      assert.equal(size, seg);
    }
  });
  // The first index in a segment's name is where its entries start.
  const second = files[1]!;
  const firstIndex = Number.parseInt(second.slice(17, 33), 16);
  assert.equal((firstIndex - 1) % 10, 0);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith(".tmp")).length, 0);
  const r = await Wal.open(dir, { segmentSizeBytes: seg });
  assert.equal(r.entries.length, 400);
  assert.deepEqual(r.entries.at(-1), entries(400, 1, 1, 100)[0]);
  await r.wal.close();
});

test("releaseLockTo deletes segments below the snapshot, keeping maxWals", async (t) => {
  const dir = tempDir(t);
  const opts = { segmentSizeBytes: 4096, maxWals: 2 };
  const wal = await Wal.create(dir, META, opts);
  for (let i = 1; i <= 300; i += 10)
    await wal.save({ term: 1, vote: 1n, commit: i + 9 }, entries(i, 10, 1, 100));
  const total = walFiles(dir).length;
  assert.ok(total > 4);
  await wal.releaseLockTo(0); // nothing is below index 0
  assert.equal(walFiles(dir).length, total);
  await wal.saveSnapshot({ index: 250, term: 1 });
  await wal.releaseLockTo(250);
  const left = walFiles(dir);
  const firstOf = (f: string) => Number.parseInt(f.slice(17, 33), 16);
  assert.ok(left.length < total);
  assert.ok(firstOf(left[0]!) <= 250);
  assert.ok(left.length === 2 || firstOf(left[1]!) > 250, left.join(","));
  await wal.close();
  await assert.rejects(Wal.open(dir, opts), WalMissingSegmentError);
  const r = await Wal.open(dir, { ...opts, fromSnapshot: { index: 250, term: 1 } });
  assert.deepEqual(r.entries, entries(251, 50, 1, 100));
  assert.deepEqual(r.snapshot, { index: 250, term: 1 });
  await r.wal.close();

  // maxWals 0 keeps everything.
  const dir2 = tempDir(t);
  const w2 = await Wal.create(dir2, META, { segmentSizeBytes: 4096, maxWals: 0 });
  for (let i = 1; i <= 100; i += 10) await w2.save(undefined, entries(i, 10, 1, 100));
  await w2.saveSnapshot({ index: 100, term: 1 });
  const n = walFiles(dir2).length;
  await w2.releaseLockTo(100);
  assert.equal(walFiles(dir2).length, n);
  await w2.close();
});

test("snapshot markers: not found, mismatched, and valid ones filtered by commit", async (t) => {
  const dir = tempDir(t);
  const wal = await Wal.create(dir, META, SMALL);
  await wal.save({ term: 1, vote: 1n, commit: 5 }, entries(1, 10, 1));
  await wal.saveSnapshot({ index: 5, term: 1 });
  await wal.saveSnapshot({ index: 8, term: 1 }); // above the saved commit
  await wal.close();
  assert.deepEqual(await Wal.validSnapshotMarkers(dir), [
    { index: 0, term: 0 },
    { index: 5, term: 1 },
  ]);
  await assert.rejects(
    Wal.open(dir, { fromSnapshot: { index: 6, term: 1 } }),
    WalSnapshotNotFoundError,
  );
  await assert.rejects(
    Wal.open(dir, { fromSnapshot: { index: 5, term: 2 } }),
    WalSnapshotMismatchError,
  );
  const r = await Wal.open(dir, { ...SMALL, fromSnapshot: { index: 5, term: 1 } });
  assert.deepEqual(r.entries, entries(6, 5, 1));
  assert.deepEqual(r.snapshot, { index: 8, term: 1 });
  await r.wal.close();
});

/** A closed WAL of one segment; returns its file and the offsets of its records. */
async function oneSegment(dir: string, batches: number) {
  const wal = await Wal.create(dir, META, SMALL);
  for (let b = 0; b < batches; b++) {
    await wal.save({ term: 1, vote: 1n, commit: b * 3 }, entries(b * 3 + 1, 3, 1, 40));
  }
  await wal.close();
  const file = join(dir, walFiles(dir)[0]!);
  const parsed = parseSegment(readFileSync(file), file, true);
  return { file, records: parsed.records, end: parsed.validEnd };
}

test("a torn last record is cut off at every offset, with a log line", async (t) => {
  const src = tempDir(t);
  const { records, end } = await oneSegment(src, 4);
  const lastStart = records.at(-1)!.offset; // the final hard state record
  const name = walFiles(src)[0]!;
  for (let cut = lastStart; cut <= end; cut++) {
    const dir = tempDir(t);
    cpSync(src, dir, { recursive: true });
    truncateSync(join(dir, name), cut);
    const logger = recordingLogger();
    const r = await Wal.open(dir, { ...SMALL, logger });
    assert.equal(r.entries.length, 12);
    const torn = cut < end;
    assert.equal(r.hardState.commit, torn ? 6 : 9, `cut at ${cut}`);
    assert.equal(
      logger.lines.filter((l) => l.level === "warn").length,
      torn && cut > lastStart ? 1 : 0,
    );
    // The repaired log takes appends and reads back.
    await r.wal.save({ term: 2, vote: 1n, commit: 12 }, entries(13, 1, 2, 40));
    await r.wal.close();
    const again = await Wal.open(dir, { ...SMALL, logger });
    assert.equal(again.entries.length, 13);
    assert.equal(again.hardState.term, 2);
    await again.wal.close();
  }
});

test("a last record zeroed from a sector boundary on is torn; zeros inside a sector are damage", async (t) => {
  const src = tempDir(t);
  const wal = await Wal.create(src, META, SMALL);
  await wal.save({ term: 1, vote: 1n, commit: 0 }, entries(1, 3, 1, 40));
  await wal.save(undefined, entries(4, 1, 1, 2000)); // the last record spans several sectors
  await wal.close();
  const name = walFiles(src)[0]!;
  const parsed = parseSegment(readFileSync(join(src, name)), name, true);
  const last = parsed.records.at(-1)!;
  const end = parsed.validEnd;
  const zeroFrom = async (from: number) => {
    const dir = tempDir(t);
    cpSync(src, dir, { recursive: true });
    const buf = readFileSync(join(dir, name));
    buf.fill(0, from, end);
    writeFileSync(join(dir, name), buf);
    return dir;
  };
  let sectors = 0;
  for (let s = Math.ceil((last.offset + 1) / 512) * 512; s < end; s += 512, sectors++) {
    const logger = recordingLogger();
    const r = await Wal.open(await zeroFrom(s), { ...SMALL, logger });
    assert.equal(r.entries.length, 3);
    assert.equal(logger.lines.filter((l) => l.level === "warn").length, 1);
    await r.wal.close();
  }
  assert.ok(sectors >= 3);
  // Zeros from mid-sector to the end of a complete record: not an interrupted write.
  const lastBoundary = Math.floor((end - 1) / 512) * 512;
  await assert.rejects(
    Wal.open(await zeroFrom(Math.max(lastBoundary + 1, end - 8)), SMALL),
    WalCorruptError,
  );
});

test("a torn tail spanning several records drops them all", async (t) => {
  const dir = tempDir(t);
  const { file, records } = await oneSegment(dir, 4);
  const cut = records.at(-6)!.offset + 7; // inside the 3rd batch's last entry
  truncateSync(file, cut);
  const logger = recordingLogger();
  const r = await Wal.open(dir, { ...SMALL, logger });
  assert.equal(r.entries.length, 8);
  assert.equal(logger.lines[0]!.fields!.offset, records.at(-6)!.offset);
  await r.wal.close();
});

test("a CRC mismatch before the tail is an error naming file and offset", async (t) => {
  const dir = tempDir(t);
  const { file, records } = await oneSegment(dir, 4);
  const victim = records[5]!;
  const buf = readFileSync(file);
  buf[victim.offset + 14] ^= 0x40;
  writeFileSync(file, buf);
  await assert.rejects(Wal.open(dir, SMALL), (err: unknown) => {
    assert.ok(err instanceof WalCorruptError);
    assert.equal(err.file, file);
    assert.equal(err.offset, victim.offset);
    assert.match(
      err.message,
      new RegExp(`${walFiles(dir)[0]}.*byte offset ${victim.offset}.*crc mismatch`),
    );
    return true;
  });
  // Damage to the final record that is not an interrupted write is not repaired either.
  const dir2 = tempDir(t);
  const two = await oneSegment(dir2, 2);
  const buf2 = readFileSync(two.file);
  buf2[two.records.at(-1)!.offset + 13] ^= 0x01;
  writeFileSync(two.file, buf2);
  await assert.rejects(Wal.open(dir2, SMALL), WalCorruptError);
  // A zeroed header followed by data is not a clean end.
  const dir3 = tempDir(t);
  const three = await oneSegment(dir3, 3);
  const buf3 = readFileSync(three.file);
  buf3.fill(0, three.records[4]!.offset, three.records[4]!.offset + 12);
  writeFileSync(three.file, buf3);
  await assert.rejects(Wal.open(dir3, SMALL), /zeroed record header followed by data/);
});

test("damage in a closed segment and a missing segment are errors", async (t) => {
  const dir = tempDir(t);
  const wal = await Wal.create(dir, META, { segmentSizeBytes: 4096 });
  for (let i = 1; i <= 200; i += 10) await wal.save(undefined, entries(i, 10, 1, 100));
  await wal.close();
  const files = walFiles(dir);
  assert.ok(files.length >= 4);
  const copy = tempDir(t);
  cpSync(dir, copy, { recursive: true });

  // Cutting a closed segment short is damage, not a torn tail.
  truncateSync(join(dir, files[1]!), statSync(join(dir, files[1]!)).size - 3);
  await assert.rejects(Wal.open(dir, { segmentSizeBytes: 4096 }), (err: unknown) => {
    assert.ok(err instanceof WalCorruptError);
    assert.equal(err.file, join(dir, files[1]!));
    return true;
  });

  unlinkSync(join(copy, files[2]!));
  await assert.rejects(Wal.open(copy, { segmentSizeBytes: 4096 }), (err: unknown) => {
    assert.ok(err instanceof WalMissingSegmentError);
    assert.match(err.message, /missing segment sequence 2/);
    return true;
  });
});

test("the directory lock refuses a second opener while the owner lives", async (t) => {
  const dir = tempDir(t);
  const wal = await Wal.create(dir, META, SMALL);
  await assert.rejects(Wal.open(dir, SMALL), WalLockedError);
  await wal.close();

  // A live foreign pid holds it.
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  t.after(() => child.kill("SIGKILL"));
  writeFileSync(join(dir, "LOCK"), `${child.pid}\n`);
  await assert.rejects(Wal.open(dir, SMALL), /locked by process/);

  // A dead owner's lock is stale and taken over.
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  const r = await Wal.open(dir, SMALL);
  assert.equal(readFileSync(join(dir, "LOCK"), "utf8").trim(), String(process.pid));
  await r.wal.close();
  assert.deepEqual(
    readdirSync(dir).filter((n) => n === "LOCK"),
    [],
  );
});

test("a segment whose opening crc does not continue the chain is an error", async (t) => {
  const dir = tempDir(t);
  const wal = await Wal.create(dir, META, { segmentSizeBytes: 4096 });
  for (let i = 1; i <= 100; i += 10) await wal.save(undefined, entries(i, 10, 1, 100));
  await wal.close();
  const files = walFiles(dir);
  assert.ok(files.length >= 3);
  // Rewrite segment 1 as a self-consistent segment seeded with another crc.
  const file = join(dir, files[1]!);
  const buf = readFileSync(file);
  const parsed = parseSegment(buf, file, false);
  const body = Buffer.from(buf.subarray(0, parsed.validEnd));
  body.writeUInt32LE(0xdeadbeef, 12);
  seal(body, 0xdeadbeef);
  writeFileSync(file, body);
  await assert.rejects(Wal.open(dir, { segmentSizeBytes: 4096 }), (err: unknown) => {
    assert.ok(err instanceof WalCorruptError);
    assert.equal(err.file, file);
    assert.match(err.message, /crc chain broken/);
    return true;
  });
});

test("fsync and write hooks report every fdatasync and byte written", async (t) => {
  const fsyncs: number[] = [];
  let bytes = 0;
  const wal = await Wal.create(tempDir(t), META, {
    segmentSizeBytes: 4096,
    onFsync: (s) => void fsyncs.push(s),
    onWrite: (n) => void (bytes += n),
  });
  for (let i = 1; i <= 100; i += 10) await wal.save(undefined, entries(i, 10, 1, 100));
  await wal.close();
  assert.equal(fsyncs.length, wal.syncCount);
  assert.ok(fsyncs.every((s) => s >= 0 && s < 60));
  const onDisk = walFiles(wal.dir).reduce((sum, f) => {
    const buf = readFileSync(join(wal.dir, f));
    return sum + parseSegment(buf, f, true).validEnd;
  }, 0);
  assert.equal(bytes, onDisk);
});

test("a last segment torn down to nothing gets its header written again", async (t) => {
  const dir = tempDir(t);
  const opts = { segmentSizeBytes: 4096 };
  const wal = await Wal.create(dir, META, opts);
  for (let i = 1; i <= 60; i += 10)
    await wal.save({ term: 1, vote: 1n, commit: i }, entries(i, 10, 1, 100));
  await wal.close();
  const files = walFiles(dir);
  assert.ok(files.length >= 2);
  const lastFile = join(dir, files.at(-1)!);
  const before = parseSegment(readFileSync(lastFile), lastFile, true);
  const lostEntries = before.records.filter((r) => r.type === 2).length;
  truncateSync(lastFile, 5); // inside the opening crc record
  const logger = recordingLogger();
  const r = await Wal.open(dir, { ...opts, logger });
  assert.equal(r.entries.length, 60 - lostEntries);
  assert.equal(logger.lines.filter((l) => l.level === "warn").length, 1);
  const next = r.entries.length + 1;
  await r.wal.save({ term: 2, vote: 1n, commit: next }, entries(next, 1, 2, 100));
  await r.wal.close();
  const again = await Wal.open(dir, opts);
  assert.equal(again.entries.length, next);
  assert.deepEqual(again.metadata, META);
  await again.wal.close();
});
