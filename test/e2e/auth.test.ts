// Auth end to end: the real etcdctl 3.4 runs one script of user/role/auth commands against
// a real etcd 3.4 and a `tsctl server`, and every step must print the same stdout, the same
// `Error:` lines and exit with the same code. Then a 3-member tsctl cluster: auth state and
// tokens replicate, permissions hold on every member and survive a restart.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  runCli,
  skipWithoutEtcd,
  startRealEtcd,
  startTsctlServer,
  type CliResult,
  type RealEtcd,
} from "../helpers/index.js";
import { startTsctlCluster, waitHealthy } from "./cluster.js";
import { EtcdClient, prefixEnd } from "../../src/client/v3/index.js";
import type * as pb from "../../src/proto/index.js";

const FAST_BCRYPT = ["--bcrypt-cost", "4"];

interface Step {
  args: string[];
  input?: string;
  /** Expected stdout on both servers (checked against tsctl; etcd must agree anyway). */
  stdout?: string;
  code?: number;
  error?: string;
}

const root = ["--user", "root:pw"];
const alice = ["--user", "alice:apw"];

const SCRIPT: Step[] = [
  { args: ["user", "add", "root:pw"], stdout: "User root created\n" },
  { args: ["user", "add", "alice:apw"], stdout: "User alice created\n" },
  { args: ["user", "add", "bob", "--no-password"], stdout: "User bob created\n" },
  {
    args: ["user", "add", "alice:x"],
    code: 1,
    error: "Error: etcdserver: user name already exists",
  },
  { args: ["role", "add", "reader"], stdout: "Role reader created\n" },
  {
    args: ["role", "add", "reader"],
    code: 1,
    error: "Error: etcdserver: role name already exists",
  },
  { args: ["role", "grant-permission", "reader", "read", "/data/", "--prefix"] },
  { args: ["role", "grant-permission", "reader", "read", "/x"] },
  { args: ["role", "grant-permission", "reader", "read", "/z", "--from-key"] },
  { args: ["role", "grant-permission", "reader", "write", "/a", "/c"] },
  {
    args: ["role", "grant-permission", "reader", "readwrite", "/x"],
    stdout: "Role reader updated\n",
  },
  { args: ["role", "grant-permission", "nope", "read", "/x"], code: 1 },
  {
    args: ["role", "get", "reader"],
    stdout:
      "Role reader\nKV Read:\n\t[/data/, /data0) (prefix /data/)\n\t/x\n\t[/z, <open ended>\nKV Write:\n\t[/a, /c)\n\t/x\n",
  },
  { args: ["role", "get", "nope"], code: 1, error: "Error: etcdserver: role name not found" },
  {
    args: ["user", "grant-role", "alice", "reader"],
    stdout: "Role reader is granted to user alice\n",
  },
  { args: ["user", "grant-role", "alice", "nope"], code: 1 },
  { args: ["user", "grant-role", "ghost", "reader"], code: 1 },
  { args: ["user", "get", "alice"], stdout: "User: alice\nRoles: reader\n" },
  { args: ["user", "get", "bob"], stdout: "User: bob\nRoles:\n" },
  { args: ["user", "get", "alice", "--detail"] },
  { args: ["user", "get", "ghost"], code: 1, error: "Error: etcdserver: user name not found" },
  { args: ["user", "list"], stdout: "alice\nbob\nroot\n" },
  { args: ["role", "list"], stdout: "reader\n" },
  { args: ["auth", "enable"], stdout: "Authentication Enabled\n" },
  { args: ["role", "list"], code: 1, error: "Error: etcdserver: user name is empty" },
  { args: ["get", "foo"], code: 1, error: "Error: etcdserver: user name is empty" },
  { args: ["put", "foo", "bar"], code: 1, error: "Error: etcdserver: user name is empty" },
  { args: [...root, "role", "list"], stdout: "reader\nroot\n" },
  { args: [...root, "put", "foo", "bar"], stdout: "OK\n" },
  { args: [...root, "put", "/data/1", "d1"], stdout: "OK\n" },
  { args: [...root, "put", "/x", "x1"], stdout: "OK\n" },
  { args: ["--user", "root:bad", "get", "foo"], code: 2 },
  { args: ["--user", "ghost:pw", "get", "foo"], code: 2 },
  { args: ["--user", "bob:pw", "get", "foo"], code: 2 },
  { args: [...alice, "get", "/data/1"], stdout: "/data/1\nd1\n" },
  { args: [...alice, "get", "/data/", "--prefix", "--keys-only"], stdout: "/data/1\n\n" },
  { args: [...alice, "get", "/x"], stdout: "/x\nx1\n" },
  { args: [...alice, "get", "/zzz", "--from-key"] },
  // [/z, ∞) covers "foo" ("f" > "/"), not "/b" (alice may only write [/a, /c))
  { args: [...alice, "get", "foo"], stdout: "foo\nbar\n" },
  { args: [...alice, "get", "/b"], code: 1, error: "Error: etcdserver: permission denied" },
  {
    args: [...alice, "get", "/", "--prefix"],
    code: 1,
    error: "Error: etcdserver: permission denied",
  },
  {
    args: [...alice, "put", "/data/1", "no"],
    code: 1,
    error: "Error: etcdserver: permission denied",
  },
  { args: [...alice, "put", "/b", "v"], stdout: "OK\n" },
  { args: [...alice, "put", "/x", "x2"], stdout: "OK\n" },
  { args: [...alice, "del", "/b"], stdout: "1\n" },
  { args: [...alice, "del", "/a", "/d"], code: 1, error: "Error: etcdserver: permission denied" },
  {
    args: [...alice, "txn"],
    input: 'value("/x") = "x2"\n\nput /b v2\n\nget /b\n\n',
    code: 1,
    error: "Error: etcdserver: permission denied",
  },
  {
    args: [...alice, "txn"],
    input: 'value("/x") = "x2"\n\nput /b v2\n\nget /x\n\n',
    stdout: "SUCCESS\n\nOK\n",
  },
  { args: [...alice, "user", "list"], code: 1, error: "Error: etcdserver: permission denied" },
  { args: [...alice, "user", "get", "alice"], stdout: "User: alice\nRoles: reader\n" },
  {
    args: [...alice, "user", "get", "root"],
    code: 1,
    error: "Error: etcdserver: permission denied",
  },
  { args: [...alice, "role", "get", "reader"] },
  { args: [...alice, "role", "add", "x"], code: 1, error: "Error: etcdserver: permission denied" },
  { args: [...alice, "defrag"], code: 1 },
  { args: [...alice, "auth", "disable"], code: 1, error: "Error: etcdserver: permission denied" },
  {
    args: [...root, "role", "revoke-permission", "reader", "/z", "--from-key"],
    stdout: "Permission of range [/z, <open ended> is revoked from role reader\n",
  },
  {
    args: [...root, "role", "revoke-permission", "reader", "/data/", "--prefix"],
    stdout: "Permission of range [/data/, /data0) is revoked from role reader\n",
  },
  {
    args: [...root, "role", "revoke-permission", "reader", "/x"],
    stdout: "Permission of key /x is revoked from role reader\n",
  },
  {
    args: [...root, "role", "revoke-permission", "reader", "/x"],
    code: 1,
    error: "Error: etcdserver: permission is not granted to the role",
  },
  { args: [...alice, "get", "/data/1"], code: 1, error: "Error: etcdserver: permission denied" },
  {
    args: [...root, "user", "revoke-role", "alice", "reader"],
    stdout: "Role reader is revoked from user alice\n",
  },
  {
    args: [...root, "user", "revoke-role", "alice", "reader"],
    code: 1,
    error: "Error: etcdserver: role is not granted to the user",
  },
  {
    args: [...root, "user", "passwd", "alice", "--interactive=false"],
    input: "newpw\n",
    stdout: "Password updated\n",
  },
  { args: [...alice, "get", "/x"], code: 2 },
  { args: ["--user", "alice:newpw", "user", "get", "alice"], stdout: "User: alice\nRoles:\n" },
  {
    args: [...root, "user", "delete", "root"],
    code: 1,
    error: "Error: etcdserver: invalid auth management",
  },
  {
    args: [...root, "role", "delete", "root"],
    code: 1,
    error: "Error: etcdserver: invalid auth management",
  },
  {
    args: [...root, "user", "revoke-role", "root", "root"],
    code: 1,
    error: "Error: etcdserver: invalid auth management",
  },
  { args: [...root, "user", "delete", "alice"], stdout: "User alice deleted\n" },
  { args: [...root, "role", "delete", "reader"], stdout: "Role reader deleted\n" },
  { args: [...root, "auth", "disable"], stdout: "Authentication Disabled\n" },
  { args: ["get", "foo"], stdout: "foo\nbar\n" },
  { args: [...root, "get", "foo"], stdout: "foo\nbar\n" },
  { args: ["user", "list"], stdout: "bob\nroot\n" },
];

