// The v2 client's requests (method, path, query, form/JSON body, auth header) and its parsing of
// answers and errors, against an in-process fake HTTP server.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  V2Client,
  V2Error,
  V2HttpError,
  V2InvalidResponseError,
  V2TimeoutError,
  keyPath,
} from "../../../src/client/v2/index.js";

interface Seen {
  method: string;
  url: string;
  body: string;
  contentType: string | undefined;
  authorization: string | undefined;
}

let server: http.Server;
let endpoint: string;
const seen: Seen[] = [];
let reply: (req: Seen, res: http.ServerResponse) => void = (_req, res) => res.end("{}");

before(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      const s: Seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        body,
        contentType: req.headers["content-type"],
        authorization: req.headers.authorization,
      };
      seen.push(s);
      reply(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body) + "\n");
}

test("keyPath escapes segments and collapses slashes", () => {
  assert.equal(keyPath("/foo/bar"), "/v2/keys/foo/bar");
  assert.equal(keyPath("foo//bar/"), "/v2/keys/foo/bar");
  assert.equal(keyPath("/a b/?x"), "/v2/keys/a%20b/%3Fx");
  assert.equal(keyPath("/"), "/v2/keys");
});

test("set sends options in the query and the value as a form; headers are parsed", async () => {
  seen.length = 0;
  reply = (_req, res) =>
    json(
      res,
      201,
      {
        action: "create",
        node: { key: "/k", value: "v", ttl: 5, modifiedIndex: 9, createdIndex: 9 },
      },
      {
        "X-Etcd-Index": "9",
        "X-Raft-Index": "20",
        "X-Raft-Term": "2",
        "X-Etcd-Cluster-Id": "cdf818194e3a8c32",
      },
    );
  const c = new V2Client({ endpoints: [endpoint], username: "root", password: "pw" });
  try {
    const r = await c.create("/k", "v a&b", { ttl: 5 });
    assert.deepEqual(r, {
      action: "create",
      node: { key: "/k", value: "v", ttl: 5, modifiedIndex: 9, createdIndex: 9 },
      etcdIndex: 9,
      raftIndex: 20,
      raftTerm: 2,
      clusterId: "cdf818194e3a8c32",
      status: 201,
      endpoint,
    });
    const s = seen[0];
    assert.equal(s?.method, "PUT");
    assert.equal(s?.url, "/v2/keys/k?prevExist=false&ttl=5");
    assert.equal(s?.body, "value=v+a%26b");
    assert.equal(s?.contentType, "application/x-www-form-urlencoded");
    assert.equal(s?.authorization, `Basic ${Buffer.from("root:pw").toString("base64")}`);

    await c.set("/d", "", { dir: true, prevExist: true });
    assert.equal(seen[1]?.url, "/v2/keys/d?prevExist=true&dir=true");
    assert.equal(seen[1]?.body, "");
    await c.set("/k", "x", { prevValue: "old", prevIndex: 3 });
    assert.equal(seen[2]?.url, "/v2/keys/k?prevValue=old&prevIndex=3");
    await c.get("/dir", { recursive: true, sorted: true, quorum: true });
    assert.equal(seen[3]?.url, "/v2/keys/dir?recursive=true&sorted=true&quorum=true");
    await c.watch("/dir", { recursive: true, waitIndex: 12 });
    assert.equal(seen[4]?.url, "/v2/keys/dir?wait=true&recursive=true&waitIndex=12");
    await c.delete("/dir", { recursive: true, dir: true });
    assert.equal(seen[5]?.method, "DELETE");
    assert.equal(seen[5]?.url, "/v2/keys/dir?dir=true&recursive=true");
    await c.createInOrder("/q", "job", { ttl: 7 });
    assert.equal(seen[6]?.method, "POST");
    assert.equal(seen[6]?.url, "/v2/keys/q?ttl=7");
    assert.equal(seen[6]?.body, "value=job");
  } finally {
    c.close();
  }
});

test("error bodies become V2Error; non-JSON becomes V2InvalidResponseError", async () => {
  const c = new V2Client({ endpoints: [endpoint] });
  try {
    reply = (_req, res) =>
      json(
        res,
        404,
        { errorCode: 100, message: "Key not found", cause: "/nokey", index: 38 },
        { "X-Etcd-Index": "38" },
      );
    await assert.rejects(c.get("/nokey"), (err: unknown) => {
      assert.ok(err instanceof V2Error);
      assert.equal(err.goText(), "100: Key not found (/nokey) [38]");
      assert.equal(err.status, 404);
      return true;
    });
    reply = (_req, res) =>
      json(res, 400, {
        errorCode: 209,
        message: "Invalid field",
        cause: 'invalid value for "recursive"',
      });
    await assert.rejects(c.get("/x"), (err: unknown) => {
      assert.ok(err instanceof V2Error);
      assert.equal(err.index, 0);
      assert.equal(err.goText(), '209: Invalid field (invalid value for "recursive") [0]');
      return true;
    });
    reply = (_req, res) => {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("404 page not found\n");
    };
    await assert.rejects(c.get("/x"), (err: unknown) => {
      assert.ok(err instanceof V2InvalidResponseError);
      assert.equal(
        err.message,
        "client: response is invalid json. The endpoint is probably not valid etcd cluster endpoint",
      );
      return true;
    });
  } finally {
    c.close();
  }
});

test("members API: list, add (JSON), update, remove and their errors", async () => {
  const c = new V2Client({ endpoints: [endpoint] });
  try {
    seen.length = 0;
    reply = (req, res) => {
      if (req.method === "GET")
        json(res, 200, {
          members: [
            {
              id: "8e9e05c52164694d",
              name: "s1",
              peerURLs: ["http://p"],
              clientURLs: ["http://c"],
            },
          ],
        });
      else if (req.method === "POST")
        json(res, 201, { id: "abc", name: "", peerURLs: ["http://n"], clientURLs: [] });
      else if (req.method === "PUT") {
        res.writeHead(204);
        res.end();
      } else json(res, 404, { message: "No such member: abcd" });
    };
    assert.equal((await c.listMembers())[0]?.id, "8e9e05c52164694d");
    assert.deepEqual(await c.addMember(["http://n"]), {
      id: "abc",
      name: "",
      peerURLs: ["http://n"],
      clientURLs: [],
    });
    assert.equal(seen[1]?.contentType, "application/json");
    assert.equal(seen[1]?.body, '{"peerURLs":["http://n"]}');
    await c.updateMember("abc", ["http://m"]);
    assert.equal(seen[2]?.url, "/v2/members/abc");
    assert.equal(seen[2]?.body, '{"peerURLs":["http://m"]}');
    await assert.rejects(c.removeMember("abcd"), (err: unknown) => {
      assert.ok(err instanceof V2HttpError);
      assert.equal(err.status, 404);
      assert.equal(err.message, "No such member: abcd");
      return true;
    });
    reply = (_req, res) => json(res, 409, { message: "membership: peerURL exists" });
    await assert.rejects(c.addMember(["http://n"]), {
      status: 409,
      message: "membership: peerURL exists",
    });
  } finally {
    c.close();
  }
});

test("a request past its deadline fails with `context deadline exceeded`", async () => {
  reply = () => undefined; // never answer
  const c = new V2Client({ endpoints: [endpoint], requestTimeoutMs: 200 });
  try {
    await assert.rejects(c.get("/slow"), (err: unknown) => {
      assert.ok(err instanceof V2TimeoutError);
      assert.equal(err.message, "context deadline exceeded");
      return true;
    });
  } finally {
    c.close();
    server.closeAllConnections();
  }
});
