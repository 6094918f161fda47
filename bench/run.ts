// Side-by-side benchmark of real etcd 3.4 and `tsctl server` on this machine: starts each with
// the same flags and data dir parent, runs the same load (separate worker processes, raw gRPC
// with pre-encoded requests) against each in turn, and prints a Markdown table of figures and
// tsctl/etcd ratios (also written to bench/results.md for a full run).
// Usage: npm run bench -- [--duration S] [--only id,id] [--tsctl-only] [--big] [--workers N]
//        [--keys N] [--dir D] [--profile DIR] [--out FILE]
// Row ids: put-1 put-100 get-l-100 get-s-100 txn-100 watch-1000 put-1-3m put-100-3m
//          get-l-100-3m dataset

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { formatSummary, summariseProfile, type CpuProfile } from "./lib/profile.js";
import type { Job, LoadOp } from "./lib/protocol.js";
import {
  cpuTimeMsOf,
  ETCD_BIN,
  memoryOf,
  startCluster,
  type Cluster,
  type ServerKind,
} from "./lib/servers.js";
import { renderMarkdown, type Figures, type ResultRow, type Unit } from "./lib/table.js";
import { aggregate, runPhase, split } from "./lib/workers.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

const durationMs = Number(arg("duration") ?? 5) * 1000;
const only = arg("only")
  ?.split(",")
  .map((s) => s.trim());
const tsctlOnly = flag("tsctl-only");
const big = flag("big");
const workers = Math.max(1, Number(arg("workers") ?? 2));
const keySpace = Number(arg("keys") ?? 10_000);
const dataSetKeys = big ? 1_000_000 : Number(arg("data-set-keys") ?? 100_000);
const profileDir = arg("profile");
const outFile =
  arg("out") ??
  (only || tsctlOnly ? undefined : fileURLToPath(new URL("./results.md", import.meta.url)));
const baseDir = mkdtempSync(join(arg("dir") ?? tmpdir(), "tsctl-bench-"));

interface RowSpec {
  id: string;
  title: string;
  members: 1 | 3;
  unit: Unit;
  run(c: Cluster): Promise<Figures>;
}

const wanted = (id: string): boolean => !only || only.includes(id);

/** Jobs for `clients` closed-loop clients over `conns` connections, split over the workers. */
function loadJobs(c: Cluster, op: LoadOp, clients: number, conns: number): Job[] {
  const n = Math.min(workers, conns, clients);
  const connShares = split(conns, n);
  const clientShares = split(clients, n);
  let connOffset = 0;
  return connShares.map((cs, i) => {
    const job: Job = {
      type: "load",
      op,
      endpoints: c.endpoints,
      connOffset,
      conns: cs,
      clients: clientShares[i]!,
      durationMs,
      keySpace,
    };
    connOffset += cs;
    return job;
  });
}

/** Runs the jobs and measures the servers' CPU over the same window. */
async function measured(
  c: Cluster,
  jobs: Job[],
  pick: (i: number) => boolean = () => true,
): Promise<Figures> {
  const cpu0 = c.members.map((m) => cpuTimeMsOf(m.process.pid!));
  const t0 = performance.now();
  const { results } = await runPhase(jobs);
  const wallMs = performance.now() - t0;
  const cpu1 = c.members.map((m) => cpuTimeMsOf(m.process.pid!));
  const counted = results.filter((_, i) => pick(i));
  const a = aggregate(counted);
  const all = aggregate(results);
  const serverCpuMs = cpu1.reduce((s, v, i) => s + v - cpu0[i]!, 0);
  if (a.errors > 0) console.error(`  ${a.errors} errors, first: ${a.firstError}`);
  return {
    value: a.perSec,
    p50Us: a.p50Us,
    p99Us: a.p99Us,
    loadCpuCores: all.loadCpuCores,
    // The phase includes worker set-up; the server is mostly idle then, so this understates a little.
    serverCpuCores: serverCpuMs / Math.max(durationMs, wallMs - 1000),
    errors: a.errors,
  };
}

function closedLoop(op: LoadOp, clients: number, conns: number) {
  return (c: Cluster): Promise<Figures> => measured(c, loadJobs(c, op, clients, conns));
}

