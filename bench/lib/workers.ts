// Driver side of the load workers: forks one process per job, starts them all at once, and
// gathers their results. Watch jobs run until every other job of the phase has finished.

import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { DriverMessage, Job, WorkerMessage, WorkerResult } from "./protocol.js";
import { Histogram } from "./stats.js";

const WORKER_FILE = fileURLToPath(new URL("./worker.ts", import.meta.url));
const SETUP_TIMEOUT_MS = 60_000;

interface Running {
  job: Job;
  child: ChildProcess;
  result?: Promise<WorkerResult>;
}

function forkWorker(job: Job): Running {
  const child = fork(WORKER_FILE, [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return { job, child };
}

function nextMessage(r: Running, types: Array<WorkerMessage["type"]>): Promise<WorkerMessage> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: WorkerMessage): void => {
      if (m.type === "failed") {
        cleanup();
        reject(new Error(`load worker failed: ${m.error}`));
      } else if (types.includes(m.type)) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`load worker exited (code ${code}) before ${types.join("/")}`));
    };
    const cleanup = (): void => {
      r.child.off("message", onMsg);
      r.child.off("exit", onExit);
    };
    r.child.on("message", onMsg);
    r.child.on("exit", onExit);
  });
}

function post(r: Running, m: DriverMessage): void {
  r.child.send(m);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
    }),
  ]);
}

export interface PhaseResult {
  /** One result per job, in job order. */
  results: WorkerResult[];
}

/** Runs the jobs in parallel worker processes; resolves when all have reported. */
export async function runPhase(jobs: Job[]): Promise<PhaseResult> {
  const running = jobs.map(forkWorker);
  try {
    const readies = running.map((r) => nextMessage(r, ["ready"]));
    for (const r of running) post(r, { type: "job", job: r.job });
    await withTimeout(Promise.all(readies), SETUP_TIMEOUT_MS, "load workers getting ready");
    for (const r of running) r.result = resultOf(r);
    for (const r of running) post(r, { type: "go" });
    const bounded = running.filter((r) => r.job.type !== "watch");
    const longest = Math.max(0, ...jobs.map((j) => (j.type === "load" ? j.durationMs : 0)));
    const fillSlackMs = 30 * 60_000; // a 1M-key fill on a slow disk
    await withTimeout(
      Promise.all(bounded.map((r) => r.result!)),
      longest + fillSlackMs,
      "load workers finishing",
    );
    for (const r of running) if (r.job.type === "watch") post(r, { type: "stop" });
    const results = await withTimeout(
      Promise.all(running.map((r) => r.result!)),
      SETUP_TIMEOUT_MS,
      "watch workers reporting",
    );
    return { results };
  } finally {
    for (const r of running)
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
  }
}

function resultOf(r: Running): Promise<WorkerResult> {
  return nextMessage(r, ["result"]).then((m) => {
    if (m.type !== "result") throw new Error("unreachable");
    return m.result;
  });
}

export interface Aggregate {
  ops: number;
  errors: number;
  firstError?: string;
  /** Operations per second over the longest worker's measured window. */
  perSec: number;
  p50Us: number;
  p99Us: number;
  /** Load generator CPU: the workers' summed CPU time over the window, in cores (1.0 = one core). */
  loadCpuCores: number;
}

export function aggregate(results: WorkerResult[]): Aggregate {
  const hist = new Histogram();
  let ops = 0;
  let errors = 0;
  let firstError: string | undefined;
  let windowMs = 0;
  let cpuUs = 0;
  for (const r of results) {
    hist.merge(r.hist);
    ops += r.ops;
    errors += r.errors;
    firstError ??= r.firstError;
    windowMs = Math.max(windowMs, r.elapsedMs);
    cpuUs += r.cpuUserUs + r.cpuSystemUs;
  }
  return {
    ops,
    errors,
    firstError,
    perSec: windowMs > 0 ? (ops * 1000) / windowMs : 0,
    p50Us: hist.quantileUs(0.5),
    p99Us: hist.quantileUs(0.99),
    loadCpuCores: windowMs > 0 ? cpuUs / 1000 / windowMs : 0,
  };
}

/** Splits `total` items over `parts` as evenly as possible (larger shares first). */
export function split(total: number, parts: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < parts; i++) out.push(Math.floor(total / parts) + (i < total % parts ? 1 : 0));
  return out;
}
