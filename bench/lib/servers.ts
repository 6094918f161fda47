// Starts a cluster of real etcd or `tsctl server` members for the benchmark, with the same
// flags and data dirs under the same parent dir, and reads their memory and CPU from /proc.
// Members are stopped by PID (SIGTERM, then SIGKILL).

import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { encodeRange } from "./wire.js";

export type ServerKind = "etcd" | "tsctl";

export const ETCD_BIN = "/usr/bin/etcd";
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSCTL_BIN = join(REPO_ROOT, "bin/tsctl");

export interface Member {
  name: string;
  endpoint: string;
  dataDir: string;
  logFile: string;
  process: ChildProcess;
}

export interface Cluster {
  kind: ServerKind;
  members: Member[];
  endpoints: string[];
  /** From spawning the members to the first answered linearizable Range on member 1. */
  startToFirstRequestMs: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  kind: ServerKind;
  size: number;
  /** Parent of the members' data dirs and log files. */
  dir: string;
  /** For tsctl: write a V8 CPU profile of each member into this dir (at exit). */
  cpuProfileDir?: string;
}

async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => resolve());
      });
      const a = s.address();
      if (a === null || typeof a === "string") throw new Error("freePorts: no address");
      ports.push(a.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/** The flags both servers get, as etcd spells them. */
export function memberFlags(opts: {
  name: string;
  dataDir: string;
  clientUrl: string;
  peerUrl: string;
  initialCluster: string;
  token: string;
}): string[] {
  return [
    "--name", opts.name,
    "--data-dir", opts.dataDir,
    "--listen-client-urls", opts.clientUrl,
    "--advertise-client-urls", opts.clientUrl,
    "--listen-peer-urls", opts.peerUrl,
    "--initial-advertise-peer-urls", opts.peerUrl,
    "--initial-cluster", opts.initialCluster,
    "--initial-cluster-token", opts.token,
    "--initial-cluster-state", "new",
    "--quota-backend-bytes", String(8 * 1024 * 1024 * 1024),
    "--logger", "zap",
    "--log-outputs", "stderr",
  ]; // prettier-ignore
}

let clusterSeq = 0;

export async function startCluster(opts: StartOptions): Promise<Cluster> {
  const seq = clusterSeq++;
  const ports = await freePorts(opts.size * 2);
  const specs = Array.from({ length: opts.size }, (_, i) => ({
    name: `m${i + 1}`,
    clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
    peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
    endpoint: `127.0.0.1:${ports[2 * i]}`,
    dataDir: join(opts.dir, `${opts.kind}-${seq}-m${i + 1}.data`),
    logFile: join(opts.dir, `${opts.kind}-${seq}-m${i + 1}.log`),
  }));
  const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(",");
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if (k.startsWith("ETCD_") || k.startsWith("ETCDCTL_")) delete env[k];
  const t0 = performance.now();
  const members: Member[] = specs.map((s) => {
    const flags = memberFlags({ ...s, initialCluster, token: `bench-${process.pid}-${seq}` });
    const fd = openSync(s.logFile, "a");
    let child: ChildProcess;
    if (opts.kind === "etcd") {
      child = spawn(ETCD_BIN, flags, { stdio: ["ignore", fd, fd], env });
    } else {
      const nodeFlags: string[] = [];
      if (opts.cpuProfileDir) {
        mkdirSync(opts.cpuProfileDir, { recursive: true });
        nodeFlags.push("--cpu-prof", "--cpu-prof-dir", opts.cpuProfileDir);
      }
      child = spawn(process.execPath, [...nodeFlags, TSCTL_BIN, "server", ...flags], {
        stdio: ["ignore", fd, fd],
        env,
      });
    }
    closeSync(fd);
    return {
      name: s.name,
      endpoint: s.endpoint,
      dataDir: s.dataDir,
      logFile: s.logFile,
      process: child,
    };
  });
  const stop = async (): Promise<void> => {
    await Promise.all(members.map((m) => stopProcess(m.process)));
  };
  try {
    await firstAnsweredRange(members[0]!, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const startToFirstRequestMs = performance.now() - t0;
  // The other members must be serving too before a multi-member row starts.
  try {
    await Promise.all(members.slice(1).map((m) => firstAnsweredRange(m, 60_000)));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    kind: opts.kind,
    members,
    endpoints: members.map((m) => m.endpoint),
    startToFirstRequestMs,
    stop,
  };
}

async function firstAnsweredRange(m: Member, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const req = encodeRange(Buffer.from("bench-probe"), { serializable: false });
  const id = (b: Buffer): Buffer => b;
  for (;;) {
    if (m.process.exitCode !== null) {
      throw new Error(`${m.name} exited with code ${m.process.exitCode}:\n${tail(m.logFile)}`);
    }
    const client = new grpc.Client(m.endpoint, grpc.credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
      "grpc.initial_reconnect_backoff_ms": 10,
      "grpc.max_reconnect_backoff_ms": 20,
    });
    const ok = await new Promise<boolean>((resolve) => {
      client.makeUnaryRequest(
        "/etcdserverpb.KV/Range",
        id,
        id,
        req,
        new grpc.Metadata(),
        { deadline: Date.now() + 1000 },
        (err) => resolve(!err),
      );
    });
    client.close();
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`${m.name} not serving after ${timeoutMs} ms:\n${tail(m.logFile)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-20).join("\n");
  } catch {
    return "(no log)";
  }
}

export async function stopProcess(p: ChildProcess, graceMs = 15_000): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.once("exit", () => resolve()));
  p.kill("SIGTERM");
  const timer = setTimeout(() => p.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Peak and current resident set size of a process, in bytes (Linux /proc). */
export function memoryOf(pid: number): { peakRssBytes: number; rssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return m ? Number(m[1]) * 1024 : NaN;
  };
  return { peakRssBytes: kb("VmHWM"), rssBytes: kb("VmRSS") };
}

/**
 * CPU time a process has used so far, in ms: the scheduler's exact run time summed over its
 * threads (/proc/<pid>/task/<tid>/schedstat, ns). The tick-sampled utime/stime of
 * /proc/<pid>/stat misattribute short, frequent wake-ups; they are the fallback.
 */
export function cpuTimeMsOf(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        /* the thread exited meanwhile */
      }
    }
    if (ns > 0) return ns / 1e6;
  } catch {
    /* no schedstat: fall back to ticks */
  }
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) * 10;
}