async function watchFanOut(c: Cluster): Promise<Figures> {
  const watchers = 1000;
  const conns = 10;
  const n = Math.min(workers, conns);
  const connShares = split(conns, n);
  const watcherShares = split(watchers, n);
  let connOffset = 0;
  const jobs: Job[] = connShares.map((cs, i) => {
    const job: Job = {
      type: "watch",
      endpoints: c.endpoints,
      connOffset,
      conns: cs,
      streams: cs,
      watchers: watcherShares[i]!,
      key: "watched",
    };
    connOffset += cs;
    return job;
  });
  jobs.push({
    type: "load",
    op: "put-stamped",
    endpoints: c.endpoints,
    connOffset: 0,
    conns: 1,
    clients: 1,
    durationMs,
    keySpace: 1,
    key: "watched",
  });
  const writer = jobs.length - 1;
  return measured(c, jobs, (i) => i !== writer);
}

async function fill(c: Cluster, keys: "load" | "data-set", count: number): Promise<Figures> {
  const conns = Math.min(4, Math.max(1, workers * 2));
  const n = Math.min(workers, conns);
  const counts = split(count, n);
  const connShares = split(conns, n);
  let from = 0;
  let connOffset = 0;
  const jobs: Job[] = counts.map((k, i) => {
    const job: Job = {
      type: "fill",
      keys,
      from,
      to: from + k,
      batch: 100,
      concurrency: 8,
      endpoints: c.endpoints,
      connOffset,
      conns: connShares[i]!,
    };
    from += k;
    connOffset += connShares[i]!;
    return job;
  });
  const { results } = await runPhase(jobs);
  const a = aggregate(results);
  if (a.errors > 0) throw new Error(`fill failed: ${a.errors} errors, first: ${a.firstError}`);
  return { value: a.perSec, loadCpuCores: a.loadCpuCores };
}

const ROWS: RowSpec[] = [
  { id: "put-1", title: "put, 1 client", members: 1, unit: "ops/s", run: closedLoop("put", 1, 1) },
  {
    id: "put-100",
    title: "put, 100 clients / 10 conns",
    members: 1,
    unit: "ops/s",
    run: closedLoop("put", 100, 10),
  },
  {
    id: "get-l-100",
    title: "linearizable get, 100 clients",
    members: 1,
    unit: "ops/s",
    run: closedLoop("range-linearizable", 100, 10),
  },
  {
    id: "get-s-100",
    title: "serializable get, 100 clients",
    members: 1,
    unit: "ops/s",
    run: closedLoop("range-serializable", 100, 10),
  },
  {
    id: "txn-100",
    title: "txn compare-and-put, 100 clients",
    members: 1,
    unit: "ops/s",
    run: closedLoop("txn-compare-put", 100, 10),
  },
  {
    id: "watch-1000",
    title: "watch fan-out, 1 writer → 1000 watchers (events delivered)",
    members: 1,
    unit: "events/s",
    run: watchFanOut,
  },
  {
    id: "put-1-3m",
    title: "3 members: put, 1 client",
    members: 3,
    unit: "ops/s",
    run: closedLoop("put", 1, 1),
  },
  {
    id: "put-100-3m",
    title: "3 members: put, 100 clients / 10 conns",
    members: 3,
    unit: "ops/s",
    run: closedLoop("put", 100, 10),
  },
  {
    id: "get-l-100-3m",
    title: "3 members: linearizable get, 100 clients",
    members: 3,
    unit: "ops/s",
    run: closedLoop("range-linearizable", 100, 10),
  },
];

