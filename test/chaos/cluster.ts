// A 3-member `bin/tsctl server` cluster for chaos runs: every member advertises a proxy in
// front of its real peer port (so links can be cut per direction), uses a small
// --snapshot-count so snapshots and log compaction happen during a run, and can be killed,
// paused, restarted, or restarted with a torn WAL tail.
import { spawn, type ChildProcess } from "node:child_process";
import {
  closeSync,
  cpSync,
  existsSync,
  symlinkSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts, REPO_ROOT } from "../helpers/index.js";
import { parseSegment, HEADER_BYTES, RecordType } from "../../src/wal/record.js";
import { startPeerProxy } from "./proxy.js";
import type { LinkTable, PeerProxy } from "./proxy.js";

export interface ChaosMember {
  name: string;
  endpoint: string;
  clientUrl: string;
  dataDir: string;
  logFile: string;
  args: string[];
  process: ChildProcess | undefined;
  paused: boolean;
  proxy: PeerProxy;
}

export interface ChaosClusterOptions {
  size?: number;
  snapshotCount?: number;
  snapshotCatchUpEntries?: number;
  heartbeatMs?: number;
  electionMs?: number;
}

export class ChaosCluster implements LinkTable {
  readonly members: ChaosMember[] = [];
  /** Exits nobody asked for: "<name>: <code/signal>\n<log tail>". */
  readonly crashes: string[] = [];
  private readonly killing = new Set<ChildProcess>();
  private readonly cuts = new Set<string>();
  private constructor(readonly root: string) {}

