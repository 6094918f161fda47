// Spawns a real etcd 3.4 (/usr/bin/etcd) on free ports with a fresh data dir, for compat tests.
// Stops it by PID (SIGTERM, then SIGKILL) and removes the data dir.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { freePorts } from "./ports.js";
import { REPO_ROOT } from "./root.js";

export const ETCD_BIN = "/usr/bin/etcd";
export const ETCDCTL_BIN = "/usr/bin/etcdctl";

/** True when the real etcd binaries are installed; use as `{ skip: !hasRealEtcd() && "..." }`. */
export function hasRealEtcd(): boolean {
  return fs.existsSync(ETCD_BIN) && fs.existsSync(ETCDCTL_BIN);
}

/** The `skip` option for node:test when real etcd is missing (false when present). */
export const skipWithoutEtcd: string | false = hasRealEtcd()
  ? false
  : `${ETCD_BIN} not installed (apt-get install etcd-server etcd-client)`;

export interface RealEtcd {
  clientUrl: string;
  peerUrl: string;
  /** 127.0.0.1:port, the form etcdctl's --endpoints and the v3 client accept. */
  endpoint: string;
  dataDir: string;
  pid: number;
  name: string;
  stop(): Promise<void>;
}

export interface StartRealEtcdOptions {
  enableV2?: boolean;
  extraArgs?: string[];
  name?: string;
  /** Serve clients over https with these files (PEM paths). */
  tls?: {
    cert: string;
    key: string;
    ca: string;
    clientCertAuth?: boolean;
    clientCert?: string;
    clientKey?: string;
  };
  /** How long to wait for /health; default 20 s. */
  startTimeoutMs?: number;
}

const running = new Set<RealEtcd>();
process.once("exit", () => {
  // Last resort so a failed test never leaves an etcd behind.
  for (const etcd of running) {
    try {
      process.kill(etcd.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

export async function startRealEtcd(opts: StartRealEtcdOptions = {}): Promise<RealEtcd> {
  if (!hasRealEtcd()) throw new Error(`${ETCD_BIN} is not installed`);
  return startServer(ETCD_BIN, [], opts);
}

/**
 * `node bin/tsctl server` with the same flags and the same handle as startRealEtcd (needs
 * `npm run build` first), so a suite can run against either server.
 */
export function startTsctlServer(opts: StartRealEtcdOptions = {}): Promise<RealEtcd> {
  return startServer(process.execPath, [path.join(REPO_ROOT, "bin/tsctl"), "server"], opts);
}

/** Which server compat suites use: TSCTL_COMPAT_SERVER=tsctl selects `tsctl server`. */
export function startCompatServer(opts: StartRealEtcdOptions = {}): Promise<RealEtcd> {
  return process.env.TSCTL_COMPAT_SERVER === "tsctl" ? startTsctlServer(opts) : startRealEtcd(opts);
}

export interface RealEtcdCluster {
  members: RealEtcd[];
  /** Every member's host:port, for --endpoints or the client's endpoints option. */
  endpoints: string[];
  stop(): Promise<void>;
}

/**
 * A cluster of `size` real etcd members (names m0, m1, ...) on free ports, started together.
 * Stop single members with members[i].stop(); stop() stops what is left.
 */
export async function startRealEtcdCluster(
  size: number,
  opts: Omit<StartRealEtcdOptions, "name" | "tls"> = {},
): Promise<RealEtcdCluster> {
  if (!hasRealEtcd()) throw new Error(`${ETCD_BIN} is not installed`);
  const ports = await freePorts(2 * size);
  const names = Array.from({ length: size }, (_, i) => `m${i}`);
  const initialCluster = names.map((n, i) => `${n}=http://127.0.0.1:${ports[2 * i + 1]}`).join(",");
  const started = await Promise.allSettled(
    names.map((name, i) =>
      startServer(
        ETCD_BIN,
        [],
        { ...opts, name },
        {
          clientPort: ports[2 * i] ?? 0,
          peerPort: ports[2 * i + 1] ?? 0,
          initialCluster,
        },
      ),
    ),
  );
  const members = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = started.find((r) => r.status === "rejected");
  if (failed !== undefined) {
    await Promise.all(members.map((m) => m.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  return {
    members,
    endpoints: members.map((m) => m.endpoint),
    stop: async () => {
      await Promise.all(members.map((m) => m.stop()));
    },
  };
}

interface Placement {
  clientPort: number;
  peerPort: number;
  initialCluster: string;
}

async function startServer(
  bin: string,
  leadingArgs: string[],
  opts: StartRealEtcdOptions,
  placement?: Placement,
): Promise<RealEtcd> {
  const [clientPort, peerPort] = placement
    ? [placement.clientPort, placement.peerPort]
    : await freePorts(2);
  const name = opts.name ?? "default";
  const tls = opts.tls;
  const clientUrl = `${tls ? "https" : "http"}://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tsctl-etcd-"));
  const args = [
    ...leadingArgs,
    "--name",
    name,
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
    placement?.initialCluster ?? `${name}=${peerUrl}`,
    "--log-level",
    "error",
    "--logger",
    "zap",
    ...(opts.enableV2 ? ["--enable-v2"] : []),
    ...(tls
      ? [
          "--cert-file",
          tls.cert,
          "--key-file",
          tls.key,
          "--trusted-ca-file",
          tls.ca,
          ...(tls.clientCertAuth ? ["--client-cert-auth"] : []),
        ]
      : []),
    ...(opts.extraArgs ?? []),
  ];
  // etcd refuses to start when an ETCD_* variable shadows a flag; give it a clean environment.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("ETCD")) env[k] = v;
  const child = spawn(bin, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("startRealEtcd: spawn failed");

  const etcd: RealEtcd = {
    clientUrl,
    peerUrl,
    endpoint: `127.0.0.1:${clientPort}`,
    dataDir,
    pid,
    name,
    stop: () => stopChild(child, etcd),
  };
  running.add(etcd);
  try {
    await waitHealthy(clientUrl, child, opts.startTimeoutMs ?? 20_000, () => stderr, tls);
  } catch (err) {
    await etcd.stop();
    throw err;
  }
  return etcd;
}

async function stopChild(child: ChildProcess, etcd: RealEtcd): Promise<void> {
  if (running.has(etcd)) {
    running.delete(etcd);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      process.kill(etcd.pid, "SIGTERM");
      const timer = setTimeout(() => {
        try {
          process.kill(etcd.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
  }
  fs.rmSync(etcd.dataDir, { recursive: true, force: true });
}

async function waitHealthy(
  clientUrl: string,
  child: ChildProcess,
  timeoutMs: number,
  stderr: () => string,
  tls: StartRealEtcdOptions["tls"],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd exited early (${child.exitCode ?? child.signalCode}):\n${stderr()}`);
    }
    if (await healthOk(clientUrl, tls)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`etcd did not become healthy within ${timeoutMs} ms:\n${stderr()}`);
}

function healthOk(clientUrl: string, tls: StartRealEtcdOptions["tls"]): Promise<boolean> {
  return new Promise((resolve) => {
    const get = tls ? https.get : http.get;
    const tlsOpts = tls
      ? {
          ca: fs.readFileSync(tls.ca),
          cert: tls.clientCert ? fs.readFileSync(tls.clientCert) : undefined,
          key: tls.clientKey ? fs.readFileSync(tls.clientKey) : undefined,
        }
      : {};
    const req = get(`${clientUrl}/health`, { timeout: 1000, ...tlsOpts }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(res.statusCode === 200 && body.includes('"true"')));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}
