import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startClientListener } from "../../../src/api/listener.js";
import { createClientHttpRouter } from "../../../src/api/http/router.js";
import type { ClientHttpOptions, HealthResult } from "../../../src/api/http/router.js";
import { createServerMetrics } from "../../../src/api/http/metrics.js";

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (k !== "date" && k !== "connection" && k !== "keep-alive" && typeof v === "string")
            h[k] = v;
        }
        resolve({ status: res.statusCode ?? 0, headers: h, body });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

async function withRouter(
  opts: Partial<ClientHttpOptions>,
  fn: (port: number, mount: ReturnType<typeof createClientHttpRouter>) => Promise<void>,
): Promise<void> {
  const router = createClientHttpRouter({ clusterVersion: () => "3.4.0", ...opts });
  const listener = await startClientListener({
    host: "127.0.0.1",
    port: 0,
    httpHandler: router.handler,
    drainGraceMs: 10,
  });
  try {
    await fn(listener.port, router);
  } finally {
    await listener.close();
  }
}

const CORS = {
  "access-control-allow-headers": "accept, content-type, authorization",
  "access-control-allow-methods": "POST, GET, OPTIONS, PUT, DELETE",
  "access-control-allow-origin": "*",
};

test("/version: exact bytes, not_decided, 405", async () => {
  let cluster: string | undefined;
  await withRouter({ clusterVersion: () => cluster }, async (port) => {
    assert.deepEqual(await call(port, "GET", "/version"), {
      status: 200,
      headers: { ...CORS, "content-type": "application/json", "content-length": "51" },
      body: '{"etcdserver":"3.4.23","etcdcluster":"not_decided"}',
    });
    cluster = "3.4.0";
    assert.equal(
      (await call(port, "GET", "/version")).body,
      '{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}',
    );
    assert.deepEqual(await call(port, "POST", "/version"), {
      status: 405,
      headers: {
        ...CORS,
        allow: "GET",
        "content-type": "text/plain; charset=utf-8",
        "x-content-type-options": "nosniff",
        "content-length": "19",
      },
      body: "Method Not Allowed\n",
    });
  });
});

test("/health: healthy, unhealthy, exclude=NOSPACE, metrics counters", async () => {
  let result: HealthResult = { health: true };
  let seenExcluded: string[] = [];
  const metrics = createServerMetrics({ processMetrics: false });
  await withRouter(
    {
      metrics,
      healthProbe: async ({ excludedAlarms }) => {
        seenExcluded = [...excludedAlarms];
        return result;
      },
    },
    async (port) => {
      assert.deepEqual(await call(port, "GET", "/health"), {
        status: 200,
        headers: { ...CORS, "content-type": "text/plain; charset=utf-8", "content-length": "17" },
        body: '{"health":"true"}',
      });
      result = { health: false, reason: "no leader" };
      const bad = await call(port, "GET", "/health?exclude=NOSPACE");
      assert.equal(bad.status, 503);
      assert.equal(bad.body, '{"health":"false"}\n');
      assert.deepEqual(seenExcluded, ["NOSPACE"]);
      assert.equal((await call(port, "POST", "/health")).status, 405);
      const text = await metrics.render();
      assert.match(text, /^etcd_server_health_success 1$/m);
      assert.match(text, /^etcd_server_health_failures 1$/m);
    },
  );
});

test("OPTIONS anywhere is 200 with CORS; unknown paths are Go's 404", async () => {
  await withRouter({}, async (port) => {
    assert.deepEqual(await call(port, "OPTIONS", "/anything"), {
      status: 200,
      headers: { ...CORS, "content-length": "0" },
      body: "",
    });
    assert.deepEqual(await call(port, "GET", "/bogus"), {
      status: 404,
      headers: {
        ...CORS,
        "content-type": "text/plain; charset=utf-8",
        "x-content-type-options": "nosniff",
        "content-length": "19",
      },
      body: "404 page not found\n",
    });
  });
});

test("mounted handlers: exact paths and longest prefix", async () => {
  await withRouter({}, async (port, router) => {
    router.mountPrefix("/v3/", (_q, s) => s.end("v3"));
    router.mountPrefix("/v3/kv/", (_q, s) => s.end("kv"));
    router.mountPath("/v2/machines", (_q, s) => s.end("machines"));
    assert.equal((await call(port, "POST", "/v3/lease/grant")).body, "v3");
    assert.equal((await call(port, "POST", "/v3/kv/range")).body, "kv");
    assert.equal((await call(port, "GET", "/v2/machines")).body, "machines");
    assert.equal((await call(port, "GET", "/v2/keys")).status, 404);
    // CORS headers reach mounted handlers' responses too.
    assert.equal((await call(port, "POST", "/v3/x")).headers["access-control-allow-origin"], "*");
  });
});

