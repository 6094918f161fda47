// The v2 CLI (tsctl, and the real etcdctl beside it) and the Node `node-etcd` client against a
// 3-member `tsctl server --enable-v2` cluster: the seeds' recipes (in-order queue, TTL service
// registration with directory refresh, compare-and-swap), a long-poll watch on one member that a
// write through another member ends, member list and cluster-health. Needs `npm run build`.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { ETCDCTL_BIN, freePort, REPO_ROOT, runCli, skipWithoutEtcd } from "../helpers/index.js";
import type { CliResult } from "../helpers/index.js";
import { startTsctlCluster } from "./cluster.js";
import type { TsctlCluster } from "./cluster.js";

type Tool = "etcdctl" | "tsctl";
const TOOLS: Tool[] = ["etcdctl", "tsctl"];
const TOKEN: Record<Tool, string> = { etcdctl: "v2e", tsctl: "v2t" };

let cluster: TsctlCluster;
let allEndpoints: string;

function run(tool: Tool, args: string[], endpoints = allEndpoints): Promise<CliResult> {
  return runCli(
    tool,
    args.map((a) => a.replaceAll("P", TOKEN[tool])),
    { env: { ETCDCTL_API: "2", ETCDCTL_ENDPOINTS: endpoints } },
  );
}

function mask(text: string, tool: Tool): string {
  return text.replaceAll(TOKEN[tool], "v2X").replace(/\d+/g, "N");
}

/** Runs the steps with each tool (own key prefix) and expects identical masked results. */
async function sameForBoth(steps: string[][]): Promise<Record<Tool, CliResult[]>> {
  const results: Record<Tool, CliResult[]> = { etcdctl: [], tsctl: [] };
  for (const tool of TOOLS) for (const s of steps) results[tool].push(await run(tool, s));
  steps.forEach((s, i) => {
    const [e, t] = [results.etcdctl[i], results.tsctl[i]];
    assert.ok(e !== undefined && t !== undefined);
    assert.deepEqual(
      { out: mask(t.stdout, "tsctl"), err: mask(t.stderr, "tsctl"), code: t.code },
      { out: mask(e.stdout, "etcdctl"), err: mask(e.stderr, "etcdctl"), code: e.code },
      s.join(" "),
    );
  });
  return results;
}

/** The minimal surface of node-etcd (callback API, no type declarations shipped). */
type Callback = (err: { errorCode?: number } | null, body: NodeEtcdBody) => void;
interface NodeEtcdBody {
  action?: string;
  node?: { key?: string; value?: string; dir?: boolean; modifiedIndex?: number };
}
interface NodeEtcd {
  set(key: string, value: string, opts: object, cb: Callback): void;
  get(key: string, opts: object, cb: Callback): void;
  mkdir(dir: string, opts: object, cb: Callback): void;
  watch(key: string, opts: object, cb: Callback): void;
}

function promisify(fn: (cb: Callback) => void): Promise<NodeEtcdBody> {
  return new Promise((resolve, reject) =>
    fn((err, body) => (err ? reject(Object.assign(new Error("node-etcd"), err)) : resolve(body))),
  );
}

