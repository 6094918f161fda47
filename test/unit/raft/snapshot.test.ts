// Snapshots and log compaction: a follower behind the compaction point is sent the
// leader's snapshot, the outcome is reported back, and nodes restart from disk.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStorage, MessageType, RawNode } from "../../../src/raft/index.js";
import { Cluster, bytes, mulberry32 } from "./harness.js";
import { drain, ents, makeLeader, msg, newRaft } from "./helpers.js";

test("a follower behind the leader's compaction point gets MsgSnap and continues from it", () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.elect(1n);
  c.crash(3n);
  for (const d of ["a", "b", "c"]) c.propose(1n, d);
  c.compact(1n);
  c.restart(3n);
  c.tickAll(3);
  assert.equal(c.rn(3n).raft.raftLog.firstIndex(), 6);
  assert.equal(c.node(3n).storage.snapshot().metadata.index, 5);
  c.propose(1n, "d");
  assert.deepEqual(c.appliedData(3n), ["d"], "state before the snapshot came in the snapshot");
  assert.equal(c.node(3n).appliedIndex, 6);
});

test("reportSnapshot: failure returns the follower to probing and a snapshot is retried", () => {
  const s = new MemoryStorage({ voters: [1n, 2n], learners: [] });
  s.append(ents(1, 1, 1, 1));
  s.createSnapshot(4, undefined, bytes("state"));
  s.compact(4);
  s.setHardState({ term: 1, vote: 0n, commit: 4 });
  const r = newRaft(1n, [1n, 2n], { storage: s });
  makeLeader(r);
  const pr = r.prs.progress.get(2n)!;
  pr.next = 1;
  pr.probeSent = false;
  pr.recentActive = true;
  r.sendAppend(2n);
  assert.deepEqual(
    drain(r).map((m) => MessageType[m.type]),
    ["Snap"],
  );
  assert.equal(pr.state, "snapshot");
  r.step(msg(MessageType.SnapStatus, 2n, 0n, { reject: true }));
  assert.equal(pr.state, "probe");
  assert.equal(pr.pendingSnapshot, 0);
  r.step(msg(MessageType.HeartbeatResp, 2n, 1n, { term: r.term }));
  assert.deepEqual(
    drain(r).map((m) => MessageType[m.type]),
    ["Snap"],
    "retried",
  );
  r.step(msg(MessageType.SnapStatus, 2n, 0n));
  assert.equal(pr.state, "probe");
  assert.equal(pr.next, 5);
});

test("a follower ignores a snapshot older than its commit index", () => {
  const r = newRaft(2n, [1n, 2n], { log: ents(1, 1, 1) });
  r.becomeFollower(1, 1n);
  r.raftLog.commitTo(3);
  const snap = {
    data: new Uint8Array(0),
    metadata: { index: 2, term: 1, confState: { voters: [1n, 2n], learners: [] } },
  };
  r.step(msg(MessageType.Snap, 1n, 2n, { term: 1, snapshot: snap }));
  assert.equal(r.raftLog.unstable.snapshot, undefined);
  assert.equal(drain(r)[0]!.index, 3);
});

test("restart from persisted hard state, snapshot and log re-delivers committed, unapplied entries", () => {
  const s = new MemoryStorage();
  s.applySnapshot({
    data: bytes("s"),
    metadata: { index: 3, term: 1, confState: { voters: [1n, 2n, 3n], learners: [] } },
  });
  s.append([4, 5, 6].map((index) => ({ term: 2, index, type: 0, data: bytes(`e${index}`) })));
  s.setHardState({ term: 3, vote: 2n, commit: 5 });
  const rn = new RawNode({
    id: 1n,
    electionTick: 10,
    heartbeatTick: 1,
    storage: s,
    applied: 3,
    random: mulberry32(1),
  });
  const st = rn.status();
  assert.deepEqual(st.hardState, { term: 3, vote: 2n, commit: 5 });
  assert.equal(st.softState.raftState, "follower");
  const rd = rn.ready();
  assert.equal(rd.hardState, undefined, "unchanged hard state is not re-emitted");
  assert.deepEqual(rd.entries, []);
  assert.deepEqual(
    rd.committedEntries.map((e) => e.index),
    [4, 5],
  );
  rn.advance(rd);
  assert.equal(rn.status().applied, 5);
  assert.equal(rn.raft.raftLog.lastIndex(), 6);
  assert.deepEqual(rn.raft.prs.voters, [1n, 2n, 3n]);
});