const results = new Map<string, ResultRow>();
function record(id: string, title: string, unit: Unit, kind: ServerKind, f: Figures): void {
  const row = results.get(id) ?? { id, title, unit };
  row[kind] = f;
  results.set(id, row);
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

async function benchServer(kind: ServerKind): Promise<void> {
  for (const size of [1, 3] as const) {
    const rows = ROWS.filter((r) => r.members === size && wanted(r.id));
    if (rows.length === 0) continue;
    log(`${kind}: starting ${size} member(s)`);
    const c = await startCluster({
      kind,
      size,
      dir: baseDir,
      cpuProfileDir: kind === "tsctl" && profileDir ? profileDir : undefined,
    });
    try {
      record(
        `start-${size}`,
        `start to first served request (${size} member${size > 1 ? "s" : ""})`,
        "ms",
        kind,
        {
          value: c.startToFirstRequestMs,
        },
      );
      log(`${kind}: started in ${c.startToFirstRequestMs.toFixed(0)} ms; filling ${keySpace} keys`);
      await fill(c, "load", keySpace);
      for (const r of rows) {
        log(`${kind}: ${r.title}`);
        const f = await r.run(c);
        log(`  ${f.value.toFixed(0)} ${r.unit}`);
        record(r.id, r.title, r.unit, kind, f);
      }
      const peak = Math.max(...c.members.map((m) => memoryOf(m.process.pid!).peakRssBytes));
      record(
        `rss-${size}`,
        `peak RSS after the rows above (${size === 1 ? "1 member" : "largest of 3"})`,
        "bytes",
        kind,
        {
          value: peak,
        },
      );
    } finally {
      await c.stop();
    }
  }
  if (wanted("dataset")) {
    log(`${kind}: data set of ${dataSetKeys} keys`);
    const c = await startCluster({
      kind,
      size: 1,
      dir: baseDir,
      cpuProfileDir: kind === "tsctl" && profileDir ? profileDir : undefined,
    });
    try {
      const label = `${dataSetKeys.toLocaleString("en-US")}-key data set`;
      const load = await fill(c, "data-set", dataSetKeys);
      record("dataset-load", `${label}: load (txns of 100 puts)`, "keys/s", kind, load);
      const pid = c.members[0]!.process.pid!;
      record("dataset-rss", `${label}: RSS after load`, "bytes", kind, {
        value: memoryOf(pid).rssBytes,
      });
      const range = await measured(c, loadJobs(c, "range-prefix", 4, 2));
      record(
        "dataset-range",
        `${label}: range over a 10k-key prefix, 4 clients`,
        "ops/s",
        kind,
        range,
      );
      record("dataset-peak", `${label}: peak RSS`, "bytes", kind, {
        value: memoryOf(pid).peakRssBytes,
      });
    } finally {
      await c.stop();
    }
  }
}

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8" }).split("\n")[0]!.trim();
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = loadavg()[0]!;
  try {
    if (!tsctlOnly) await benchServer("etcd");
    await benchServer("tsctl");
  } finally {
    rmSync(baseDir, { recursive: true, force: true });
  }
  const order = [
    ...ROWS.map((r) => r.id),
    "start-1",
    "rss-1",
    "start-3",
    "rss-3",
    "dataset-load",
    "dataset-rss",
    "dataset-range",
    "dataset-peak",
  ];
  const rows = order.flatMap((id) => (results.has(id) ? [results.get(id)!] : []));
  const cmd = ["npm run bench --", ...process.argv.slice(2)].join(" ").replace(/ --$/, "");
  const cpu = cpus();
  const md = [
    `Command: \`${cmd}\``,
    "",
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? "?"}, node ${process.version}, ${version(ETCD_BIN, ["--version"])}; ` +
      `data dirs under ${arg("dir") ?? tmpdir()}. Each row runs ${durationMs / 1000} s of closed-loop load from ` +
      `${workers} worker process(es) (unary calls as pre-encoded gRPC over node:http2, watches over grpc-js; ` +
      `${keySpace.toLocaleString("en-US")} random 8-byte keys, 256-byte values); the load generator shares the ` +
      "machine's CPUs with the server. Server CPU µs/op (from /proc, all members) is the steadiest column " +
      "when other work shares the machine.",
    `Machine load average (1 min) ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end: ` +
      "other work on the machine makes the figures vary from run to run.",
    `The data set has ${dataSetKeys.toLocaleString("en-US")} keys${big ? "" : " (default; `--big` for 1M)"}.`,
    "",
    renderMarkdown(rows),
    "",
    `Total run time ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  ].join("\n");
  console.log(md);
  if (outFile) {
    writeFileSync(outFile, `# tsctl vs etcd 3.4: benchmark results\n\n${md}\n`);
    log(`written to ${outFile}`);
  }
  if (profileDir) {
    for (const f of readdirSync(profileDir).filter((n) => n.endsWith(".cpuprofile"))) {
      const p = JSON.parse(readFileSync(join(profileDir, f), "utf8")) as CpuProfile;
      console.log(`\n### ${f}\n\n\`\`\`\n${formatSummary(summariseProfile(p), 25)}\n\`\`\``);
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