  static async start(opts: ChaosClusterOptions = {}): Promise<ChaosCluster> {
    const size = opts.size ?? 3;
    const root = mkdtempSync(join(tmpdir(), "tsctl-chaos-"));
    const cluster = new ChaosCluster(root);
    cluster.snapshotCatchUpEntries = opts.snapshotCatchUpEntries ?? 50;
    await cluster.snapshotBuild();
    const ports = await freePorts(size * 3);
    const proxyUrls: string[] = [];
    for (let i = 0; i < size; i++) {
      const name = `m${i + 1}`;
      const proxy = await startPeerProxy(name, ports[3 * i + 1]!, cluster, ports[3 * i + 2]!);
      proxyUrls.push(`http://127.0.0.1:${proxy.port}`);
      cluster.members.push({
        name,
        endpoint: `127.0.0.1:${ports[3 * i]}`,
        clientUrl: `http://127.0.0.1:${ports[3 * i]}`,
        dataDir: join(root, `${name}.etcd`),
        logFile: join(root, `${name}.log`),
        args: [],
        process: undefined,
        paused: false,
        proxy,
      });
    }
    const initialCluster = cluster.members.map((m, i) => `${m.name}=${proxyUrls[i]}`).join(",");
    cluster.members.forEach((m, i) => {
      m.args = [
        ...["--name", m.name, "--data-dir", m.dataDir],
        ...["--listen-client-urls", m.clientUrl, "--advertise-client-urls", m.clientUrl],
        ...["--listen-peer-urls", `http://127.0.0.1:${ports[3 * i + 1]}`],
        ...["--initial-advertise-peer-urls", proxyUrls[i]!],
        ...["--initial-cluster", initialCluster, "--initial-cluster-state", "new"],
        ...["--initial-cluster-token", `chaos-${process.pid}`],
        ...["--snapshot-count", String(opts.snapshotCount ?? 200)],
        ...["--heartbeat-interval", String(opts.heartbeatMs ?? 50)],
        ...["--election-timeout", String(opts.electionMs ?? 500)],
      ];
    });
    process.on("exit", cluster.killAllNow);
    for (const m of cluster.members) cluster.spawn(m);
    try {
      await Promise.all(cluster.members.map((m) => cluster.waitHealthy(m, 30_000)));
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  /**
   * Copies the built executable into the run's directory: other people rebuild dist/
   * while a long run restarts members, and a restart must not find it half written.
   */
  private async snapshotBuild(): Promise<void> {
    const app = join(this.root, "app");
    // A rebuild in progress: wait for it (bounded).
    for (let i = 0; i < 120 && !existsSync(join(REPO_ROOT, "dist", "cli.js")); i++) {
      await new Promise((r) => setTimeout(r, 500));
    }
    cpSync(join(REPO_ROOT, "bin"), join(app, "bin"), { recursive: true });
    cpSync(join(REPO_ROOT, "dist"), join(app, "dist"), {
      recursive: true,
      filter: (src) => !src.endsWith(".map") && !src.includes("/types"),
    });
    cpSync(join(REPO_ROOT, "package.json"), join(app, "package.json"));
    symlinkSync(join(REPO_ROOT, "node_modules"), join(app, "node_modules"));
    this.executable = join(app, "bin", "tsctl");
  }
  private executable = join(REPO_ROOT, "bin/tsctl");
  private snapshotCatchUpEntries = 50;

  // LinkTable
  blocked(from: string | undefined, to: string): boolean {
    if (from !== undefined) return this.cuts.has(`${from}>${to}`);
    for (const c of this.cuts) if (c.endsWith(`>${to}`)) return true;
    return false;
  }
  pids(): Map<number, string> {
    const out = new Map<number, string>();
    for (const m of this.members) if (m.process?.pid !== undefined) out.set(m.process.pid, m.name);
    return out;
  }

  /** Cuts the links from -> to (messages from `from` to `to` are dropped). */
  cut(from: string, to: string): void {
    this.cuts.add(`${from}>${to}`);
    for (const m of this.members) m.proxy.refresh();
  }
  /** Cuts both directions between `name` and every other member. */
  isolate(name: string): void {
    for (const m of this.members) {
      if (m.name === name) continue;
      this.cuts.add(`${name}>${m.name}`).add(`${m.name}>${name}`);
    }
    for (const m of this.members) m.proxy.refresh();
  }
  healNetwork(): void {
    this.cuts.clear();
    for (const m of this.members) m.proxy.refresh();
  }

  spawn(m: ChaosMember): void {
    if (m.process) throw new Error(`${m.name} is already running`);
    const fd = openSync(m.logFile, "a");
    const env = { ...process.env };
    for (const k of Object.keys(env))
      if (k.startsWith("ETCD_") || k.startsWith("ETCDCTL_")) delete env[k];
    // Keep few entries behind each snapshot, so a follower that lags by a few hundred
    // entries must catch up through a snapshot.
    env.TSCTL_SNAPSHOT_CATCHUP_ENTRIES = String(this.snapshotCatchUpEntries);
    const child = spawn(process.execPath, [this.executable, "server", ...m.args], {
      stdio: ["ignore", fd, fd],
      env,
    });
    closeSync(fd);
    m.process = child;
    m.paused = false;
    child.once("exit", (code, signal) => {
      if (m.process === child) m.process = undefined;
      if (!this.killing.delete(child)) {
        this.crashes.push(`${m.name}: exit ${code ?? signal}\n${this.tail(m)}`);
      }
    });
  }

  async kill9(m: ChaosMember): Promise<void> {
    const p = m.process;
    if (!p) return;
    const exited = new Promise<void>((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) resolve();
      else p.once("exit", () => resolve());
    });
    this.killing.add(p);
    if (m.paused) p.kill("SIGCONT");
    p.kill("SIGKILL");
    await exited;
    m.process = undefined;
    m.paused = false;
  }

  /** SIGKILL without waiting (from an event handler, as early as possible). */
  killNow(m: ChaosMember): void {
    const p = m.process;
    if (!p) return;
    this.killing.add(p);
    if (m.paused) p.kill("SIGCONT");
    p.kill("SIGKILL");
  }

  pause(m: ChaosMember): void {
    if (m.process && !m.paused) {
      m.process.kill("SIGSTOP");
      m.paused = true;
    }
  }
  resume(m: ChaosMember): void {
    if (m.process && m.paused) {
      m.process.kill("SIGCONT");
      m.paused = false;
    }
  }

  /**
   * Appends half a record after the last complete one of the newest WAL segment, as a write
   * cut short by a crash leaves it (nothing acknowledged is touched). The member must be
   * down. Returns whether a segment was torn.
   */
  tearWalTail(m: ChaosMember, rnd: () => number): boolean {
    if (m.process) throw new Error(`tear ${m.name}'s WAL only while it is down`);
    const dir = join(m.dataDir, "member", "wal");
    let names: string[];
    try {
      names = readdirSync(dir)
        .filter((n) => n.endsWith(".wal"))
        .sort();
    } catch {
      return false;
    }
    const last = names[names.length - 1];
    if (last === undefined) return false;
    const file = join(dir, last);
    const buf = readFileSync(file);
    const parsed = parseSegment(buf, file, true);
    const claimed = 600 + Math.floor(rnd() * 4000);
    const written = 1 + Math.floor(rnd() * 200);
    const torn = Buffer.alloc(HEADER_BYTES + written);
    torn.writeUInt32LE(Math.floor(rnd() * 0xffffffff), 0);
    torn.writeUInt32LE(claimed, 4);
    torn.writeUInt32LE(RecordType.Entry, 8);
    for (let i = HEADER_BYTES; i < torn.length; i++) torn[i] = 1 + Math.floor(rnd() * 255);
    const end = parsed.validEnd + torn.length;
    const out = Buffer.alloc(Math.max(buf.length, end));
    buf.copy(out, 0, 0, parsed.validEnd);
    torn.copy(out, parsed.validEnd);
    writeFileSync(file, out);
    return true;
  }

  async waitHealthy(m: ChaosMember, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!m.process) throw new Error(`${m.name} exited:\n${this.tail(m)}`);
      try {
        const res = await fetch(`${m.clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
        if (res.status === 200) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`${m.name} not healthy:\n${this.tail(m)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  tail(m: ChaosMember, lines = 40): string {
    try {
      return readFileSync(m.logFile, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  /** Last resort when the harness itself exits early: SIGKILL our members by PID. */
  private readonly killAllNow = (): void => {
    for (const m of this.members) {
      if (m.process?.pid !== undefined && m.process.exitCode === null) {
        try {
          process.kill(m.process.pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
    }
  };

  async destroy(keepDir = false): Promise<void> {
    process.off("exit", this.killAllNow);
    for (const m of this.members) {
      this.resume(m);
      await this.kill9(m);
    }
    await Promise.all(this.members.map((m) => m.proxy.close()));
    if (!keepDir) rmSync(this.root, { recursive: true, force: true });
  }
}
