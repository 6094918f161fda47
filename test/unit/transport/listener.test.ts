import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import { PeerRouteError, rfc3339Nano } from "../../../src/transport/listener.js";
import { fetchClusterMembers } from "../../../src/transport/members.js";
import type { PeerMember } from "../../../src/transport/members.js";
import { startMember } from "./helpers.js";

const BIG_ID = 17227010664766480024n; // above 2^53: must print exactly

const MEMBERS: PeerMember[] = [
  {
    id: BIG_ID,
    name: "s1",
    peerURLs: ["http://127.0.0.1:2380"],
    clientURLs: ["http://127.0.0.1:2379"],
  },
  { id: 2n, name: "", peerURLs: ["http://127.0.0.1:2480"], clientURLs: [], isLearner: true },
];

function get(
  port: number,
  path: string,
  method = "GET",
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("the peer port serves etcd's plain HTTP endpoints", async () => {
  const promoted: bigint[] = [];
  const m = await startMember(0xb2n, {
    clusterId: 0xcafen,
    routes: {
      members: () => MEMBERS,
      promote: async (id) => {
        if (id === 5n)
          throw new PeerRouteError(412, "membership: can only promote a learner member");
        promoted.push(id);
        return MEMBERS;
      },
    },
  });
  try {
    const version = await get(m.port, "/version");
    assert.equal(version.status, 200);
    assert.equal(version.body, '{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}');

    const members = await get(m.port, "/members");
    assert.equal(members.status, 200);
    assert.equal(members.headers["x-etcd-cluster-id"], "cafe");
    assert.equal(members.headers["content-type"], "application/json");
    assert.equal(
      members.body,
      '[{"id":17227010664766480024,"peerURLs":["http://127.0.0.1:2380"],"name":"s1",' +
        '"clientURLs":["http://127.0.0.1:2379"]},' +
        '{"id":2,"peerURLs":["http://127.0.0.1:2480"],"isLearner":true}]\n',
    );

    const probing = await get(m.port, "/raft/probing");
    assert.match(probing.body, /^\{"OK":true,"Now":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"\}\n$/);

    const promote = await get(m.port, `/members/promote/${BIG_ID}`, "POST");
    assert.equal(promote.status, 200);
    assert.deepEqual(promoted, [BIG_ID]);
    assert.equal(promote.body, members.body);
    const notLearner = await get(m.port, "/members/promote/5", "POST");
    assert.equal(notLearner.status, 412);
    assert.equal(notLearner.body, "membership: can only promote a learner member\n");
    const badId = await get(m.port, "/members/promote/xyz", "POST");
    assert.equal(badId.status, 404);
    assert.equal(badId.body, "member xyz not found in cluster\n");

    const wrongMethod = await get(m.port, "/members", "POST");
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.allow, "GET");
    assert.equal(wrongMethod.body, "Method Not Allowed\n");

    for (const path of ["/health", "/v2/keys", "/members/x", "/", "/raft/unknown"]) {
      const res = await get(m.port, path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body, "404 page not found\n", path);
    }
  } finally {
    await m.stop();
  }
});

test("the same endpoints answer over HTTP/2", async () => {
  const m = await startMember(0xb2n, { routes: { members: () => MEMBERS } });
  const session = http2.connect(m.url);
  try {
    const body = await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ":path": "/version" });
      let text = "";
      stream.on("data", (d: Buffer) => (text += d.toString()));
      stream.on("end", () => resolve(text));
      stream.on("error", reject);
    });
    assert.equal(body, '{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}');
  } finally {
    session.destroy();
    await m.stop();
  }
});

test("a joining member fetches the member list with exact ids and the cluster id", async () => {
  const m = await startMember(0xb2n, {
    clusterId: 0xfedcba9876543210n,
    routes: { members: () => MEMBERS },
  });
  try {
    const cluster = await fetchClusterMembers(["http://127.0.0.1:1", m.url], 2000);
    assert.equal(cluster.clusterId, 0xfedcba9876543210n);
    assert.deepEqual(cluster.members, [
      { ...MEMBERS[0], isLearner: false },
      { ...MEMBERS[1], isLearner: true },
    ]);
  } finally {
    await m.stop();
  }
});

test("fetching from no reachable peer fails with etcd's message", async () => {
  await assert.rejects(
    fetchClusterMembers(["http://127.0.0.1:1"], 500),
    new Error(
      "cannot fetch cluster info from peer urls: could not retrieve cluster information from the given URLs",
    ),
  );
  const empty = await startMember(0xb2n, { routes: { members: () => [] } });
  try {
    await assert.rejects(
      fetchClusterMembers([empty.url], 500),
      /failed to get raft cluster member\(s\) from the given URLs/,
    );
  } finally {
    await empty.stop();
  }
});

test("a peer that never answers is given up on after the timeout", async () => {
  const server = http.createServer(() => {}); // accepts, never responds
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  try {
    await assert.rejects(
      fetchClusterMembers([`http://127.0.0.1:${port}`], 200),
      /could not retrieve/,
    );
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test("RFC3339Nano prints the fraction without trailing zeros", () => {
  assert.equal(rfc3339Nano(new Date("2026-01-02T03:04:05.120Z")), "2026-01-02T03:04:05.12Z");
  assert.equal(rfc3339Nano(new Date("2026-01-02T03:04:05.000Z")), "2026-01-02T03:04:05Z");
});
