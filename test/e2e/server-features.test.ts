// `tsctl server` settings that must take effect, driven by the real etcdctl 3.4: backend quota
// and the NOSPACE alarm, auto compaction, request limits, the metrics listener, TLS and unix
// socket client URLs, peer TLS, discovery bootstrap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  REPO_ROOT,
  freePorts,
  hasOpenssl,
  makeTestCerts,
  runCli,
  skipWithoutEtcd,
  startRealEtcd,
  startTsctlServer,
  type RealEtcd,
} from "../helpers/index.js";
import { computeMemberId } from "../../src/membership/ids.js";
import { startTestDns } from "../unit/server/dns-server.js";
import { startTsctlCluster, waitHealthy, type TsctlCluster, type TsctlMember } from "./cluster.js";

const NOSPACE = "Error: etcdserver: mvcc: database space exceeded\n";

function etcdctl(endpoints: string, args: string[], input?: string, extra: string[] = []) {
  return runCli("etcdctl", [`--endpoints=${endpoints}`, ...extra, ...args], {
    env: { ETCDCTL_API: "3" },
    input,
  });
}

async function ok(endpoints: string, ...args: string[]): Promise<string> {
  const r = await etcdctl(endpoints, args);
  assert.equal(r.code, 0, `etcdctl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** The last line etcdctl wrote to stderr (clientv3 logs its retries as JSON lines first). */
function lastErrorLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  return `${lines[lines.length - 1]}\n`;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One `tsctl server` with arbitrary flags, in its own working directory. */
interface OneServer {
  dir: string;
  proc: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
}

function startServer(args: string[], env: Record<string, string> = {}): OneServer {
  const dir = mkdtempSync(join(tmpdir(), "tsctl-feat-"));
  const logFile = join(dir, "server.log");
  const fd = openSync(logFile, "a");
  const cleanEnv = { ...process.env, ...env };
  for (const k of Object.keys(cleanEnv))
    if (k.startsWith("ETCD_") || k.startsWith("ETCDCTL_")) delete cleanEnv[k];
  const proc = spawn(process.execPath, [join(REPO_ROOT, "bin/tsctl"), "server", ...args], {
    cwd: dir,
    stdio: ["ignore", fd, fd],
    env: cleanEnv,
  });
  closeSync(fd);
  return {
    dir,
    proc,
    logs: () => readFileSync(logFile, "utf8"),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGKILL");
        await new Promise((r) => proc.once("exit", r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function singleMemberArgs(clientUrl: string, peerUrl: string, dataDir: string): string[] {
  return [
    "--data-dir",
    dataDir,
    "--listen-client-urls",
    clientUrl,
    "--advertise-client-urls",
    clientUrl,
    "--listen-peer-urls",
    peerUrl,
    "--initial-advertise-peer-urls",
    peerUrl,
    "--initial-cluster",
    `default=${peerUrl}`,
    "--heartbeat-interval",
    "50",
    "--election-timeout",
    "500",
  ];
}

async function withCluster(
  opts: Parameters<typeof startTsctlCluster>[0],
  fn: (c: TsctlCluster) => Promise<void>,
): Promise<void> {
  const c = await startTsctlCluster(opts);
  try {
    await fn(c);
  } finally {
    await c.destroy();
  }
}

test(
  "--quota-backend-bytes: NOSPACE alarm on every member, then compact + defrag + disarm recovers",
  { skip: skipWithoutEtcd, timeout: 120_000 },
  async () => {
    await withCluster({ size: 3, extraArgs: ["--quota-backend-bytes", "200000"] }, async (c) => {
      const [a, b] = c.members;
      const value = "a".repeat(10_000);
      let failed: { stderr: string } | undefined;
      for (let i = 0; i < 100 && !failed; i++) {
        const r = await etcdctl(a!.endpoint, ["put", "foo", value]);
        if (r.code !== 0) failed = r;
        else assert.equal(r.stdout, "OK\n");
      }
      assert.ok(failed, "the quota never filled");
      assert.equal(
        lastErrorLine(failed.stderr),
        NOSPACE,
        c.members.map((m) => c.logs(m).slice(-3000)).join("\n"),
      );

      const id = JSON.parse(
        (await ok(a!.endpoint, "endpoint", "status", "-w", "json")).replace(
          /"member_id":(\d+)/,
          '"member_id":"$1"',
        ),
      )[0].Status.header.member_id as string;
      const alarmLine = `memberID:${id} alarm:NOSPACE \n`;
      // The alarm is replicated: every member lists it, refuses writes, reports unhealthy.
      for (const m of c.members) {
        await waitFor("alarm on " + m.name, async () =>
          (await ok(m.endpoint, "alarm", "list")) === alarmLine ? true : undefined,
        );
        const put = await etcdctl(m.endpoint, ["put", "x", "y"]);
        assert.equal(lastErrorLine(put.stderr), NOSPACE, `${m.name}: ${put.stderr}\n${c.logs(m)}`);
        const health = await fetch(`${m.clientUrl}/health`);
        assert.equal(health.status, 503);
        assert.equal(await health.text(), '{"health":"false"}\n');
      }
      const lease = await etcdctl(b!.endpoint, ["lease", "grant", "100"]);
      assert.equal(
        lastErrorLine(lease.stderr),
        "Error: failed to grant lease (etcdserver: mvcc: database space exceeded)\n",
      );
      const txn = await etcdctl(b!.endpoint, ["txn"], "\nput t v\n\n\n");
      assert.equal(lastErrorLine(txn.stderr), NOSPACE);
      const status = JSON.parse(await ok(b!.endpoint, "endpoint", "status", "-w", "json"));
      assert.deepEqual(status[0].Status.errors, [`memberID:${id} alarm:NOSPACE `]);

      // Reads and deletes still work.
      assert.equal((await ok(b!.endpoint, "get", "foo", "--print-value-only")).length, 10_001);
      assert.equal(await ok(b!.endpoint, "del", "nothing"), "0\n");

      const rev = JSON.parse(await ok(a!.endpoint, "get", "foo", "-w", "json")).header
        .revision as number;
      assert.equal(await ok(a!.endpoint, "compact", String(rev)), `compacted revision ${rev}\n`);
      for (const m of c.members) {
        assert.equal(
          await ok(m.endpoint, "defrag"),
          `Finished defragmenting etcd member[${m.endpoint}]\n`,
        );
      }
      assert.equal(await ok(a!.endpoint, "alarm", "disarm"), alarmLine);
      assert.equal(await ok(a!.endpoint, "alarm", "list"), "");
      for (const m of c.members) {
        await waitFor("writes on " + m.name, async () => {
          const r = await etcdctl(m.endpoint, ["put", "x", m.name]);
          return r.code === 0 ? true : undefined;
        });
        assert.equal((await fetch(`${m.clientUrl}/health`)).status, 200);
      }
    });
  },
);

test(
  "--auto-compaction-mode revision compacts on the leader, keeping the last N revisions",
  { skip: skipWithoutEtcd, timeout: 60_000 },
  async () => {
    // Revision mode checks every 5 minutes in etcd; the test knob makes that 200 ms.
    process.env.TSCTL_AUTO_COMPACTION_CHECK_INTERVAL_MS = "200";
    try {
      await withCluster(
        {
          size: 3,
          extraArgs: ["--auto-compaction-mode", "revision", "--auto-compaction-retention", "5"],
        },
        async (c) => {
          const ep = c.members[0]!.endpoint;
          for (let i = 0; i < 20; i++) await ok(ep, "put", "k", `v${i}`);
          const rev = JSON.parse(await ok(ep, "get", "k", "-w", "json")).header.revision as number;
          // Every member sees the compaction (it went through raft).
          for (const m of c.members) {
            await waitFor("compaction on " + m.name, async () => {
              const r = await etcdctl(m.endpoint, ["get", "k", `--rev=${rev - 6}`]);
              return r.code !== 0 ? r : undefined;
            }).then((r) =>
              assert.equal(
                lastErrorLine(r.stderr),
                "Error: etcdserver: mvcc: required revision has been compacted\n",
              ),
            );
          }
          assert.equal(await ok(ep, "get", "k", `--rev=${rev - 5}`, "--print-value-only"), "v14\n");
        },
      );
    } finally {
      delete process.env.TSCTL_AUTO_COMPACTION_CHECK_INTERVAL_MS;
    }
  },
);

test(
  "--auto-compaction-mode periodic with a 2s retention compacts old history",
  { skip: skipWithoutEtcd, timeout: 60_000 },
  async () => {
    await withCluster(
      {
        size: 1,
        extraArgs: ["--auto-compaction-mode", "periodic", "--auto-compaction-retention", "2s"],
      },
      async (c) => {
        const ep = c.members[0]!.endpoint;
        for (let i = 0; i < 5; i++) await ok(ep, "put", "p", `v${i}`);
        await waitFor("periodic compaction", async () => {
          const r = await etcdctl(ep, ["get", "p", "--rev=2"]);
          return r.code !== 0 ? true : undefined;
        });
        assert.match(c.logs(c.members[0]!), /completed auto compaction/);
      },
    );
  },
);

test(
  "--max-request-bytes and --max-txn-ops limit requests as etcd does",
  { skip: skipWithoutEtcd, timeout: 60_000 },
  async () => {
    await withCluster(
      { size: 1, extraArgs: ["--max-request-bytes", "100000", "--max-txn-ops", "2"] },
      async (c) => {
        const ep = c.members[0]!.endpoint;
        // Between the limit and the gRPC receive limit (limit + 512 KiB): etcdserver refuses.
        const mid = await etcdctl(ep, ["put", "big"], "x".repeat(150_000));
        assert.equal(lastErrorLine(mid.stderr), "Error: etcdserver: request is too large\n");
        // Above the gRPC receive limit, grpc itself refuses the message.
        const huge = await etcdctl(ep, ["put", "big"], "x".repeat(700_000));
        assert.match(
          lastErrorLine(huge.stderr),
          // etcd (grpc-go): "grpc: received message larger than max (700009 vs. 624288)";
          // grpc-js words it "Received message larger than max (700009 vs 624288)".
          /^Error: rpc error: code = ResourceExhausted desc = (grpc: received|Received) message larger than max \(\d+ vs\.? 624288\)\n$/,
        );
        assert.equal(await ok(ep, "put", "small", "x".repeat(1000)), "OK\n");
        const txn = await etcdctl(ep, ["txn"], "\nput a 1\nput b 2\nput c 3\n\n\n");
        assert.equal(
          lastErrorLine(txn.stderr),
          "Error: etcdserver: too many operations in txn request\n",
        );
        const txn2 = await etcdctl(ep, ["txn"], "\nput a 1\nput b 2\n\n\n");
        assert.equal(txn2.stdout, "SUCCESS\n\nOK\n\nOK\n");
      },
    );
  },
);

test(
  "--listen-metrics-urls serves /metrics and /health only",
  { skip: skipWithoutEtcd, timeout: 60_000 },
  async () => {
    const [metricsPort] = await freePorts(1);
    await withCluster(
      { size: 1, extraArgs: ["--listen-metrics-urls", `http://127.0.0.1:${metricsPort}`] },
      async () => {
        const base = `http://127.0.0.1:${metricsPort}`;
        // The gauges refresh every second: wait for the elected leader to show.
        await waitFor("has_leader 1", async () => {
          const metrics = await fetch(`${base}/metrics`);
          assert.equal(metrics.status, 200);
          return /^etcd_server_has_leader 1$/m.test(await metrics.text()) ? true : undefined;
        });
        const health = await fetch(`${base}/health`);
        assert.equal(health.status, 200);
        // etcd writes the healthy answer without a newline (http.Error adds one to the 503).
        assert.equal(await health.text(), '{"health":"true"}');
        assert.equal((await fetch(`${base}/version`)).status, 404);
        assert.equal(
          (await fetch(`${base}/v3/kv/range`, { method: "POST", body: "{}" })).status,
          404,
        );
      },
    );
  },
);

