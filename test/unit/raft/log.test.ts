// The building blocks: MemoryStorage, the raft log (stable + unstable), in-flight window,
// quorum arithmetic, and the ConfChange wire encoding.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ConfChangeType,
  ErrCompacted,
  ErrSnapOutOfDate,
  ErrUnavailable,
  MemoryStorage,
  decodeConfChange,
  encodeConfChange,
} from "../../../src/raft/index.js";
import { Inflights } from "../../../src/raft/inflights.js";
import { RaftLog } from "../../../src/raft/log.js";
import { committedIndex, voteResult } from "../../../src/raft/quorum.js";
import { ents } from "./helpers.js";

test("MemoryStorage: entries, term, compaction and snapshots", () => {
  const s = new MemoryStorage();
  s.append(ents(1, 1, 2, 3, 3));
  assert.equal(s.firstIndex(), 1);
  assert.equal(s.lastIndex(), 5);
  assert.equal(s.term(0), 0);
  assert.equal(s.term(3), 2);
  assert.throws(
    () => s.term(6),
    (e) => e === ErrUnavailable,
  );
  assert.deepEqual(
    s.entries(2, 5, Infinity).map((e) => e.index),
    [2, 3, 4],
  );
  assert.deepEqual(
    s.entries(2, 5, 0).map((e) => e.index),
    [2],
    "at least one entry",
  );
  s.createSnapshot(3, { voters: [1n], learners: [] }, new Uint8Array([1]));
  assert.throws(
    () => s.createSnapshot(2, undefined, new Uint8Array()),
    (e) => e === ErrSnapOutOfDate,
  );
  s.compact(3);
  assert.equal(s.firstIndex(), 4);
  assert.equal(s.term(3), 2, "the compaction point keeps its term");
  assert.throws(
    () => s.term(2),
    (e) => e === ErrCompacted,
  );
  assert.throws(
    () => s.entries(3, 5, Infinity),
    (e) => e === ErrCompacted,
  );
  assert.throws(
    () => s.compact(2),
    (e) => e === ErrCompacted,
  );
  // Appending over a conflict truncates the old suffix; compacted entries are skipped.
  s.append([{ term: 4, index: 5, type: 0, data: new Uint8Array() }]);
  assert.deepEqual([s.lastIndex(), s.term(5)], [5, 4]);
  s.append(ents(1, 1, 1, 9, 9));
  assert.deepEqual([s.firstIndex(), s.lastIndex(), s.term(4), s.term(5)], [4, 5, 9, 9]);
  s.applySnapshot({
    data: new Uint8Array(),
    metadata: { index: 10, term: 9, confState: { voters: [1n], learners: [] } },
  });
  assert.equal(s.firstIndex(), 11);
  assert.equal(s.lastIndex(), 10);
  assert.throws(
    () => s.applySnapshot(s.snapshot()),
    (e) => e === ErrSnapOutOfDate,
  );
});

test("RaftLog: append, conflicts, commit and stable/unstable split", () => {
  const s = new MemoryStorage();
  s.append(ents(1, 1, 2));
  const log = new RaftLog(s);
  assert.equal(log.lastIndex(), 3);
  assert.equal(log.committed, 0);
  assert.equal(log.maybeAppend(3, 2, 3, ents(1, 1, 2, 3, 3).slice(3)), 5);
  assert.equal(log.committed, 3);
  assert.deepEqual(
    log.unstableEntries().map((e) => e.index),
    [4, 5],
  );
  assert.equal(log.maybeAppend(3, 9, 3, []), undefined, "previous entry mismatch");
  assert.equal(log.findConflict(ents(1, 1, 2, 4)), 4);
  assert.equal(log.findConflictByTerm(5, 2), 3);
  assert.equal(log.findConflictByTerm(5, 0), 0);
  assert.deepEqual(
    log.nextEnts().map((e) => e.index),
    [1, 2, 3],
  );
  log.appliedTo(3);
  assert.equal(log.hasNextEnts(), false);
  log.stableTo(4, 7); // wrong term: ignored
  assert.equal(log.unstable.offset, 4);
  log.stableTo(4, 3);
  assert.equal(log.unstable.offset, 5);
  assert.equal(log.persistedLastIndex(), 4);
  assert.throws(() => log.commitTo(9), /out of range/);
  assert.equal(log.isUpToDate(5, 3), true);
  assert.equal(log.isUpToDate(4, 3), false);
  assert.equal(log.isUpToDate(1, 4), true);
});

test("Inflights: bounded ring of last indexes, freed by acknowledgement", () => {
  const w = new Inflights(3);
  w.add(1);
  w.add(3);
  w.add(5);
  assert.equal(w.full(), true);
  assert.throws(() => w.add(7));
  w.freeLE(3);
  assert.equal(w.length(), 1);
  w.add(7);
  w.add(9);
  w.freeLE(4); // nothing at or below 4 is left
  assert.equal(w.length(), 3);
  w.freeFirstOne();
  assert.equal(w.length(), 2);
  w.freeLE(100);
  assert.equal(w.length(), 0);
});

test("quorum: committed index is the majority's acknowledged index; vote results", () => {
  const m = (xs: number[]) =>
    committedIndex(
      xs.map((_, i) => BigInt(i + 1)),
      (id) => xs[Number(id) - 1]!,
    );
  assert.equal(m([5]), 5);
  assert.equal(m([5, 3]), 3);
  assert.equal(m([5, 3, 1]), 3);
  assert.equal(m([1, 5, 3, 9]), 3);
  assert.equal(m([2, 2, 9, 9, 1]), 2);
  const vs = [1n, 2n, 3n];
  assert.equal(voteResult(vs, new Map([[1n, true]])), "pending");
  assert.equal(
    voteResult(
      vs,
      new Map([
        [1n, true],
        [2n, true],
      ]),
    ),
    "won",
  );
  assert.equal(
    voteResult(
      vs,
      new Map([
        [1n, true],
        [2n, false],
        [3n, false],
      ]),
    ),
    "lost",
  );
});

test("ConfChange encoding uses etcd's raftpb field numbers and round-trips 64-bit ids", () => {
  const bytes = encodeConfChange({
    id: 1n,
    type: ConfChangeType.AddLearnerNode,
    nodeId: 300n,
    context: new Uint8Array([0x61]),
  });
  assert.deepEqual([...bytes], [0x08, 0x01, 0x10, 0x03, 0x18, 0xac, 0x02, 0x22, 0x01, 0x61]);
  const big = {
    id: 2n ** 64n - 1n,
    type: ConfChangeType.RemoveNode,
    nodeId: 2n ** 63n + 5n,
    context: new Uint8Array(),
  };
  assert.deepEqual(decodeConfChange(encodeConfChange(big)), big);
});
