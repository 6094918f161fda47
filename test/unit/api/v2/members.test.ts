import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { CLUSTER_ID, fakeMember, request, serve } from "./fake.js";
import type { FakeMember, Served } from "./fake.js";

let m: FakeMember;
let srv: Served;

before(async () => {
  m = fakeMember();
  srv = await serve(m.deps);
});
after(async () => {
  await srv.close();
});

test("GET /v2/members and /v2/members/leader", async () => {
  const r = await request(srv.url, "GET", "/v2/members");
  assert.equal(r.status, 200);
  assert.equal(r.headers["content-type"], "application/json");
  assert.equal(r.headers["x-etcd-cluster-id"], CLUSTER_ID);
  assert.equal(
    r.body,
    '{"members":[{"id":"8e9e05c52164694d","name":"default","peerURLs":["http://127.0.0.1:2380"],' +
      '"clientURLs":["http://127.0.0.1:2379"]}]}\n',
  );
  const l = await request(srv.url, "GET", "/v2/members/leader");
  assert.equal(
    l.body,
    '{"id":"8e9e05c52164694d","name":"default","peerURLs":["http://127.0.0.1:2380"],' +
      '"clientURLs":["http://127.0.0.1:2379"]}\n',
  );
  const other = await request(srv.url, "GET", "/v2/members/whatever");
  assert.equal(other.status, 404);
  assert.equal(other.body, '{"message":"Not found"}');
});

test("leader during an election: 503", async () => {
  const f = fakeMember();
  f.deps.leaderInfo = () => null;
  const s = await serve(f.deps);
  try {
    const r = await request(s.url, "GET", "/v2/members/leader");
    assert.equal(r.status, 503);
    assert.equal(r.body, '{"message":"During election"}');
  } finally {
    await s.close();
  }
});

test("POST /v2/members: content type, validation, 201, 409", async () => {
  const form = await request(srv.url, "POST", "/v2/members", {
    body: "peerURLs=x",
    contentType: "application/x-www-form-urlencoded",
  });
  assert.equal(form.status, 415);
  assert.equal(
    form.body,
    '{"message":"Bad Content-Type application/x-www-form-urlencoded, accept application/json"}',
  );
  const bad = await request(srv.url, "POST", "/v2/members", {
    body: '{"peerURLs":["ftp://h:1"]}',
    contentType: "application/json",
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body, '{"message":"URL scheme must be http, https, unix, or unixs: ftp://h:1"}');
  const noPort = await request(srv.url, "POST", "/v2/members", {
    body: '{"peerURLs":["http://h"]}',
    contentType: "application/json",
  });
  assert.equal(
    noPort.body,
    '{"message":"URL address does not have the form \\"host:port\\": http://h"}',
  );
  const ok = await request(srv.url, "POST", "/v2/members", {
    body: '{"peerURLs":["http://127.0.0.1:45782"]}',
    contentType: "application/json; charset=utf-8",
  });
  assert.equal(ok.status, 201);
  assert.equal(
    ok.body,
    '{"id":"4893a268bf707499","name":"","peerURLs":["http://127.0.0.1:45782"],"clientURLs":[]}\n',
  );
  const dup = await request(srv.url, "POST", "/v2/members", {
    body: '{"peerURLs":["http://127.0.0.1:45782"]}',
    contentType: "application/json",
  });
  assert.equal(dup.status, 409);
  assert.equal(dup.body, '{"message":"membership: peerURL exists"}');
});

test("PUT and DELETE /v2/members/<id>", async () => {
  const upd = await request(srv.url, "PUT", "/v2/members/4893a268bf707499", {
    body: '{"peerURLs":["http://127.0.0.1:45783"]}',
    contentType: "application/json",
  });
  assert.equal(upd.status, 204);
  assert.deepEqual(m.members[1]!.peerURLs, ["http://127.0.0.1:45783"]);
  const del = await request(srv.url, "DELETE", "/v2/members/4893a268bf707499");
  assert.equal(del.status, 204);
  assert.equal(del.body, "");
  const unknown = await request(srv.url, "DELETE", "/v2/members/abcd");
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body, '{"message":"No such member: abcd"}');
  const notHex = await request(srv.url, "DELETE", "/v2/members/xyz");
  assert.equal(notHex.status, 404);
  assert.equal(notHex.body, '{"message":"No such member: xyz"}');
  const removed = await request(srv.url, "DELETE", "/v2/members/dead");
  assert.equal(removed.status, 410);
  assert.equal(removed.body, '{"message":"Member permanently removed: dead"}');
  const noId = await request(srv.url, "DELETE", "/v2/members");
  assert.equal(noId.status, 405);
  const patch = await request(srv.url, "PATCH", "/v2/members");
  assert.equal(patch.status, 405);
  assert.equal(patch.headers.allow, "GET,POST,DELETE,PUT");
});

test("/v2/machines lists client URLs", async () => {
  m.members.push({ id: 1n, name: "b", peerURLs: [], clientURLs: ["http://127.0.0.1:1"] });
  try {
    const r = await request(srv.url, "GET", "/v2/machines");
    assert.equal(r.status, 200);
    assert.equal(r.body, "http://127.0.0.1:1, http://127.0.0.1:2379");
  } finally {
    m.members.pop();
  }
});

test("/v2/stats/store, self and leader", async () => {
  await request(srv.url, "PUT", "/v2/keys/s", { form: { value: "1" } });
  await request(srv.url, "GET", "/v2/keys/s");
  await request(srv.url, "GET", "/v2/keys/nope");
  const st = await request(srv.url, "GET", "/v2/stats/store");
  assert.equal(st.status, 200);
  assert.equal(st.headers["content-type"], "application/json");
  assert.equal(
    st.body,
    '{"getsSuccess":1,"getsFail":1,"setsSuccess":3,"setsFail":0,"deleteSuccess":0,"deleteFail":0,' +
      '"updateSuccess":0,"updateFail":0,"createSuccess":1,"createFail":0,"compareAndSwapSuccess":0,' +
      '"compareAndSwapFail":0,"compareAndDeleteSuccess":0,"compareAndDeleteFail":0,"expireCount":0,' +
      '"watchers":0}',
  );
  const self = await request(srv.url, "GET", "/v2/stats/self");
  assert.equal(
    self.body,
    '{"name":"default","id":"8e9e05c52164694d","state":"StateLeader",' +
      '"startTime":"2026-11-24T10:19:51.919Z","leaderInfo":{"leader":"8e9e05c52164694d",' +
      '"uptime":"7.2735s","startTime":"2026-11-24T10:19:52.02Z"},"recvAppendRequestCnt":0,' +
      '"sendAppendRequestCnt":0}',
  );
  const leader = await request(srv.url, "GET", "/v2/stats/leader");
  assert.equal(leader.body, '{"leader":"8e9e05c52164694d","followers":{}}');
  const post = await request(srv.url, "POST", "/v2/stats/store");
  assert.equal(post.status, 405);
});

test("/v2/stats/leader on a follower: 403", async () => {
  const f = fakeMember();
  f.deps.leaderStats = () => null;
  f.deps.selfStats = undefined;
  const s = await serve(f.deps);
  try {
    const r = await request(s.url, "GET", "/v2/stats/leader");
    assert.equal(r.status, 403);
    assert.equal(r.body, '{"message":"not current leader"}');
  } finally {
    await s.close();
  }
});