function errorLines(r: CliResult): string[] {
  return r.stderr.split("\n").filter((l) => l.startsWith("Error:"));
}

/** stderr without etcdctl's zap JSON lines (timestamps, client ids) and with `ep` masked. */
function plainStderr(r: CliResult, ep: string): string {
  return r.stderr
    .split("\n")
    .filter((l) => !l.startsWith("{"))
    .join("\n")
    .replaceAll(ep, "<endpoint>");
}

async function runScript(server: RealEtcd): Promise<Array<CliResult & { plain: string }>> {
  const out: Array<CliResult & { plain: string }> = [];
  for (const step of SCRIPT) {
    const r = await runCli("etcdctl", [`--endpoints=${server.endpoint}`, ...step.args], {
      env: { ETCDCTL_API: "3" },
      input: step.input,
      timeoutMs: 15_000,
    });
    out.push({ ...r, plain: plainStderr(r, server.endpoint) });
  }
  return out;
}

test(
  "etcdctl auth/user/role script: tsctl matches etcd 3.4 step by step",
  { skip: skipWithoutEtcd, timeout: 240_000 },
  async () => {
    const tsctl = await startTsctlServer({ extraArgs: FAST_BCRYPT });
    const etcd = await startRealEtcd({ extraArgs: FAST_BCRYPT });
    try {
      const [ours, theirs] = await Promise.all([runScript(tsctl), runScript(etcd)]);
      SCRIPT.forEach((step, i) => {
        const what = `step ${i}: etcdctl ${step.args.join(" ")}`;
        const o = ours[i]!;
        const t = theirs[i]!;
        assert.equal(o.code, t.code, `${what}: exit code (stderr ${o.stderr})`);
        assert.equal(o.stdout, t.stdout, `${what}: stdout`);
        assert.equal(o.plain, t.plain, `${what}: stderr`);
        if (step.code !== undefined) assert.equal(o.code, step.code, what);
        else assert.equal(o.code, 0, `${what}: ${o.stderr}`);
        if (step.stdout !== undefined) assert.equal(o.stdout, step.stdout, what);
        if (step.error !== undefined) assert.deepEqual(errorLines(o), [step.error], what);
      });
    } finally {
      await Promise.all([tsctl.stop(), etcd.stop()]);
    }
  },
);

