import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { CLUSTER_ID, fakeMember, request, serve } from "./fake.js";
import type { FakeMember, Served } from "./fake.js";
import type { V2Store } from "../../../../src/v2store/index.js";

/** Everything but the get counters, which count local reads and so differ per member. */
function replicated(s: V2Store) {
  const j = s.toJSON();
  return { ...j, stats: { ...j.stats, getsSuccess: 0, getsFail: 0 } };
}

let m: FakeMember;
let srv: Served;

before(async () => {
  m = fakeMember();
  srv = await serve(m.deps);
});
after(async () => {
  await srv.close();
});

const put = (path: string, form: Record<string, string>) =>
  request(srv.url, "PUT", "/v2/keys" + path, { form });
const get = (pathAndQuery: string) => request(srv.url, "GET", "/v2/keys" + pathAndQuery);

test("PUT set: 201 then 200 with prevNode, exact headers", async () => {
  const r1 = await put("/foo", { value: "bar" });
  assert.equal(r1.status, 201);
  assert.equal(
    r1.body,
    '{"action":"set","node":{"key":"/foo","value":"bar","modifiedIndex":4,"createdIndex":4}}\n',
  );
  assert.equal(r1.headers["content-type"], "application/json");
  assert.equal(r1.headers["x-etcd-cluster-id"], CLUSTER_ID);
  assert.equal(r1.headers["x-etcd-index"], "4");
  assert.equal(r1.headers["x-raft-index"], "5");
  assert.equal(r1.headers["x-raft-term"], "2");
  const r2 = await put("/foo", { value: "baz" });
  assert.equal(r2.status, 200);
  assert.equal(
    r2.body,
    '{"action":"set","node":{"key":"/foo","value":"baz","modifiedIndex":5,"createdIndex":5},' +
      '"prevNode":{"key":"/foo","value":"bar","modifiedIndex":4,"createdIndex":4}}\n',
  );
  assert.deepEqual(replicated(m.local), replicated(m.replica));
});

