// Test harness: runs a cluster of `bin/tsctl server` processes on free loopback ports with
// fresh data dirs, and stops, kills or restarts members by PID.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, openSync, closeSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts, REPO_ROOT } from "../helpers/index.js";

export interface TsctlMember {
  name: string;
  clientUrl: string;
  /** host:port for --endpoints. */
  endpoint: string;
  peerUrl: string;
  dataDir: string;
  logFile: string;
  process?: ChildProcess;
  args: string[];
}

export interface TsctlCluster {
  members: TsctlMember[];
  /** Comma-separated endpoints of every member. */
  endpoints: string;
  start(m: TsctlMember): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(m: TsctlMember): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(m: TsctlMember): Promise<void>;
  /** Stops everything and removes the data dirs. */
  destroy(): Promise<void>;
  logs(m: TsctlMember): string;
}

export interface ClusterOptions {
  size?: number;
  token?: string;
  extraArgs?: string[];
  /** Runs after the members are planned and before any starts (e.g. fills their data dirs). */
  prepare?: (members: TsctlMember[], initialCluster: string, token: string) => Promise<void>;
}

async function waitHealthy(m: TsctlMember, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (m.process?.exitCode !== null && m.process?.exitCode !== undefined) {
      throw new Error(
        `member ${m.name} exited with code ${m.process.exitCode}:\n${readFileSync(m.logFile, "utf8")}`,
      );
    }
    try {
      const res = await fetch(`${m.clientUrl}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(
        `member ${m.name} not healthy after ${timeoutMs} ms:\n${readFileSync(m.logFile, "utf8")}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function waitExit(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => p.once("exit", () => resolve()));
}

export async function startTsctlCluster(opts: ClusterOptions = {}): Promise<TsctlCluster> {
  const size = opts.size ?? 1;
  const token = opts.token ?? `tsctl-test-${process.pid}`;
  const ports = await freePorts(size * 2);
  const root = mkdtempSync(join(tmpdir(), "tsctl-cluster-"));
  const members: TsctlMember[] = [];
  for (let i = 0; i < size; i++) {
    const name = `m${i + 1}`;
    const clientUrl = `http://127.0.0.1:${ports[2 * i]}`;
    const peerUrl = `http://127.0.0.1:${ports[2 * i + 1]}`;
    members.push({
      name,
      clientUrl,
      endpoint: `127.0.0.1:${ports[2 * i]}`,
      peerUrl,
      dataDir: join(root, `${name}.etcd`),
      logFile: join(root, `${name}.log`),
      args: [],
    });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(",");
  for (const m of members) {
    m.args = [
      "--name",
      m.name,
      "--data-dir",
      m.dataDir,
      "--listen-client-urls",
      m.clientUrl,
      "--advertise-client-urls",
      m.clientUrl,
      "--listen-peer-urls",
      m.peerUrl,
      "--initial-advertise-peer-urls",
      m.peerUrl,
      "--initial-cluster",
      initialCluster,
      "--initial-cluster-token",
      token,
      "--initial-cluster-state",
      "new",
      "--heartbeat-interval",
      "50",
      "--election-timeout",
      "500",
      ...(opts.extraArgs ?? []),
    ];
  }

  const cluster: TsctlCluster = {
    members,
    endpoints: members.map((m) => m.endpoint).join(","),
    async start(m) {
      const fd = openSync(m.logFile, "a");
      const env = { ...process.env };
      for (const k of Object.keys(env))
        if (k.startsWith("ETCD_") || k.startsWith("ETCDCTL_")) delete env[k];
      m.process = spawn(process.execPath, [join(REPO_ROOT, "bin/tsctl"), "server", ...m.args], {
        stdio: ["ignore", fd, fd],
        env,
      });
      closeSync(fd);
    },
    async stop(m) {
      if (!m.process) return;
      m.process.kill("SIGTERM");
      await waitExit(m.process);
      m.process = undefined;
    },
    async kill(m) {
      if (!m.process) return;
      m.process.kill("SIGKILL");
      await waitExit(m.process);
      m.process = undefined;
    },
    async destroy() {
      await Promise.all(members.map((m) => cluster.kill(m)));
      rmSync(root, { recursive: true, force: true });
    },
    logs(m) {
      return readFileSync(m.logFile, "utf8");
    },
  };
  try {
    await opts.prepare?.(members, initialCluster, token);
    for (const m of members) await cluster.start(m);
    await Promise.all(members.map((m) => waitHealthy(m, 20_000)));
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
  return cluster;
}

export { waitHealthy };