describe("v2 CLI and node-etcd against a 3-member tsctl cluster", { skip: skipWithoutEtcd }, () => {
  before(async () => {
    cluster = await startTsctlCluster({ size: 3, extraArgs: ["--enable-v2"] });
    allEndpoints = cluster.members.map((m) => m.clientUrl).join(",");
    // Members publish their client URLs shortly after they turn healthy.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const list = await run("tsctl", ["member", "list"]);
      if (list.code === 0 && !list.stdout.includes("clientURLs= ")) break;
      if (Date.now() > deadline) throw new Error(`client URLs not published:\n${list.stdout}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  after(async () => {
    await cluster?.destroy();
  });

  test("member list and cluster-health print the same as etcdctl", async () => {
    for (const args of [["member", "list"], ["cluster-health"]]) {
      const [e, t] = await Promise.all(TOOLS.map((tool) => run(tool, args)));
      assert.ok(e !== undefined && t !== undefined);
      assert.equal(t.code, 0, t.stderr);
      assert.deepEqual(t, e, args.join(" "));
    }
    const list = await run("tsctl", ["member", "list"]);
    assert.equal(list.stdout.match(/isLeader=true/g)?.length, 1);
    for (const m of cluster.members) assert.ok(list.stdout.includes(`name=${m.name} `));
    const health = await run("tsctl", ["cluster-health"]);
    assert.match(health.stdout, /cluster is healthy\n$/);
  });

  test("distributed queue: mk --in-order and ls --sort", async () => {
    const res = await sameForBoth([
      ["mk", "--in-order", "/P/queue", "job1"],
      ["mk", "--in-order", "/P/queue", "job2"],
      ["-o", "json", "mk", "--in-order", "/P/queue", "job3"],
      ["ls", "--sort", "/P/queue"],
    ]);
    const keys = (res.tsctl[3]?.stdout ?? "").trim().split("\n");
    assert.equal(keys.length, 3);
    assert.deepEqual([...keys].sort(), keys);
    // A consumer takes the head of the queue and removes it only if nobody else did.
    const head = keys[0] ?? "";
    assert.equal((await run("tsctl", ["get", head])).stdout, "job1\n");
    const idx = /"modifiedIndex":(\d+)/.exec(
      (await run("tsctl", ["-o", "json", "get", head])).stdout,
    )?.[1];
    assert.ok(idx !== undefined);
    const taken = await run("tsctl", ["rm", "--with-index", idx, head]);
    // compareAndDelete is not "delete": etcdctl prints the (empty) node value.
    assert.deepEqual({ out: taken.stdout, code: taken.code }, { out: "\n", code: 0 });
    const again = await run("tsctl", ["rm", "--with-index", idx, head]);
    assert.equal(again.code, 4);
    assert.match(again.stderr, /^Error: {2}100: Key not found \(\/v2t\/queue\/\d{20}\) \[\d+\]\n$/);
    assert.equal(
      (await run("tsctl", ["ls", "--sort", "/P/queue"])).stdout.trim().split("\n").length,
      2,
    );
  });

  test("service registration: set --ttl, updatedir refresh, expiry", async () => {
    await sameForBoth([
      ["mkdir", "--ttl", "30", "/P/services"],
      ["set", "--ttl", "30", "/P/services/web", "10.0.0.1:80"],
      ["-o", "extended", "get", "/P/services/web"],
      ["updatedir", "--ttl", "60", "/P/services"],
      ["update", "--ttl", "45", "/P/services/web", "10.0.0.1:80"],
      ["ls", "--sort", "-p", "/P"],
      ["updatedir", "--ttl", "5", "/P/nope"],
    ]);
    const dir = await run("tsctl", ["-o", "json", "ls", "/P/services"]);
    assert.match(dir.stdout, /"key":"\/v2t\/services","dir":true/);
    assert.match(dir.stdout, /"ttl":(5\d|60)[,}]/);
    await run("tsctl", ["set", "--ttl", "1", "/P/services/short", "x"]);
    const deadline = Date.now() + 10_000;
    let gone: CliResult | undefined;
    while (Date.now() < deadline) {
      gone = await run("tsctl", ["get", "/P/services/short"]);
      if (gone.code !== 0) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(gone?.code, 4);
    assert.match(
      gone?.stderr ?? "",
      /^Error: {2}100: Key not found \(\/v2t\/services\/short\) \[\d+\]\n$/,
    );
  });

  test("compare-and-swap and its errors", async () => {
    await sameForBoth([
      ["set", "/P/lock", "free"],
      ["set", "--swap-with-value", "free", "/P/lock", "owner-a"],
      ["set", "--swap-with-value", "free", "/P/lock", "owner-b"],
      ["set", "--swap-with-index", "1", "/P/lock", "owner-b"],
      ["set", "--swap-with-index", "1", "--swap-with-value", "x", "/P/lock", "owner-b"],
      ["-o", "json", "set", "--swap-with-value", "owner-a", "/P/lock", "free"],
      ["rm", "--with-value", "owner-a", "/P/lock"],
      ["rm", "--with-value", "free", "/P/lock"],
      ["mk", "/P/lock2", "a"],
      ["mk", "/P/lock2", "b"],
      ["set", "/P/lock2/x", "y"],
      ["get", "/P/none"],
    ]);
  });

  test("a watch on one member returns on a write through another", async () => {
    const [first, second] = cluster.members;
    assert.ok(first !== undefined && second !== undefined);
    for (const tool of TOOLS) {
      const key = `/${TOKEN[tool]}/watched`;
      const args = ["--no-sync", "--endpoints", first.clientUrl, "watch", key];
      const [file, argv] =
        tool === "tsctl"
          ? [process.execPath, [path.join(REPO_ROOT, "bin/tsctl"), ...args]]
          : [ETCDCTL_BIN, args];
      const env = { ...process.env, ETCDCTL_API: "2" };
      const child = spawn(file, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(child.exitCode, null, `${tool} watch ended before the write`);
      const w = await run(tool, [
        "--no-sync",
        "--endpoints",
        second.clientUrl,
        "set",
        key,
        "hello",
      ]);
      assert.equal(w.code, 0, w.stderr);
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      assert.equal(code, 0, tool);
      assert.equal(out, "hello\n", tool);
    }
  });

  test("watch -f -r and exec-watch on one member see writes through the others", async () => {
    const [first, second, third] = cluster.members;
    assert.ok(first !== undefined && second !== undefined && third !== undefined);
    const seen: Record<Tool, string[]> = { etcdctl: [], tsctl: [] };
    for (const tool of TOOLS) {
      const sub = (a: string): string => a.replaceAll("P", TOKEN[tool]);
      const watchers = [
        ["watch", "-f", "-r", "/P/ew"],
        [
          "exec-watch",
          "-r",
          "/P/ew",
          "--",
          "sh",
          "-c",
          'echo "$ETCD_WATCH_ACTION $ETCD_WATCH_KEY=$ETCD_WATCH_VALUE"',
        ],
      ].map((args) => {
        const full = ["--no-sync", "--endpoints", first.clientUrl, ...args.map(sub)];
        const [file, argv] =
          tool === "tsctl"
            ? [process.execPath, [path.join(REPO_ROOT, "bin/tsctl"), ...full]]
            : [ETCDCTL_BIN, full];
        const child = spawn(file, argv, {
          env: { ...process.env, ETCDCTL_API: "2" },
          stdio: ["ignore", "pipe", "pipe"],
        });
        const res = { out: "", err: "" };
        child.stdout.on("data", (c: Buffer) => (res.out += c.toString()));
        child.stderr.on("data", (c: Buffer) => (res.err += c.toString()));
        const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
        return { child, res, exited };
      });
      await new Promise((r) => setTimeout(r, 1000));
      const writes: [string[], string][] = [
        [["set", "/P/ew/a", "1"], second.clientUrl],
        [["mkdir", "/P/ew/sub"], third.clientUrl],
        [["set", "/P/ew/sub/b", "2"], third.clientUrl],
        [["rm", "/P/ew/a"], second.clientUrl],
      ];
      for (const [args, ep] of writes) {
        const w = await run(tool, ["--no-sync", "--endpoints", ep, ...args]);
        assert.equal(w.code, 0, w.stderr);
      }
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && !watchers.every((w) => w.res.out.includes("delete"))) {
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const w of watchers) w.child.kill("SIGINT");
      const codes = await Promise.all(watchers.map((w) => w.exited));
      assert.deepEqual(codes, [0, 0], tool);
      // exec-watch runs its commands concurrently: their lines may come in any order.
      const sortLines = (t: string): string => t.split("\n").sort().join("\n");
      seen[tool] = watchers.map((w, i) =>
        mask(`${i === 1 ? sortLines(w.res.out) : w.res.out}|${w.res.err}`, tool),
      );
    }
    assert.deepEqual(seen.tsctl, seen.etcdctl);
    assert.deepEqual(seen.tsctl, [
      "[set] /vNX/ew/a\nN\n[set] /vNX/ew/sub/b\nN\n[delete] /vNX/ew/a\nPrevNode.Value: N\n|",
      "\ndelete /vNX/ew/a=\nset /vNX/ew/a=N\nset /vNX/ew/sub/b=N|Ignored dir /vNX/ew/sub change\n",
    ]);
  });

  test("watch --after-index replays the history", async () => {
    const set = await run("tsctl", ["-o", "json", "set", "/P/hist", "one"]);
    const idx = Number(/"modifiedIndex":(\d+)/.exec(set.stdout)?.[1]);
    await run("tsctl", ["set", "/P/hist", "two"]);
    const replay = await run("tsctl", ["watch", "--after-index", String(idx - 1), "/P/hist"]);
    assert.deepEqual({ out: replay.stdout, code: replay.code }, { out: "one\n", code: 0 });
  });

  test("member add, list with an unstarted member, update, remove", async () => {
    for (const tool of TOOLS) {
      const port = await freePort();
      const peer = `http://127.0.0.1:${port}`;
      const added = await run(tool, ["member", "add", `new-${tool}`, peer]);
      assert.equal(added.code, 0, added.stderr);
      const id = /with ID ([0-9a-f]+) to cluster/.exec(added.stdout)?.[1] ?? "";
      const conf = cluster.members.map((m) => `${m.name}=${m.peerUrl}`);
      const lines = added.stdout.split("\n");
      assert.deepEqual(lines.slice(0, 3), [
        `Added member named new-${tool} with ID ${id} to cluster`,
        "",
        `ETCD_NAME="new-${tool}"`,
      ]);
      const initial = /^ETCD_INITIAL_CLUSTER="(.*)"$/.exec(lines[3] ?? "")?.[1] ?? "";
      assert.deepEqual(initial.split(",").sort(), [...conf, `new-${tool}=${peer}`].sort(), tool);
      assert.deepEqual(lines.slice(4), ['ETCD_INITIAL_CLUSTER_STATE="existing"', ""]);
      const list = await run(tool, ["member", "list"]);
      assert.ok(list.stdout.includes(`${id}[unstarted]: peerURLs=${peer}\n`), list.stdout);
      const moved = `http://127.0.0.1:${await freePort()}`;
      const upd = await run(tool, ["member", "update", id, moved]);
      assert.deepEqual(upd, {
        stdout: `Updated member with ID ${id} in cluster\n`,
        stderr: "",
        code: 0,
      });
      const rm = await run(tool, ["member", "remove", id]);
      assert.deepEqual(rm, { stdout: `Removed member ${id} from cluster\n`, stderr: "", code: 0 });
    }
  });

  test("node-etcd: set, get, mkdir and watch against the tsctl cluster", async () => {
    const require = createRequire(import.meta.url);
    const Etcd = require("node-etcd") as new (hosts: string[]) => NodeEtcd;
    const hosts = cluster.members.map((m) => m.clientUrl);
    const etcd = new Etcd(hosts);
    const only = (i: number): NodeEtcd => new Etcd([hosts[i] ?? ""]);

    const set = await promisify((cb) => etcd.set("/ne/a", "hello", {}, cb));
    assert.equal(set.action, "set");
    assert.equal(set.node?.value, "hello");
    const got = await promisify((cb) => only(2).get("/ne/a", {}, cb));
    assert.equal(got.node?.value, "hello");
    const dir = await promisify((cb) => etcd.mkdir("/ne/dir", {}, cb));
    assert.equal(dir.node?.dir, true);
    await assert.rejects(
      promisify((cb) => etcd.mkdir("/ne/dir", { prevExist: false }, cb)),
      (err: { errorCode?: number }) => err.errorCode === 105,
    );
    await assert.rejects(
      promisify((cb) => etcd.get("/ne/missing", {}, cb)),
      (err: { errorCode?: number }) => err.errorCode === 100,
    );
    const ttl = await promisify((cb) => etcd.set("/ne/ttl", "x", { ttl: 30 }, cb));
    assert.equal(ttl.node?.value, "x");

    const watched = promisify((cb) => only(0).watch("/ne/w", {}, cb));
    await new Promise((r) => setTimeout(r, 500));
    await promisify((cb) => only(1).set("/ne/w", "changed", {}, cb));
    const ev = await watched;
    assert.equal(ev.action, "set");
    assert.equal(ev.node?.value, "changed");
    // The CLI sees what node-etcd wrote.
    assert.equal((await run("tsctl", ["get", "/ne/w"])).stdout, "changed\n");
  });

  test("cluster-health with a member down: degraded, exit 5, as etcdctl", async () => {
    const down = cluster.members[2];
    assert.ok(down !== undefined);
    await cluster.stop(down);
    const up = cluster.members
      .filter((m) => m !== down)
      .map((m) => m.clientUrl)
      .join(",");
    const [e, t] = await Promise.all(TOOLS.map((tool) => run(tool, ["cluster-health"], up)));
    assert.ok(e !== undefined && t !== undefined);
    assert.equal(t.code, 5);
    assert.match(t.stdout, /cluster is degraded\n$/);
    assert.deepEqual(t, e);
  });
});
