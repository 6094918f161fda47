import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SnapCorruptError, Snapshotter, snapName } from "../../../src/snap/index.js";
import type { Snapshot } from "../../../src/raft/types.js";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "tsctl-snap-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function quietLogger() {
  const warnings: Record<string, unknown>[] = [];
  return {
    warnings,
    info: () => {},
    warn: (_m: string, f?: Record<string, unknown>) => void warnings.push(f ?? {}),
  };
}

function snap(term: number, index: number, size = 64): Snapshot {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 7 + index) & 0xff;
  return {
    data,
    metadata: { confState: { voters: [1n, 2n ** 64n - 1n], learners: [3n] }, index, term },
  };
}

test("save writes term-index named files atomically and load returns the newest", async (t) => {
  const dir = join(tempDir(t), "member", "snap");
  const ss = new Snapshotter(dir, { logger: quietLogger() });
  assert.equal(await ss.loadNewestAvailable(), undefined);
  await ss.save(snap(1, 0)); // empty snapshots are not written
  await ss.save(snap(1, 10));
  await ss.save(snap(2, 20, 3 * 1024 * 1024));
  assert.deepEqual(await ss.names(), [snapName(2, 20), snapName(1, 10)]);
  assert.equal(snapName(2, 20), "0000000000000002-0000000000000014.snap");
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith(".tmp")),
    [],
  );
  const got = await ss.loadNewestAvailable();
  assert.deepEqual({ ...got!, data: new Uint8Array(got!.data) }, snap(2, 20, 3 * 1024 * 1024));
  // Restricted to what the WAL knows about.
  const older = await ss.loadNewestAvailable([
    { index: 10, term: 1 },
    { index: 0, term: 0 },
  ]);
  assert.equal(older!.metadata.index, 10);
  assert.equal(await ss.loadNewestAvailable([{ index: 0, term: 0 }]), undefined);
});

test("a corrupt snapshot is renamed .broken and the next older one is used", async (t) => {
  const dir = tempDir(t);
  const logger = quietLogger();
  const ss = new Snapshotter(dir, { logger });
  await ss.save(snap(1, 10));
  await ss.save(snap(1, 20));
  await ss.save(snap(1, 30));
  const flip = join(dir, snapName(1, 30));
  const buf = readFileSync(flip);
  buf[buf.length - 40] ^= 0x10;
  writeFileSync(flip, buf);
  writeFileSync(join(dir, snapName(1, 20)), new Uint8Array(2)); // cut short
  const got = await ss.loadNewestAvailable();
  assert.equal(got!.metadata.index, 10);
  assert.deepEqual(ss.broken, [`${flip}.broken`, `${join(dir, snapName(1, 20))}.broken`]);
  assert.equal(logger.warnings.length, 2);
  assert.deepEqual(await ss.names(), [snapName(1, 10)]);
  await assert.rejects(Snapshotter.read(`${flip}.broken`), SnapCorruptError);
});

test("a file whose content disagrees with its name is corrupt", async (t) => {
  const dir = tempDir(t);
  const ss = new Snapshotter(dir, { logger: quietLogger() });
  await ss.save(snap(3, 7));
  const wrong = join(dir, snapName(3, 8));
  writeFileSync(wrong, readFileSync(join(dir, snapName(3, 7))));
  await assert.rejects(Snapshotter.read(wrong), /not what its name says/);
  assert.equal((await ss.loadNewestAvailable())!.metadata.index, 7);
});

test("only the newest maxSnapshots files are kept", async (t) => {
  const dir = tempDir(t);
  let fsyncs = 0;
  const ss = new Snapshotter(dir, {
    logger: quietLogger(),
    maxSnapshots: 2,
    onFsync: () => void fsyncs++,
  });
  for (let i = 1; i <= 5; i++) await ss.save(snap(1, i * 10));
  assert.deepEqual(await ss.names(), [snapName(1, 50), snapName(1, 40)]);
  assert.equal(fsyncs, 5);
  const all = new Snapshotter(tempDir(t), { logger: quietLogger(), maxSnapshots: 0 });
  for (let i = 1; i <= 7; i++) await all.save(snap(1, i));
  assert.equal((await all.names()).length, 7);
});
