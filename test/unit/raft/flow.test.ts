// Flow control of log replication: probe vs replicate states, the bounded in-flight
// window, per-message size limits and the uncommitted-size budget.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MessageType, ProposalDroppedError } from "../../../src/raft/index.js";
import { drain, makeLeader, msg, newRaft } from "./helpers.js";

const V = [1n, 2n];
const prop = (data: Uint8Array) =>
  msg(MessageType.Prop, 1n, 0n, { entries: [{ term: 0, index: 0, type: 0, data }] });
const toTwo = (r: ReturnType<typeof newRaft>) =>
  drain(r).filter((m) => m.to === 2n && m.type === MessageType.App);

test("probe state: one append in flight until the follower answers or a heartbeat round passes", () => {
  const r = newRaft(1n, V);
  makeLeader(r);
  r.prs.progress.get(2n)!.probeSent = false;
  for (let i = 0; i < 5; i++) r.step(prop(new Uint8Array([i])));
  assert.equal(toTwo(r).length, 1);
  r.step(msg(MessageType.HeartbeatResp, 2n, 1n, { term: r.term }));
  assert.equal(toTwo(r).length, 1, "a heartbeat response lets one more probe out");
});

test("replicate state: pipelines up to maxInflightMsgs, pauses, and resumes as acks arrive", () => {
  const r = newRaft(1n, V, { maxInflightMsgs: 3 });
  makeLeader(r);
  r.step(msg(MessageType.AppResp, 2n, 1n, { term: r.term, index: 1 })); // now replicate
  drain(r);
  assert.equal(r.prs.progress.get(2n)!.state, "replicate");
  for (let i = 0; i < 10; i++) r.step(prop(new Uint8Array([i])));
  const sent = toTwo(r);
  assert.equal(sent.length, 3, "window of 3");
  assert.ok(r.prs.progress.get(2n)!.isPaused());
  // Acknowledging the first message frees one slot and keeps the pipeline full.
  r.step(msg(MessageType.AppResp, 2n, 1n, { term: r.term, index: sent[0]!.entries.at(-1)!.index }));
  const more = toTwo(r);
  assert.ok(more.length >= 1);
  assert.equal(r.prs.progress.get(2n)!.inflights.length(), 3);
});

test("a rejected append in replicate state falls back to probing", () => {
  const r = newRaft(1n, V);
  makeLeader(r);
  r.step(msg(MessageType.AppResp, 2n, 1n, { term: r.term, index: 1 }));
  r.step(prop(new Uint8Array([1])));
  drain(r);
  r.step(msg(MessageType.AppResp, 2n, 1n, { term: r.term, index: 2, reject: true, rejectHint: 1 }));
  assert.equal(r.prs.progress.get(2n)!.state, "probe");
  assert.equal(toTwo(r).length, 1);
});

test("maxSizePerMsg splits entries over several appends (at least one entry each)", () => {
  const r = newRaft(1n, V, { maxSizePerMsg: 100 });
  makeLeader(r);
  r.step(msg(MessageType.AppResp, 2n, 1n, { term: r.term, index: 1 }));
  const pr = r.prs.progress.get(2n)!;
  pr.becomeProbe();
  pr.probeSent = true; // hold sending while the entries queue up
  for (let i = 0; i < 6; i++) r.step(prop(new Uint8Array(40)));
  r.step(prop(new Uint8Array(500))); // bigger than the limit on its own
  drain(r);
  pr.becomeReplicate();
  for (let i = 0; i < 10; i++) r.sendAppend(2n);
  const sent = toTwo(r).filter((m) => m.entries.length > 0);
  assert.deepEqual(
    sent.map((m) => m.entries.length),
    [1, 1, 1, 1, 1, 1, 1],
  );
  assert.equal(sent.at(-1)!.entries[0]!.data.byteLength, 500);
});

test("maxUncommittedEntriesSize drops proposals beyond the budget until entries commit", () => {
  const r = newRaft(1n, V, { maxUncommittedEntriesSize: 100 });
  makeLeader(r);
  r.step(prop(new Uint8Array(60)));
  r.step(prop(new Uint8Array(30)));
  assert.throws(() => r.step(prop(new Uint8Array(30))), ProposalDroppedError);
  r.reduceUncommittedSize([{ term: 0, index: 0, type: 0, data: new Uint8Array(60) }]);
  r.step(prop(new Uint8Array(30)));
});

test("Unreachable moves a pipelining follower back to probe", () => {
  const r = newRaft(1n, V);
  makeLeader(r);
  r.step(msg(MessageType.AppResp, 2n, 1n, { term: r.term, index: 1 }));
  assert.equal(r.prs.progress.get(2n)!.state, "replicate");
  r.step(msg(MessageType.Unreachable, 2n, 0n));
  assert.equal(r.prs.progress.get(2n)!.state, "probe");
});
