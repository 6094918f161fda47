// RawNode: the Ready/advance contract, error behaviour of step/propose, and status().
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ConfChangeType,
  EntryType,
  ErrProposalDropped,
  ErrStepLocalMsg,
  ErrStepPeerNotFound,
  MemoryStorage,
  MessageType,
  RawNode,
  decodeConfChange,
} from "../../../src/raft/index.js";
import { newMessage } from "../../../src/raft/util.js";
import { bytes, mulberry32 } from "./harness.js";

function single(): { rn: RawNode; s: MemoryStorage } {
  const s = new MemoryStorage({ voters: [1n], learners: [] });
  const rn = new RawNode({
    id: 1n,
    electionTick: 10,
    heartbeatTick: 1,
    storage: s,
    random: mulberry32(3),
  });
  return { rn, s };
}

function handle(rn: RawNode, s: MemoryStorage): ReturnType<RawNode["ready"]> {
  const rd = rn.ready();
  s.append(rd.entries);
  if (rd.hardState) s.setHardState(rd.hardState);
  rn.advance(rd);
  return rd;
}

test("a single-node cluster elects itself and commits after persisting", () => {
  const { rn, s } = single();
  assert.equal(rn.hasReady(), false);
  rn.campaign();
  assert.equal(rn.hasReady(), true);
  const rd1 = handle(rn, s);
  assert.deepEqual(rd1.softState, { lead: 1n, raftState: "leader" });
  assert.deepEqual(rd1.hardState, { term: 1, vote: 1n, commit: 0 });
  assert.equal(rd1.entries.length, 1);
  assert.equal(rd1.mustSync, true);
  assert.deepEqual(rd1.committedEntries, [], "not counted before it is persisted");
  const rd2 = handle(rn, s);
  assert.deepEqual(rd2.hardState, { term: 1, vote: 1n, commit: 1 });
  assert.equal(rd2.mustSync, false, "only the commit index changed");
  assert.equal(rd2.softState, undefined);
  assert.deepEqual(
    rd2.committedEntries.map((e) => e.index),
    [1],
  );
  assert.equal(rn.hasReady(), false);

  rn.propose(bytes("x"));
  handle(rn, s);
  const rd4 = handle(rn, s);
  assert.deepEqual(
    rd4.committedEntries.map((e) => new TextDecoder().decode(e.data)),
    ["x"],
  );
  const st = rn.status();
  assert.equal(st.applied, 2);
  assert.equal(st.progress?.get(1n)?.match, 2);
});

test("conf changes travel as encoded entries and are applied by the application", () => {
  const { rn, s } = single();
  rn.campaign();
  handle(rn, s);
  handle(rn, s);
  rn.proposeConfChange({
    id: 7n,
    type: ConfChangeType.AddLearnerNode,
    nodeId: 2n,
    context: bytes("peer-url"),
  });
  handle(rn, s);
  const rd = handle(rn, s);
  const e = rd.committedEntries[0]!;
  assert.equal(e.type, EntryType.ConfChange);
  const cc = decodeConfChange(e.data);
  assert.deepEqual(cc, {
    id: 7n,
    type: ConfChangeType.AddLearnerNode,
    nodeId: 2n,
    context: bytes("peer-url"),
  });
  assert.deepEqual(rn.applyConfChange(cc), { voters: [1n], learners: [2n] });
});

test("propose without a leader throws ErrProposalDropped", () => {
  const s = new MemoryStorage({ voters: [1n, 2n, 3n], learners: [] });
  const rn = new RawNode({
    id: 1n,
    electionTick: 10,
    heartbeatTick: 1,
    storage: s,
    random: mulberry32(3),
  });
  assert.throws(
    () => rn.propose(bytes("x")),
    (err) => err === ErrProposalDropped,
  );
});

test("step rejects local messages and responses from unknown peers", () => {
  const { rn } = single();
  assert.throws(
    () => rn.step(newMessage(MessageType.Hup, 1n, { from: 1n })),
    (err) => err === ErrStepLocalMsg,
  );
  assert.throws(
    () => rn.step(newMessage(MessageType.AppResp, 1n, { from: 9n, term: 1 })),
    (err) => err === ErrStepPeerNotFound,
  );
  // Requests from unknown peers are fine (a new member talks before it is known).
  rn.step(newMessage(MessageType.Vote, 1n, { from: 9n, term: 5, index: 0, logTerm: 0 }));
});