test("CAS recipes: prevExist, prevValue, prevIndex and their error JSON", async () => {
  await put("/cas", { value: "one" }); // 6
  const exists = await request(srv.url, "PUT", "/v2/keys/cas?prevExist=false", {
    form: { value: "x" },
  });
  assert.equal(exists.status, 412);
  assert.equal(
    exists.body,
    '{"errorCode":105,"message":"Key already exists","cause":"/cas","index":6}\n',
  );
  assert.equal(exists.headers["x-etcd-index"], "6");
  assert.equal(exists.headers["x-etcd-cluster-id"], CLUSTER_ID);
  assert.equal(exists.headers["x-raft-index"], undefined);

  const missing = await put("/nocas", { value: "x", prevExist: "true" });
  assert.equal(missing.status, 404);
  assert.equal(
    missing.body,
    '{"errorCode":100,"message":"Key not found","cause":"/nocas","index":6}\n',
  );

  const badValue = await put("/cas", { value: "two", prevValue: "nope" });
  assert.equal(badValue.status, 412);
  assert.equal(
    badValue.body,
    '{"errorCode":101,"message":"Compare failed","cause":"[nope != one]","index":6}\n',
  );
  const badBoth = await put("/cas", { value: "two", prevValue: "nope", prevIndex: "1" });
  assert.equal(
    badBoth.body,
    '{"errorCode":101,"message":"Compare failed","cause":"[nope != one] [1 != 6]","index":6}\n',
  );
  const ok = await put("/cas", { value: "two", prevIndex: "6" });
  assert.equal(ok.status, 200);
  assert.equal(
    ok.body,
    '{"action":"compareAndSwap","node":{"key":"/cas","value":"two","modifiedIndex":7,"createdIndex":6},' +
      '"prevNode":{"key":"/cas","value":"one","modifiedIndex":6,"createdIndex":6}}\n',
  );
  const upd = await put("/cas", { value: "three", prevExist: "true" });
  assert.equal(upd.status, 200);
  assert.match(upd.body, /^\{"action":"update","node":\{"key":"\/cas","value":"three"/);
  const created = await put("/cas2", { value: "n", prevExist: "false" });
  assert.equal(created.status, 201);
  assert.match(created.body, /^\{"action":"create"/);
  const cad = await request(srv.url, "DELETE", "/v2/keys/cas?prevValue=three");
  assert.equal(cad.status, 200);
  assert.match(
    cad.body,
    /^\{"action":"compareAndDelete","node":\{"key":"\/cas","modifiedIndex":10/,
  );
  const noValue = await put("/cas2", { value: "m", noValueOnSuccess: "true" });
  assert.equal(noValue.body, '{"action":"set"}\n');
});

test("parameter validation: codes, causes, index 0", async () => {
  const cases: [string, string, Record<string, string>, string][] = [
    [
      "PUT",
      "/k?ttl=abc",
      { value: "v" },
      '{"errorCode":202,"message":"The given TTL in POST form is not a number","cause":"invalid value for \\"ttl\\"","index":0}',
    ],
    [
      "PUT",
      "/k?prevIndex=-1",
      { value: "v" },
      '{"errorCode":203,"message":"The given index in POST form is not a number","cause":"invalid value for \\"prevIndex\\"","index":0}',
    ],
    [
      "GET",
      "/k?wait=true&waitIndex=x",
      {},
      '{"errorCode":203,"message":"The given index in POST form is not a number","cause":"invalid value for \\"waitIndex\\"","index":0}',
    ],
    [
      "GET",
      "/k?recursive=bad",
      {},
      '{"errorCode":209,"message":"Invalid field","cause":"invalid value for \\"recursive\\"","index":0}',
    ],
    [
      "GET",
      "/k?sorted=",
      {},
      '{"errorCode":209,"message":"Invalid field","cause":"invalid value for \\"sorted\\"","index":0}',
    ],
    [
      "PUT",
      "/k?wait=true",
      { value: "v" },
      '{"errorCode":209,"message":"Invalid field","cause":"\\"wait\\" can only be used with GET requests","index":0}',
    ],
    [
      "PUT",
      "/k?prevExist=maybe",
      { value: "v" },
      '{"errorCode":209,"message":"Invalid field","cause":"invalid value for prevExist","index":0}',
    ],
    [
      "PUT",
      "/k?refresh=x",
      { ttl: "5" },
      '{"errorCode":209,"message":"Invalid field","cause":"invalid value for refresh","index":0}',
    ],
    [
      "PUT",
      "/k?prevValue=",
      { value: "v" },
      '{"errorCode":201,"message":"PrevValue is Required in POST form","cause":"\\"prevValue\\" cannot be empty","index":0}',
    ],
    [
      "PUT",
      "/k?refresh=true",
      { value: "v", ttl: "5" },
      '{"errorCode":211,"message":"Value provided on refresh","cause":"A value was provided on a refresh","index":0}',
    ],
    [
      "PUT",
      "/k?refresh=true",
      {},
      '{"errorCode":212,"message":"A TTL must be provided on refresh","cause":"No TTL value set","index":0}',
    ],
    [
      "GET",
      "/k?a=%zz",
      {},
      '{"errorCode":210,"message":"Invalid POST form","cause":"invalid URL escape \\"%zz\\"","index":0}',
    ],
  ];
  for (const [method, path, form, expected] of cases) {
    const r = await request(srv.url, method, "/v2/keys" + path, method === "GET" ? {} : { form });
    assert.equal(r.status, 400, path);
    assert.equal(r.body, expected + "\n", path);
    assert.equal(r.headers["x-etcd-index"], "0", path);
  }
});

test("Go ParseBool spellings are accepted; body params win over the query", async () => {
  for (const t of ["1", "t", "T", "TRUE", "true", "True"]) {
    const r = await get(`/?recursive=${t}`);
    assert.equal(r.status, 200, t);
  }
  const r = await request(srv.url, "PUT", "/v2/keys/prec?value=fromquery", {
    form: { value: "frombody" },
  });
  assert.match(r.body, /"value":"frombody"/);
});

test("a huge ttl is capped at the end of year 9999", async () => {
  const r = await put("/huge", { value: "v", ttl: "18446744073709551615" });
  assert.equal(r.status, 201);
  assert.match(r.body, /"expiration":"9999-12-31T23:59:59.999Z"/);
});

test("405 for other methods, 404 for unknown paths, read-only root", async () => {
  const r = await request(srv.url, "PATCH", "/v2/keys/foo");
  assert.equal(r.status, 405);
  assert.equal(r.headers.allow, "HEAD,GET,PUT,POST,DELETE");
  assert.equal(r.body, "Method Not Allowed\n");
  const nf = await request(srv.url, "GET", "/v2/nothing");
  assert.equal(nf.status, 404);
  assert.equal(nf.body, "404 page not found\n");
  const ro = await request(srv.url, "PUT", "/v2/keys/", { form: { value: "x" } });
  assert.equal(ro.status, 400);
  assert.match(
    ro.body,
    /^\{"errorCode":107,"message":"Root is read only","cause":"\/","index":\d+\}\n$/,
  );
  const head = await request(srv.url, "HEAD", "/v2/keys/foo");
  assert.equal(head.status, 200);
  assert.equal(head.body, "");
});

test("distributed queue: POST in-order keys, listed with recursive+sorted", async () => {
  const j1 = await request(srv.url, "POST", "/v2/keys/queue", { form: { value: "job1" } });
  const j2 = await request(srv.url, "POST", "/v2/keys/queue", { form: { value: "job2" } });
  assert.equal(j1.status, 201);
  const i1 = Number(j1.headers["x-etcd-index"]);
  const k1 = `/queue/${String(i1).padStart(20, "0")}`;
  const k2 = `/queue/${String(i1 + 1).padStart(20, "0")}`;
  assert.equal(
    j1.body,
    `{"action":"create","node":{"key":"${k1}","value":"job1","modifiedIndex":${i1},"createdIndex":${i1}}}\n`,
  );
  assert.equal(j2.status, 201);
  const list = await get("/queue?recursive=true&sorted=true");
  assert.equal(
    list.body,
    `{"action":"get","node":{"key":"/queue","dir":true,"nodes":[` +
      `{"key":"${k1}","value":"job1","modifiedIndex":${i1},"createdIndex":${i1}},` +
      `{"key":"${k2}","value":"job2","modifiedIndex":${i1 + 1},"createdIndex":${i1 + 1}}],` +
      `"modifiedIndex":${i1},"createdIndex":${i1}}}\n`,
  );
  // Take the head of the queue with a compare-and-delete on its index.
  const take = await request(srv.url, "DELETE", `/v2/keys${k1}?prevIndex=${i1}`);
  assert.equal(take.status, 200);
  assert.match(take.body, /"action":"compareAndDelete"/);
});

test("service registration: ttl, refresh without notifying, expiry", async () => {
  const reg = await put("/services/web/a", { value: "10.0.0.1:80", ttl: "30" });
  assert.equal(reg.status, 201);
  assert.equal(
    reg.body,
    `{"action":"set","node":{"key":"/services/web/a","value":"10.0.0.1:80",` +
      `"expiration":"2026-11-22T22:13:22.043Z","ttl":30,"modifiedIndex":${reg.headers["x-etcd-index"]},` +
      `"createdIndex":${reg.headers["x-etcd-index"]}}}\n`,
  );
  // A watcher on the service dir must not see the refresh.
  const watching = get("/services?wait=true&recursive=true");
  await new Promise((r) => setTimeout(r, 20));
  m.clock.nowMs += 10_000;
  const ref = await put("/services/web/a?refresh=true&prevExist=true", { ttl: "30" });
  assert.equal(ref.status, 200);
  assert.match(
    ref.body,
    /"action":"update".*"value":"10.0.0.1:80","expiration":"2026-11-22T22:13:32.043Z","ttl":30/,
  );
  m.sync(m.clock.nowMs + 29_000); // not yet due
  m.sync(m.clock.nowMs + 30_000); // due
  const w = await watching;
  assert.equal(w.status, 200);
  assert.match(
    w.body,
    /^\{"action":"expire","node":\{"key":"\/services\/web\/a","modifiedIndex":\d+,"createdIndex":\d+\},"prevNode":\{"key":"\/services\/web\/a","value":"10.0.0.1:80","expiration":"2026-11-22T22:13:32.043Z","modifiedIndex"/,
  );
  const gone = await get("/services/web/a");
  assert.equal(gone.status, 404);
  assert.deepEqual(replicated(m.local), replicated(m.replica));
});

test("long-poll watch returns on a write; X-Etcd-Index is the index when the wait began", async () => {
  const before = m.local.index;
  const watching = get("/lp/key?wait=true");
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(m.local.watcherCount, 1);
  await put("/lp/other", { value: "x" });
  await put("/lp/key", { value: "hello" });
  const w = await watching;
  assert.equal(w.status, 200);
  assert.equal(w.headers["x-etcd-index"], String(before));
  assert.equal(
    w.body,
    `{"action":"set","node":{"key":"/lp/key","value":"hello","modifiedIndex":${before + 2},"createdIndex":${before + 2}}}\n`,
  );
  assert.equal(m.local.watcherCount, 0);
  // waitIndex answers from the history at once.
  const past = await get(`/lp/key?wait=true&waitIndex=${before + 1}`);
  assert.match(past.body, /"value":"hello"/);
  const cleared = await get("/lp/key?wait=true&waitIndex=1");
  assert.equal(cleared.status, 200, "history still holds index 1 here");
});

test("stream watch delivers several events; disconnecting releases the watcher", async () => {
  const events: string[] = [];
  const req = http.get(srv.url + "/v2/keys/st?wait=true&recursive=true&stream=true");
  const done = new Promise<void>((resolve) => {
    req.on("response", (res) => {
      res.setEncoding("utf8");
      let buf = "";
      res.on("data", (c: string) => {
        buf += c;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          events.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          if (events.length === 2) resolve();
        }
      });
    });
  });
  req.on("error", () => {});
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(m.local.watcherCount, 1);
  await put("/st/a", { value: "1" });
  await put("/st/b", { value: "2" });
  await done;
  assert.match(events[0]!, /"key":"\/st\/a"/);
  assert.match(events[1]!, /"key":"\/st\/b"/);
  req.destroy();
  for (let i = 0; i < 50 && m.local.watcherCount > 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(m.local.watcherCount, 0);
});

test("a long-poll client that goes away releases its watcher", async () => {
  const req = http.get(srv.url + "/v2/keys/gone?wait=true");
  req.on("error", () => {});
  for (let i = 0; i < 50 && m.local.watcherCount === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(m.local.watcherCount, 1);
  req.destroy();
  for (let i = 0; i < 50 && m.local.watcherCount > 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(m.local.watcherCount, 0);
});

test("delete of a directory needs dir or recursive", async () => {
  await put("/dd/a", { value: "1" });
  const notFile = await request(srv.url, "DELETE", "/v2/keys/dd");
  assert.equal(notFile.status, 403);
  assert.match(notFile.body, /"errorCode":102,"message":"Not a file","cause":"\/dd"/);
  const notEmpty = await request(srv.url, "DELETE", "/v2/keys/dd?dir=true");
  assert.equal(notEmpty.status, 403);
  assert.match(notEmpty.body, /"errorCode":108,"message":"Directory not empty","cause":"\/dd"/);
  const ok = await request(srv.url, "DELETE", "/v2/keys/dd?recursive=true");
  assert.equal(ok.status, 200);
  assert.match(ok.body, /^\{"action":"delete","node":\{"key":"\/dd","dir":true,/);
  const mk = await put("/mk", { dir: "true" });
  assert.equal(mk.status, 201);
  assert.match(mk.body, /^\{"action":"set","node":\{"key":"\/mk","dir":true,"modifiedIndex"/);
  const again = await put("/mk", { dir: "true" });
  assert.equal(again.status, 403);
  assert.match(again.body, /"errorCode":102/);
});

test("quorum GET goes through propose; plain GET does not", async () => {
  const n = m.proposals.length;
  await get("/foo");
  assert.equal(m.proposals.length, n);
  const q = await get("/foo?quorum=true");
  assert.equal(q.status, 200);
  assert.equal(m.proposals.length, n + 1);
  assert.equal(m.proposals[n]!.method, "QGET");
});

test("propose failures answer 300 with the error text", async () => {
  const failing = fakeMember();
  failing.deps.propose = async () => {
    throw new Error("etcdserver: request timed out");
  };
  const s = await serve(failing.deps);
  try {
    const r = await request(s.url, "PUT", "/v2/keys/x", { form: { value: "v" } });
    assert.equal(r.status, 500);
    assert.equal(
      r.body,
      '{"errorCode":300,"message":"Raft Internal Error","cause":"etcdserver: request timed out","index":0}\n',
    );
  } finally {
    await s.close();
  }
});
