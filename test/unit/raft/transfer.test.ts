// Leadership transfer: the leader catches the transferee up, then sends it MsgTimeoutNow
// so it campaigns at once (even through leases); proposals are refused meanwhile.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MessageType, ProposalDroppedError } from "../../../src/raft/index.js";
import { Cluster, bytes } from "./harness.js";

test("transfer to a lagging follower catches it up first, then hands over", () => {
  const c = new Cluster([1n, 2n, 3n], [], { checkQuorum: true, preVote: true });
  c.elect(1n);
  c.crash(3n);
  c.propose(1n, "a");
  c.propose(1n, "b");
  c.restart(3n);
  c.rn(1n).transferLeader(3n);
  assert.equal(c.rn(1n).status().leadTransferee, 3n);
  assert.throws(() => c.rn(1n).propose(bytes("during")), ProposalDroppedError);
  c.stabilize();
  assert.deepEqual(c.leaders(), [3n]);
  assert.deepEqual(c.logOf(3n).slice(0, 3), ["2", "2:a", "2:b"]);
  c.propose(3n, "c");
  assert.deepEqual(c.appliedData(1n), ["a", "b", "c"]);
});

test("a transfer that cannot complete is abandoned after an election timeout", () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.elect(1n);
  c.isolate(3n);
  c.rn(1n).transferLeader(3n);
  c.stabilize();
  assert.equal(c.rn(1n).status().leadTransferee, 3n);
  for (let i = 0; i < 10; i++) c.rn(1n).tick();
  c.stabilize();
  assert.equal(c.rn(1n).status().leadTransferee, 0n);
  assert.deepEqual(c.leaders(), [1n]);
  c.propose(1n, "after");
});

test("transfer to self, to a learner, or to an unknown node is ignored", () => {
  const c = new Cluster([1n, 2n], [3n]);
  c.elect(1n);
  for (const t of [1n, 3n, 9n]) {
    c.rn(1n).transferLeader(t);
    c.stabilize();
    assert.equal(c.rn(1n).status().leadTransferee, 0n, `transferee ${t}`);
    assert.deepEqual(c.leaders(), [1n]);
  }
});

test("a follower forwards a transfer request to the leader", () => {
  const c = new Cluster([1n, 2n, 3n]);
  c.elect(1n);
  c.rn(2n).transferLeader(2n);
  c.stabilize();
  assert.deepEqual(c.leaders(), [2n]);
});

test("MsgTimeoutNow makes the target campaign immediately, skipping pre-vote", () => {
  const c = new Cluster([1n, 2n, 3n], [], { preVote: true });
  c.elect(1n);
  const before = c.rn(2n).raft.term;
  c.dropTypes.add(MessageType.Vote);
  c.rn(1n).transferLeader(2n);
  c.stabilize();
  assert.equal(c.rn(2n).raft.state, "candidate");
  assert.equal(c.rn(2n).raft.term, before + 1);
});

test("with disableProposalForwarding a follower refuses proposals instead of forwarding", () => {
  const c = new Cluster([1n, 2n, 3n], [], { disableProposalForwarding: true });
  c.elect(1n);
  assert.throws(() => c.rn(2n).propose(bytes("x")), ProposalDroppedError);
  c.propose(1n, "y");
  assert.deepEqual(c.appliedData(2n), ["y"]);
});