function ctl(endpoints: string, args: string[], input?: string): Promise<CliResult> {
  return runCli("etcdctl", [`--endpoints=${endpoints}`, ...args], {
    env: { ETCDCTL_API: "3" },
    input,
    timeoutMs: 15_000,
  });
}

async function ok(endpoints: string, args: string[], stdout?: string): Promise<void> {
  const r = await ctl(endpoints, args);
  assert.equal(r.code, 0, `etcdctl ${args.join(" ")}: ${r.stderr}`);
  if (stdout !== undefined) assert.equal(r.stdout, stdout, `etcdctl ${args.join(" ")}`);
}

async function refused(endpoints: string, args: string[], error: string, code = 1) {
  const r = await ctl(endpoints, args);
  assert.equal(r.code, code, `etcdctl ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  assert.deepEqual(errorLines(r), [error], `etcdctl ${args.join(" ")}`);
}

test(
  "3 members: auth state replicates, every member enforces it, restarts keep it",
  { timeout: 180_000 },
  async () => {
    const c = await startTsctlCluster({ size: 3, extraArgs: FAST_BCRYPT });
    try {
      const [m1, m2, m3] = c.members as [
        (typeof c.members)[0],
        (typeof c.members)[0],
        (typeof c.members)[0],
      ];
      await ok(m1.endpoint, ["user", "add", "root:pw"]);
      await ok(m2.endpoint, ["user", "add", "alice:apw"]);
      await ok(m3.endpoint, ["role", "add", "app"]);
      await ok(m1.endpoint, ["role", "grant-permission", "app", "readwrite", "/app/", "--prefix"]);
      await ok(m2.endpoint, ["user", "grant-role", "alice", "app"]);
      await ok(m3.endpoint, ["auth", "enable"], "Authentication Enabled\n");
      for (const m of c.members) {
        await refused(m.endpoint, ["get", "/app/x"], "Error: etcdserver: user name is empty");
        await ok(m.endpoint, [...alice, "put", `/app/${m.name}`, "v"], "OK\n");
        await refused(
          m.endpoint,
          [...alice, "put", "/other", "v"],
          "Error: etcdserver: permission denied",
        );
        await ok(m.endpoint, [...root, "user", "list"], "alice\nroot\n");
      }
      // writes through any member, reads of all of them anywhere
      await ok(
        m2.endpoint,
        [...alice, "get", "/app/", "--prefix", "--keys-only"],
        "/app/m1\n\n/app/m2\n\n/app/m3\n\n",
      );
      // a token from one member works on the others (the Authenticate entry is replicated)
      const auth = await fetch(`${m1.clientUrl}/v3/auth/authenticate`, {
        method: "POST",
        body: JSON.stringify({ name: "alice", password: "apw" }),
      });
      assert.equal(auth.status, 200);
      const { token } = (await auth.json()) as { token: string };
      assert.match(token, /^[A-Za-z]{16}\.\d+$/);
      for (const m of c.members) {
        const r = await fetch(`${m.clientUrl}/v3/kv/range`, {
          method: "POST",
          headers: { Authorization: token },
          body: JSON.stringify({ key: Buffer.from("/app/m1").toString("base64") }),
        });
        assert.equal(r.status, 200, m.name);
        const body = (await r.json()) as { count?: string };
        assert.equal(body.count, "1");
        const denied = await fetch(`${m.clientUrl}/v3/kv/range`, {
          method: "POST",
          headers: { Authorization: token },
          body: JSON.stringify({ key: Buffer.from("/other").toString("base64") }),
        });
        assert.equal(denied.status, 403);
        assert.deepEqual(await denied.json(), {
          error: "etcdserver: permission denied",
          message: "etcdserver: permission denied",
          code: 7,
        });
      }
      const bad = await fetch(`${m2.clientUrl}/v3/kv/range`, {
        method: "POST",
        headers: { Authorization: "NoSuchTokenAtAll.1" },
        body: JSON.stringify({ key: Buffer.from("/app/m1").toString("base64") }),
      });
      assert.equal(bad.status, 401);
      // a watch the user may not read is created and canceled at once
      const w = await ctl(m3.endpoint, [...alice, "watch", "/other"]);
      assert.equal(w.code, 5, w.stdout + w.stderr);
      assert.match(w.stdout + w.stderr, /permission denied/);
      // admin-only maintenance
      const d = await ctl(m1.endpoint, [...alice, "defrag"]);
      assert.equal(d.code, 1);
      assert.match(
        d.stderr,
        /Failed to defragment etcd member\[.*\] \(rpc error: code = Unknown desc = auth: permission denied\)/,
      );
      await refused(
        m1.endpoint,
        [...alice, "member", "remove", "1"],
        "Error: etcdserver: permission denied",
      );
      // restart a member: users, roles and the enabled flag come back from its store
      await c.stop(m2);
      await c.start(m2);
      await waitHealthy(m2, 20_000);
      await refused(m2.endpoint, ["get", "/app/m1"], "Error: etcdserver: user name is empty");
      await ok(m2.endpoint, [...alice, "get", "/app/m1", "--print-value-only"], "v\n");
      await ok(
        m2.endpoint,
        [...root, "role", "get", "app"],
        "Role app\nKV Read:\n\t[/app/, /app0) (prefix /app/)\nKV Write:\n\t[/app/, /app0) (prefix /app/)\n",
      );
      await ok(m1.endpoint, [...root, "auth", "disable"], "Authentication Disabled\n");
      await ok(m2.endpoint, ["get", "/other"]);
    } finally {
      await c.destroy();
    }
  },
);

/** What an auth-enabled server lets alice, root and an anonymous client do over gRPC. */
async function grpcAuthOutcomes(endpoint: string): Promise<string[]> {
  const out: string[] = [];
  const client = (user?: string, password?: string) =>
    new EtcdClient({ endpoints: [endpoint], user, password, commandTimeoutMs: 10_000 });
  const setup = await runCli("etcdctl", [`--endpoints=${endpoint}`, "user", "add", "root:pw"], {
    env: { ETCDCTL_API: "3" },
  });
  assert.equal(setup.code, 0, setup.stderr);
  for (const args of [
    ["user", "add", "alice:apw"],
    ["role", "add", "app"],
    ["role", "grant-permission", "app", "readwrite", "/app/", "--prefix"],
    ["user", "grant-role", "alice", "app"],
    ["auth", "enable"],
  ]) {
    const r = await ctl(endpoint, args);
    assert.equal(r.code, 0, r.stderr);
  }
  const root = client("root", "pw");
  const alice = client("alice", "apw");
  const anon = client();
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      out.push(`${what}: ok`);
    } catch (err) {
      out.push(`${what}: ${(err as Error).message} [${(err as { code?: number }).code}]`);
    }
  };
  const firstWatchResponse = async (c: EtcdClient, key: string, prefix: boolean) => {
    const k = Buffer.from(key);
    const w = await c.watch(prefix ? { key: k, rangeEnd: prefixEnd(k) } : { key: k });
    const it = w[Symbol.asyncIterator]();
    const first = (await it.next()).value as pb.WatchResponse;
    return { w, it, first };
  };
  try {
    const ok = await firstWatchResponse(alice, "/app/", true);
    out.push(`watch /app/: created=${ok.first.created} canceled=${ok.first.canceled}`);
    await root.kv.put({ key: Buffer.from("/app/1"), value: Buffer.from("v") });
    const ev = (await ok.it.next()).value as pb.WatchResponse;
    out.push(`watch /app/ event: ${ev.events.map((e) => e.kv?.key.toString()).join(",")}`);
    ok.w.close();
    for (const [who, c] of [
      ["alice", alice],
      ["anon", anon],
    ] as const) {
      const denied = await firstWatchResponse(c, "/secret", false);
      const f = denied.first;
      out.push(
        `${who} watch /secret: created=${f.created} canceled=${f.canceled} id=${f.watchId} reason=${f.cancelReason}`,
      );
      denied.w.close();
    }
    const rootLease = await root.lease.grant({ TTL: 100 });
    await root.kv.put({
      key: Buffer.from("/secret"),
      value: Buffer.from("s"),
      lease: rootLease.ID,
    });
    await attempt("alice revoke root's lease", () => alice.lease.revoke({ ID: rootLease.ID }));
    const own = await alice.lease.grant({ TTL: 100 });
    await alice.kv.put({ key: Buffer.from("/app/2"), value: Buffer.from("v"), lease: own.ID });
    await attempt("alice put /app/3 on root's lease", () =>
      alice.kv.put({ key: Buffer.from("/app/3"), value: Buffer.from("v"), lease: rootLease.ID }),
    );
    await attempt("alice revoke own lease", () => alice.lease.revoke({ ID: own.ID }));
    await attempt("alice status", () => alice.maintenance.status());
    await attempt("alice hash", () => alice.maintenance.hash());
    await attempt("alice hashkv", () => alice.maintenance.hashKV({}));
    await attempt("alice member list", () => alice.cluster.memberList());
    await attempt("anon member list", () => anon.cluster.memberList());
    await attempt("alice alarm list", () => alice.maintenance.alarm({}));
    await attempt("alice compaction", async () => {
      const st = await root.maintenance.status();
      await alice.kv.compact({ revision: st.header!.revision });
    });
    await attempt("anon put", () => anon.kv.put({ key: Buffer.from("/app/4") }));
    await attempt("alice range all", () =>
      alice.kv.range({ key: Buffer.from([0]), rangeEnd: Buffer.from([0]) }),
    );
    await attempt("alice txn compare /secret", () =>
      alice.kv.txn({ compare: [{ key: Buffer.from("/secret") }] }),
    );
    const snap = async (c: EtcdClient) => {
      const s = await c.maintenance.snapshot();
      for await (const chunk of s) {
        if (chunk.blob.length > 0) return;
      }
    };
    await attempt("alice snapshot", () => snap(alice));
    await attempt("root snapshot", () => snap(root));
    await attempt("alice user get alice", () => alice.auth.userGet({ name: "alice" }));
    await attempt("alice role get app", () => alice.auth.roleGet({ role: "app" }));
    await attempt("alice role get root", () => alice.auth.roleGet({ role: "root" }));
    await attempt("anon authenticate bad", () =>
      anon.auth.authenticate({ name: "alice", password: "nope" }),
    );
  } finally {
    root.close();
    alice.close();
    anon.close();
  }
  return out;
}

test(
  "gRPC clients under auth: watch, lease, maintenance and auth reads match etcd 3.4",
  { skip: skipWithoutEtcd, timeout: 120_000 },
  async () => {
    const tsctl = await startTsctlServer({ extraArgs: FAST_BCRYPT });
    const etcd = await startRealEtcd({ extraArgs: FAST_BCRYPT });
    try {
      const [ours, theirs] = await Promise.all([
        grpcAuthOutcomes(tsctl.endpoint),
        grpcAuthOutcomes(etcd.endpoint),
      ]);
      assert.deepEqual(ours, theirs);
      assert.ok(ours.includes("alice hash: auth: permission denied [2]"), ours.join("\n"));
      assert.ok(
        ours.includes(
          "alice watch /secret: created=true canceled=true id=-1 reason=rpc error: code = PermissionDenied desc = etcdserver: permission denied",
        ),
        ours.join("\n"),
      );
    } finally {
      await Promise.all([tsctl.stop(), etcd.stop()]);
    }
  },
);

test("an unused token expires after --auth-token-ttl", { timeout: 60_000 }, async () => {
  const server = await startTsctlServer({ extraArgs: [...FAST_BCRYPT, "--auth-token-ttl", "1"] });
  try {
    for (const args of [
      ["user", "add", "root:pw"],
      ["auth", "enable"],
    ]) {
      const r = await ctl(server.endpoint, args);
      assert.equal(r.code, 0, r.stderr);
    }
    const authRes = await fetch(`${server.clientUrl}/v3/auth/authenticate`, {
      method: "POST",
      body: JSON.stringify({ name: "root", password: "pw" }),
    });
    const { token } = (await authRes.json()) as { token: string };
    const range = () =>
      fetch(`${server.clientUrl}/v3/kv/range`, {
        method: "POST",
        headers: { Authorization: token },
        body: JSON.stringify({ key: Buffer.from("k").toString("base64") }),
      });
    assert.equal((await range()).status, 200);
    await new Promise((r) => setTimeout(r, 2500));
    const expired = await range();
    assert.equal(expired.status, 401);
    assert.equal(
      ((await expired.json()) as { error: string }).error,
      "etcdserver: invalid auth token",
    );
  } finally {
    await server.stop();
  }
});