test(
  "https client URLs with --client-cert-auth, and a unix socket client URL",
  { skip: skipWithoutEtcd || (!hasOpenssl() && "openssl not installed"), timeout: 60_000 },
  async () => {
    const certs = makeTestCerts();
    const [cport, pport, uport] = await freePorts(3);
    const clientUrl = `https://127.0.0.1:${cport}`;
    const unixUrl = `unix://localhost:${uport}`;
    const dataDir = join(certs.dir, "data");
    const args = singleMemberArgs(clientUrl, `http://127.0.0.1:${pport}`, dataDir);
    args[3] = `${clientUrl},${unixUrl}`;
    const s = startServer([
      ...args,
      "--cert-file",
      certs.serverCert,
      "--key-file",
      certs.serverKey,
      "--trusted-ca-file",
      certs.caCert,
      "--client-cert-auth",
    ]);
    try {
      const tlsFlags = [
        `--cacert=${certs.caCert}`,
        `--cert=${certs.clientCert}`,
        `--key=${certs.clientKey}`,
      ];
      await waitFor(
        "TLS endpoint",
        async () =>
          (await etcdctl(clientUrl, ["put", "tls", "yes"], undefined, tlsFlags)).code === 0
            ? true
            : undefined,
        20_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${s.logs()}`);
      });
      const got = await etcdctl(
        clientUrl,
        ["get", "tls", "--print-value-only"],
        undefined,
        tlsFlags,
      );
      assert.equal(got.stdout, "yes\n");
      // Without a client certificate the handshake is refused.
      const anon = await etcdctl(
        clientUrl,
        ["get", "tls", "--command-timeout=2s", "--dial-timeout=1s"],
        undefined,
        [`--cacert=${certs.caCert}`],
      );
      assert.notEqual(anon.code, 0);
      // The unix socket (named after the URL's host:port, in the working directory).
      const viaUnix = await runCli(
        "etcdctl",
        [`--endpoints=${unixUrl}`, "get", "tls", "--print-value-only"],
        { env: { ETCDCTL_API: "3" }, cwd: s.dir },
      );
      assert.equal(viaUnix.stdout, "yes\n", viaUnix.stderr);
    } finally {
      await s.stop();
      certs.cleanup();
    }
  },
);

/** Three `tsctl server --discovery` members bootstrapping through a v2 keys service. */
async function bootstrapThroughDiscovery(service: RealEtcd, token: string): Promise<void> {
  const durl = `${service.clientUrl}/v2/keys/discovery/${token}`;
  const sized = await fetch(`${durl}/_config/size`, {
    method: "PUT",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "value=3",
  });
  assert.equal(sized.status, 201);
  const ports = await freePorts(6);
  const servers: OneServer[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const clientUrl = `http://127.0.0.1:${ports[2 * i]}`;
      const peerUrl = `http://127.0.0.1:${ports[2 * i + 1]}`;
      servers.push(
        startServer([
          "--name",
          `d${i + 1}`,
          "--data-dir",
          "data",
          "--listen-client-urls",
          clientUrl,
          "--advertise-client-urls",
          clientUrl,
          "--listen-peer-urls",
          peerUrl,
          "--initial-advertise-peer-urls",
          peerUrl,
          "--discovery",
          durl,
          "--heartbeat-interval",
          "50",
          "--election-timeout",
          "500",
        ]),
      );
    }
    const endpoints = ports.filter((_, i) => i % 2 === 0).map((p) => `127.0.0.1:${p}`);
    await waitFor(
      "discovered cluster",
      async () => {
        const r = await etcdctl(endpoints.join(","), ["endpoint", "health"]);
        return r.code === 0 ? true : undefined;
      },
      30_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${servers.map((s) => s.logs()).join("\n")}`);
    });
    // Ids come from the peer URL and the whole discovery URL (the cluster token).
    const list = (await ok(endpoints[0]!, "member", "list")).trim().split("\n").sort();
    const expected = [0, 1, 2]
      .map((i) => {
        const peerUrl = `http://127.0.0.1:${ports[2 * i + 1]}`;
        const id = computeMemberId([peerUrl], durl).toString(16);
        return `${id}, started, d${i + 1}, ${peerUrl}, http://127.0.0.1:${ports[2 * i]}, false`;
      })
      .sort();
    assert.deepEqual(list, expected);
    // The registrations are what etcd writes: <id hex> = name=peerURL.
    const dir = (await (await fetch(durl)).json()) as {
      node: { nodes: Array<{ key: string; value?: string }> };
    };
    const regs = dir.node.nodes
      .filter((n) => !n.key.endsWith("/_config"))
      .map((n) => `${n.key.split("/").pop()}=${n.value}`)
      .sort();
    assert.deepEqual(
      regs,
      [0, 1, 2]
        .map((i) => {
          const peerUrl = `http://127.0.0.1:${ports[2 * i + 1]}`;
          return `${computeMemberId([peerUrl], durl).toString(16)}=d${i + 1}=${peerUrl}`;
        })
        .sort(),
    );
    await ok(endpoints[1]!, "put", "disc", "overed");
    assert.equal(await ok(endpoints[2]!, "get", "disc", "--print-value-only"), "overed\n");
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

test(
  "--discovery bootstraps a 3-member cluster through a real etcd 3.4 (--enable-v2)",
  { skip: skipWithoutEtcd, timeout: 90_000 },
  async () => {
    const service = await startRealEtcd({ enableV2: true });
    try {
      await bootstrapThroughDiscovery(service, "real");
    } finally {
      await service.stop();
    }
  },
);

test(
  "--discovery bootstraps a 3-member cluster through a tsctl server --enable-v2",
  { skip: skipWithoutEtcd, timeout: 90_000 },
  async () => {
    const service = await startTsctlServer({ enableV2: true });
    try {
      await bootstrapThroughDiscovery(service, "tsctl");
    } finally {
      await service.stop();
    }
  },
);

test(
  "--discovery errors: missing size key, full cluster",
  { skip: skipWithoutEtcd, timeout: 60_000 },
  async () => {
    const service = await startRealEtcd({ enableV2: true });
    try {
      const [c, p] = await freePorts(2);
      const args = (durl: string) => [
        "--name",
        "x",
        "--data-dir",
        "data",
        "--listen-client-urls",
        `http://127.0.0.1:${c}`,
        "--advertise-client-urls",
        `http://127.0.0.1:${c}`,
        "--listen-peer-urls",
        `http://127.0.0.1:${p}`,
        "--initial-advertise-peer-urls",
        `http://127.0.0.1:${p}`,
        "--discovery",
        durl,
        "--discovery-fallback",
        "exit",
      ];
      const exitOf = async (s: OneServer) => {
        const code = await new Promise<number | null>((r) =>
          s.proc.exitCode !== null ? r(s.proc.exitCode) : s.proc.once("exit", (code) => r(code)),
        );
        return { code, logs: s.logs() };
      };
      const missing = startServer(args(`${service.clientUrl}/v2/keys/discovery/none`));
      try {
        const r = await exitOf(missing);
        assert.equal(r.code, 1);
        // etcd 3.4 prints the v2 error here (its "size key not found" check never matches).
        assert.match(
          r.logs,
          /failed to join discovery cluster \(100: Key not found \(\/discovery\) \[\d+\]\)/,
        );
      } finally {
        await missing.stop();
      }
      const durl = `${service.clientUrl}/v2/keys/discovery/full`;
      const put = (key: string, value: string) =>
        fetch(`${durl}/${key}`, {
          method: "PUT",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: `value=${encodeURIComponent(value)}`,
        });
      await put("_config/size", "1");
      await put("1234", "other=http://127.0.0.1:1");
      const full = startServer(args(durl));
      try {
        const r = await exitOf(full);
        assert.equal(r.code, 1);
        assert.match(r.logs, /failed to join discovery cluster \(discovery: cluster is full\)/);
      } finally {
        await full.stop();
      }
    } finally {
      await service.stop();
    }
  },
);

test(
  "peer TLS: a 3-member cluster over https peer URLs with --peer-client-cert-auth",
  { skip: skipWithoutEtcd || (!hasOpenssl() && "openssl not installed"), timeout: 90_000 },
  async () => {
    const certs = makeTestCerts();
    const ports = await freePorts(6);
    const peer = (i: number) => `https://127.0.0.1:${ports[2 * i + 1]}`;
    const client = (i: number) => `http://127.0.0.1:${ports[2 * i]}`;
    const initialCluster = [0, 1, 2].map((i) => `p${i + 1}=${peer(i)}`).join(",");
    const servers: OneServer[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        servers.push(
          startServer([
            "--name",
            `p${i + 1}`,
            "--data-dir",
            "data",
            "--listen-client-urls",
            client(i),
            "--advertise-client-urls",
            client(i),
            "--listen-peer-urls",
            peer(i),
            "--initial-advertise-peer-urls",
            peer(i),
            "--initial-cluster",
            initialCluster,
            "--peer-cert-file",
            certs.serverCert,
            "--peer-key-file",
            certs.serverKey,
            "--peer-trusted-ca-file",
            certs.caCert,
            "--peer-client-cert-auth",
            "--heartbeat-interval",
            "50",
            "--election-timeout",
            "500",
          ]),
        );
      }
      const endpoints = [0, 1, 2].map((i) => client(i).replace("http://", ""));
      await waitFor(
        "TLS peers",
        async () =>
          (await etcdctl(endpoints.join(","), ["endpoint", "health"])).code === 0
            ? true
            : undefined,
        30_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${servers.map((s) => s.logs()).join("\n")}`);
      });
      await ok(endpoints[0]!, "put", "over", "tls");
      for (const ep of endpoints) {
        await waitFor("replicated to " + ep, async () =>
          (await ok(ep, "get", "over", "--print-value-only", "--consistency=s")) === "tls\n"
            ? true
            : undefined,
        );
      }
      const list = await ok(endpoints[1]!, "member", "list");
      for (let i = 0; i < 3; i++) assert.ok(list.includes(`, p${i + 1}, ${peer(i)}, `), list);
      // A peer without a client certificate is refused by --peer-client-cert-auth.
      const get = (withCert: boolean) =>
        new Promise<string>((resolve) => {
          const req = httpsGet(
            `${peer(0)}/members`,
            {
              ca: readFileSync(certs.caCert),
              cert: withCert ? readFileSync(certs.clientCert) : undefined,
              key: withCert ? readFileSync(certs.clientKey) : undefined,
            },
            (res) => {
              res.resume();
              resolve(`status ${res.statusCode}`);
            },
          );
          req.on("error", () => resolve("refused"));
        });
      assert.equal(await get(false), "refused");
      assert.equal(await get(true), "status 200");
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      certs.cleanup();
    }
  },
);

test(
  "--initial-cluster-state existing: etcd's errors for unmatched peer URLs and a member count mismatch",
  { skip: skipWithoutEtcd, timeout: 60_000 },
  async () => {
    await withCluster({ size: 1 }, async (c) => {
      const m1 = c.members[0]!;
      const [cport, addedPort, otherPort] = await freePorts(3);
      const added = `http://127.0.0.1:${addedPort}`;
      const other = `http://127.0.0.1:${otherPort}`;
      // Right after start m1 may not have published its name yet (not "started" for the
      // strict reconfiguration check): retry briefly.
      const out = await waitFor("member add", async () => {
        const r = await etcdctl(m1.endpoint, ["member", "add", "m2", `--peer-urls=${added}`]);
        return r.code === 0 ? r.stdout : undefined;
      });
      const addedId = /Member\s+([0-9a-f]+) added/.exec(out)![1]!;
      const join = async (advertised: string, initialCluster: string) => {
        const s = startServer([
          "--name",
          "m2",
          "--data-dir",
          "data",
          "--listen-client-urls",
          `http://127.0.0.1:${cport}`,
          "--advertise-client-urls",
          `http://127.0.0.1:${cport}`,
          "--listen-peer-urls",
          advertised,
          "--initial-advertise-peer-urls",
          advertised,
          "--initial-cluster",
          initialCluster,
          "--initial-cluster-state",
          "existing",
        ]);
        try {
          const code = await new Promise<number | null>((r) => s.proc.once("exit", r));
          // JSON log lines escape the quotes of the resolver error.
          return { code, logs: s.logs().replace(/\\"/g, '"') };
        } finally {
          await s.stop();
        }
      };
      const clusterText = (logs: string) =>
        /error validating peerURLs (\{ClusterID:[^}]*?.*RemovedMemberIDs:\[\]\})/.exec(logs)?.[1];

      const unmatched = await join(other, `m1=${m1.peerUrl},m2=${other}`);
      assert.equal(unmatched.code, 1);
      assert.match(
        unmatched.logs,
        new RegExp(
          `: PeerURLs: no match found for existing member \\(${addedId}, \\[${added}\\]\\), last resolver error \\(resolved urls: "${added}" != "${other}"\\)`,
        ),
      );
      const text = clusterText(unmatched.logs)!;
      assert.ok(
        text.includes(
          `&{ID:${addedId} RaftAttributes:{PeerURLs:[${added}] IsLearner:false} Attributes:{Name: ClientURLs:[]}}`,
        ),
        text,
      );
      assert.ok(text.includes(`Attributes:{Name:m1 ClientURLs:[${m1.clientUrl}]}}`), text);

      const count = await join(added, `m1=${m1.peerUrl},m2=${added},m3=${other}`);
      assert.equal(count.code, 1);
      assert.match(
        count.logs,
        /error validating peerURLs \{ClusterID:[0-9a-f]+ .*\}: member count is unequal/,
      );
    });
  },
);

test(
  "a new member whose id already runs in the cluster refuses to bootstrap again",
  { skip: skipWithoutEtcd, timeout: 60_000 },
  async () => {
    await withCluster({ size: 3 }, async (c) => {
      const m3 = c.members[2]!;
      const id = JSON.parse(
        (await ok(m3.endpoint, "endpoint", "status", "-w", "json")).replace(
          /"member_id":(\d+)/,
          '"member_id":"$1"',
        ),
      )[0].Status.header.member_id as string;
      await c.stop(m3);
      rmSync(m3.dataDir, { recursive: true, force: true });
      await c.start(m3);
      const code = await new Promise<number | null>((r) => m3.process!.once("exit", r));
      m3.process = undefined;
      assert.equal(code, 1);
      assert.match(
        c.logs(m3),
        new RegExp(`member ${BigInt(id).toString(16)} has already been bootstrapped`),
      );
    });
  },
);

test(
  "--discovery-srv bootstraps a 3-member cluster from SRV records (test DNS server)",
  { skip: skipWithoutEtcd, timeout: 90_000 },
  async () => {
    const ports = await freePorts(6);
    const peerPort = (i: number) => ports[2 * i + 1]!;
    const dns = await startTestDns(
      {
        "_etcd-server._tcp.srv.test": [0, 1, 2].map((i) => ({
          priority: 0,
          weight: 10,
          port: peerPort(i),
          target: "localhost.",
        })),
      },
      { localhost: "127.0.0.1" },
    );
    const servers: OneServer[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const clientUrl = `http://127.0.0.1:${ports[2 * i]}`;
        servers.push(
          startServer(
            [
              "--name",
              `s${i + 1}`,
              "--data-dir",
              "data",
              "--listen-client-urls",
              clientUrl,
              "--advertise-client-urls",
              clientUrl,
              "--listen-peer-urls",
              `http://127.0.0.1:${peerPort(i)}`,
              "--initial-advertise-peer-urls",
              `http://localhost:${peerPort(i)}`,
              "--discovery-srv",
              "srv.test",
              "--heartbeat-interval",
              "50",
              "--election-timeout",
              "500",
            ],
            { TSCTL_DNS_SERVER: dns.address },
          ),
        );
      }
      const endpoints = [0, 1, 2].map((i) => `127.0.0.1:${ports[2 * i]}`);
      await waitFor(
        "SRV-discovered cluster",
        async () =>
          (await etcdctl(endpoints.join(","), ["endpoint", "health"])).code === 0
            ? true
            : undefined,
        30_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${servers.map((s) => s.logs()).join("\n")}`);
      });
      const list = await ok(endpoints[0]!, "member", "list");
      for (let i = 0; i < 3; i++) {
        assert.ok(list.includes(`, s${i + 1}, http://localhost:${peerPort(i)}, `), list);
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await dns.close();
    }
  },
);

test(
  "--force-new-cluster restarts a member from its data as a one-member cluster",
  { skip: skipWithoutEtcd, timeout: 90_000 },
  async () => {
    await withCluster({ size: 3 }, async (c) => {
      const [m1, m2, m3] = c.members as [TsctlMember, TsctlMember, TsctlMember];
      for (let i = 0; i < 5; i++) await ok(c.endpoints, "put", `f${i}`, `v${i}`);
      const id1 = (await ok(m1.endpoint, "endpoint", "status")).split(", ")[1]!;
      for (const m of [m1, m2, m3]) await c.stop(m);
      m1.args = [...m1.args, "--force-new-cluster"];
      await c.start(m1);
      await waitHealthy(m1, 20_000);
      const list = (await ok(m1.endpoint, "member", "list")).trim().split("\n");
      assert.equal(list.length, 1, list.join("\n"));
      assert.match(
        list[0]!,
        new RegExp(`^${id1}, started, m1, ${m1.peerUrl}, ${m1.clientUrl}, false$`),
      );
      assert.equal(await ok(m1.endpoint, "get", "f4", "--print-value-only"), "v4\n");
      assert.equal(await ok(m1.endpoint, "put", "after", "force"), "OK\n");
      // Restarting without the flag keeps the one-member configuration.
      await c.stop(m1);
      m1.args = m1.args.filter((a) => a !== "--force-new-cluster");
      await c.start(m1);
      await waitHealthy(m1, 20_000);
      assert.equal((await ok(m1.endpoint, "member", "list")).trim().split("\n").length, 1);
      assert.equal(await ok(m1.endpoint, "get", "after", "--print-value-only"), "force\n");
    });
  },
);

test(
  "https listen URLs without certificates fail before any data is written (etcd's texts)",
  { skip: skipWithoutEtcd, timeout: 30_000 },
  async () => {
    const [c, p] = await freePorts(2);
    const cases: Array<[string[], string]> = [
      [
        [
          "--listen-client-urls",
          `https://127.0.0.1:${c}`,
          "--advertise-client-urls",
          `https://127.0.0.1:${c}`,
        ],
        `TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:${c} with HTTPS scheme`,
      ],
      [
        [
          "--listen-peer-urls",
          `https://127.0.0.1:${p}`,
          "--initial-advertise-peer-urls",
          `https://127.0.0.1:${p}`,
          "--initial-cluster",
          `default=https://127.0.0.1:${p}`,
        ],
        `cannot listen on TLS for 127.0.0.1:${p}: KeyFile and CertFile are not presented`,
      ],
    ];
    for (const [flags, text] of cases) {
      const s = startServer(["--data-dir", "data", ...flags]);
      try {
        const code = await new Promise<number | null>((r) => s.proc.once("exit", r));
        assert.equal(code, 1);
        assert.ok(s.logs().includes(text), s.logs());
        assert.equal(existsSync(join(s.dir, "data")), false);
      } finally {
        await s.stop();
      }
    }
  },
);
