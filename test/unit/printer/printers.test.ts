// Each format's rendering of representative responses, byte for byte against etcdctl's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrinter } from "../../../src/printer/index.js";
import type { PrintSink } from "../../../src/printer/index.js";
import type { MemberListResponse, RangeResponse } from "../../../src/proto/index.js";

function capture(): PrintSink & { text: () => string; errText: () => string } {
  const out: Buffer[] = [];
  let err = "";
  return {
    out: (t) => void out.push(Buffer.from(t)),
    err: (t) => void (err += t),
    text: () => Buffer.concat(out).toString(),
    errText: () => err,
  };
}

const header = {
  clusterId: 324952591200643719n,
  memberId: 3319814642761637952n,
  revision: 3n,
  raftTerm: 2n,
};
const range: RangeResponse = {
  header,
  kvs: [
    {
      key: Buffer.from("foo"),
      createRevision: 2n,
      modRevision: 2n,
      version: 1n,
      value: Buffer.from("bar"),
      lease: 0n,
    },
  ],
  more: false,
  count: 1n,
};

test("get in simple, json and fields", async () => {
  const s = capture();
  (await createPrinter("simple", s)).get(range);
  assert.equal(s.text(), "foo\nbar\n");
  const j = capture();
  (await createPrinter("json", j)).get(range);
  assert.equal(
    j.text(),
    '{"header":{"cluster_id":324952591200643719,"member_id":3319814642761637952,"revision":3,"raft_term":2},"kvs":[{"key":"Zm9v","create_revision":2,"mod_revision":2,"version":1,"value":"YmFy"}],"count":1}\n',
  );
  const f = capture();
  (await createPrinter("fields", f)).get(range);
  assert.match(
    f.text(),
    /^"ClusterID" : 324952591200643719\n[^]*"Value" : "bar"\n"Lease" : 0\n"More" : false\n"Count" : 1\n$/,
  );
});

test("unsupported formats fail with etcdctl's text", async () => {
  await assert.rejects(createPrinter("bogus"), /unsupported output format/);
  const t = await createPrinter("table", capture());
  assert.throws(() => t.get(range), /table not supported as output format/);
});

test("member list table", async () => {
  const r: MemberListResponse = {
    header,
    members: [
      {
        ID: 0x2e1259d415f2a040n,
        name: "default",
        peerURLs: ["http://127.0.0.1:23800"],
        clientURLs: ["http://127.0.0.1:23790"],
        isLearner: false,
      },
    ],
  };
  const t = capture();
  (await createPrinter("table", t)).memberList(r);
  assert.equal(
    t.text(),
    [
      "+------------------+---------+---------+------------------------+------------------------+------------+",
      "|        ID        | STATUS  |  NAME   |       PEER ADDRS       |      CLIENT ADDRS      | IS LEARNER |",
      "+------------------+---------+---------+------------------------+------------------------+------------+",
      "| 2e1259d415f2a040 | started | default | http://127.0.0.1:23800 | http://127.0.0.1:23790 |      false |",
      "+------------------+---------+---------+------------------------+------------------------+------------+",
      "",
    ].join("\n"),
  );
  const s = capture();
  (await createPrinter("simple", s)).memberList(r);
  assert.equal(
    s.text(),
    "2e1259d415f2a040, started, default, http://127.0.0.1:23800, http://127.0.0.1:23790, false\n",
  );
});

test("endpoint health goes to stderr in simple format", async () => {
  const s = capture();
  (await createPrinter("simple", s)).endpointHealth([
    { endpoint: "127.0.0.1:1", health: false, took: "", error: "context deadline exceeded" },
  ]);
  assert.equal(s.text(), "");
  assert.equal(
    s.errText(),
    "127.0.0.1:1 is unhealthy: failed to commit proposal: context deadline exceeded\n",
  );
});