test("CORS list and host whitelist", async () => {
  await withRouter(
    { cors: ["http://good.example:80"], hostWhitelist: ["localhost"] },
    async (port) => {
      const ok = await call(port, "GET", "/version", {
        host: "localhost:2379",
        origin: "http://good.example:80",
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers["access-control-allow-origin"], "http://good.example:80");
      const other = await call(port, "GET", "/version", {
        host: "localhost",
        origin: "http://evil.example",
      });
      assert.equal(other.headers["access-control-allow-origin"], undefined);
      const rebind = await call(port, "GET", "/version", { host: "evil.example:2379" });
      assert.equal(rebind.status, 421);
      assert.match(rebind.body, /evil\.example/);
    },
  );
});

test("metrics-only router (--listen-metrics-urls) and /debug/vars", async () => {
  await withRouter(
    { metricsOnly: true, metrics: createServerMetrics({ processMetrics: false }) },
    async (port) => {
      assert.equal((await call(port, "GET", "/version")).status, 404);
      assert.equal((await call(port, "GET", "/metrics")).status, 200);
    },
  );
  await withRouter({}, async (port) => {
    const vars = await call(port, "GET", "/debug/vars");
    assert.equal(vars.status, 200);
    assert.ok(Array.isArray((JSON.parse(vars.body) as { cmdline: unknown }).cmdline));
  });
});

test("/metrics: Prometheus text with etcd's names", async () => {
  const metrics = createServerMetrics();
  metrics.setServerId("8e9e05c52164694d");
  metrics.setClusterVersion("3.4");
  metrics.hasLeader.set(1);
  metrics.isLeader.set(1);
  metrics.proposalsCommitted.set(8);
  metrics.walFsyncSeconds.observe(0.0015);
  metrics.keysTotal.set(3);
  await withRouter({ metrics }, async (port) => {
    const r = await call(port, "GET", "/metrics");
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    for (const line of [
      'etcd_server_id{server_id="8e9e05c52164694d"} 1',
      'etcd_server_version{server_version="3.4.23"} 1',
      'etcd_cluster_version{cluster_version="3.4"} 1',
      "etcd_server_has_leader 1",
      "etcd_server_is_leader 1",
      "etcd_server_proposals_committed_total 8",
      "etcd_server_proposals_applied_total 0",
      "etcd_server_proposals_pending 0",
      "etcd_server_proposals_failed_total 0",
      "etcd_server_leader_changes_seen_total 0",
      'etcd_disk_wal_fsync_duration_seconds_bucket{le="0.002"} 1',
      "etcd_debugging_mvcc_keys_total 3",
      "etcd_mvcc_db_total_size_in_bytes 0",
      "etcd_server_quota_backend_bytes 2147483648",
    ]) {
      assert.ok(r.body.split("\n").includes(line), line);
    }
    assert.match(r.body, /^process_resident_memory_bytes \d+/m);
  });
});

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

async function waitFor(port: number, path: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await call(port, "GET", path)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("etcd did not come up");
}

test(
  "same responses as a real etcd 3.4",
  { skip: !existsSync("/usr/bin/etcd") && "etcd not installed" },
  async () => {
    const [peer, client] = await Promise.all([freePort(), freePort()]);
    const dir = mkdtempSync(join(tmpdir(), "tsctl-http-etcd-"));
    const etcd = spawn(
      "/usr/bin/etcd",
      [
        "--data-dir",
        join(dir, "d"),
        "--logger=zap",
        "--log-level=error",
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=default=http://127.0.0.1:${peer}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
      ],
      { stdio: "ignore" },
    );
    try {
      await waitFor(client, "/health");
      await withRouter({ healthProbe: async () => ({ health: true }) }, async (port) => {
        for (const [method, path] of [
          ["GET", "/version"],
          ["POST", "/version"],
          ["GET", "/health"],
          ["PUT", "/health"],
          ["OPTIONS", "/whatever"],
          ["GET", "/nothing/here"],
        ] as const) {
          const [ours, theirs] = await Promise.all([
            call(port, method, path),
            call(client, method, path),
          ]);
          assert.deepEqual(ours, theirs, `${method} ${path}`);
        }
      });
    } finally {
      etcd.kill("SIGKILL");
    }
  },
);
