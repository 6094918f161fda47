// ReadIndex: linearizable read points confirmed by a heartbeat round, batched so many
// requests share one round, deferred until the leader has committed in its term.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MessageType } from "../../../src/raft/index.js";
import { Cluster, bytes, text } from "./harness.js";
import { drain, makeLeader, msg, newRaft, persistAll, storageWith } from "./helpers.js";

test("many reads between two Readies share a single heartbeat round", () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.elect(1n);
  c.propose(1n, "a");
  const rn = c.rn(1n);
  for (let i = 0; i < 20; i++) rn.readIndex(bytes(`q${i}`));
  const rd = rn.ready();
  const heartbeats = rd.messages.filter((m) => m.type === MessageType.Heartbeat);
  assert.equal(heartbeats.length, 2, "one heartbeat per follower for all 20 reads");
  assert.equal(text(heartbeats[0]!.context!), "q19");
  for (const m of rd.messages) c.pending.push(m);
  rn.advance(rd);
  c.stabilize();
  const reads = c.node(1n).readStates.map((rs) => `${text(rs.requestCtx)}@${rs.index}`);
  assert.equal(reads.length, 20);
  assert.ok(reads.every((r) => r.endsWith("@3")));
  assert.deepEqual(reads.slice(0, 2), ["q0@3", "q1@3"]);
});

test("a new leader defers reads until it has committed an entry of its term", () => {
  const storage = storageWith([1n, 2n, 3n]);
  const r = newRaft(1n, [1n, 2n, 3n], { storage });
  makeLeader(r);
  r.step(
    msg(MessageType.ReadIndex, 1n, 0n, {
      entries: [{ term: 0, index: 0, type: 0, data: bytes("early") }],
    }),
  );
  r.flushReadIndex();
  assert.deepEqual(drain(r), [], "no heartbeat round yet");
  persistAll(r, storage);
  r.step(msg(MessageType.AppResp, 2n, 1n, { term: r.term, index: 1 }));
  assert.equal(r.raftLog.committed, 1);
  r.flushReadIndex();
  const hb = drain(r).filter((m) => m.type === MessageType.Heartbeat);
  assert.equal(hb.length, 2);
  r.step(msg(MessageType.HeartbeatResp, 2n, 1n, { term: r.term, context: hb[0]!.context }));
  assert.deepEqual(
    r.readStates.map((rs) => [text(rs.requestCtx), rs.index]),
    [["early", 1]],
  );
});

test("lease-based reads are answered at once (only with check-quorum)", () => {
  assert.throws(() => newRaft(1n, [1n, 2n, 3n], { readOnlyOption: "leaseBased" }), /CheckQuorum/);
  const c = new Cluster([1n, 2n, 3n], [], { checkQuorum: true, readOnlyOption: "leaseBased" });
  c.elect(1n);
  c.propose(1n, "a");
  c.rn(1n).readIndex(bytes("fast"));
  const rd = c.rn(1n).ready();
  assert.deepEqual(
    rd.readStates.map((rs) => [text(rs.requestCtx), rs.index]),
    [["fast", 3]],
  );
  assert.equal(rd.messages.filter((m) => m.type === MessageType.Heartbeat).length, 0);
  c.rn(1n).advance(rd);
});

test("a follower's read is forwarded to the leader and answered to the follower", () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.elect(1n);
  c.propose(1n, "a");
  c.rn(3n).readIndex(bytes("f"));
  c.stabilize();
  assert.deepEqual(
    c.node(3n).readStates.map((rs) => [text(rs.requestCtx), rs.index]),
    [["f", 3]],
  );
  assert.deepEqual(c.node(1n).readStates, []);
});

test("a read on a node without a leader is dropped", () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.rn(2n).readIndex(bytes("x"));
  c.stabilize();
  assert.deepEqual(c.node(2n).readStates, []);
});