test("a proposal forwarded by a peer that cannot be accepted is dropped silently", () => {
  const s = new MemoryStorage({ voters: [1n, 2n, 3n], learners: [] });
  const rn = new RawNode({
    id: 1n,
    electionTick: 10,
    heartbeatTick: 1,
    storage: s,
    random: mulberry32(3),
  });
  rn.step(
    newMessage(MessageType.Prop, 1n, {
      from: 2n,
      entries: [{ term: 0, index: 0, type: 0, data: bytes("x") }],
    }),
  );
});

test("status reports progress only on the leader", () => {
  const s = new MemoryStorage({ voters: [1n, 2n], learners: [3n] });
  const rn = new RawNode({
    id: 1n,
    electionTick: 10,
    heartbeatTick: 1,
    storage: s,
    random: mulberry32(3),
  });
  assert.equal(rn.status().progress, undefined);
  rn.campaign();
  rn.step(newMessage(MessageType.VoteResp, 1n, { from: 2n, term: 1 }));
  const st = rn.status();
  assert.equal(st.softState.raftState, "leader");
  assert.deepEqual([...st.progress!.keys()].sort(), [1n, 2n, 3n]);
  assert.equal(st.progress!.get(3n)!.isLearner, true);
  assert.equal(st.leadTransferee, 0n);
});

test("advance after entries were replaced keeps the new tail unstable", () => {
  const s = new MemoryStorage({ voters: [1n, 2n], learners: [] });
  const rn = new RawNode({
    id: 2n,
    electionTick: 10,
    heartbeatTick: 1,
    storage: s,
    random: mulberry32(3),
  });
  const e = (term: number, index: number) => ({ term, index, type: 0, data: new Uint8Array(0) });
  rn.step(newMessage(MessageType.App, 2n, { from: 1n, term: 1, entries: [e(1, 1), e(1, 2)] }));
  const rd = rn.ready();
  // Before the write completes, a new leader replaces index 2.
  rn.step(
    newMessage(MessageType.App, 2n, {
      from: 1n,
      term: 2,
      index: 1,
      logTerm: 1,
      entries: [e(2, 2)],
    }),
  );
  s.append(rd.entries);
  rn.advance(rd);
  const rd2 = rn.ready();
  // The replaced entry is still to be written (re-writing index 1 is harmless).
  assert.deepEqual(rd2.entries.at(-1), e(2, 2));
});

test("maxCommittedSizePerReady spreads a large backlog of committed entries over several Readies", () => {
  const s = new MemoryStorage({ voters: [1n, 2n, 3n], learners: [] });
  s.append(
    Array.from({ length: 10 }, (_, i) => ({
      term: 1,
      index: i + 1,
      type: 0,
      data: new Uint8Array(100),
    })),
  );
  s.setHardState({ term: 1, vote: 0n, commit: 10 });
  const rn = new RawNode({
    id: 1n,
    electionTick: 10,
    heartbeatTick: 1,
    storage: s,
    maxCommittedSizePerReady: 300,
    random: mulberry32(3),
  });
  const sizes: number[] = [];
  while (rn.hasReady()) {
    const rd = rn.ready();
    sizes.push(rd.committedEntries.length);
    rn.advance(rd);
  }
  assert.ok(sizes.length >= 4, JSON.stringify(sizes));
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    10,
  );
});

test("a single-voter leader answers reads itself once it has committed in its term", () => {
  const { rn, s } = single();
  rn.campaign();
  rn.readIndex(bytes("early"));
  const rd1 = handle(rn, s);
  assert.deepEqual(rd1.readStates, [], "deferred until the empty entry commits");
  const rd2 = handle(rn, s);
  assert.deepEqual(
    rd2.readStates.map((r) => [new TextDecoder().decode(r.requestCtx), r.index]),
    [["early", 1]],
  );
  rn.readIndex(bytes("now"));
  assert.deepEqual(
    handle(rn, s).readStates.map((r) => r.index),
    [1],
  );
});
