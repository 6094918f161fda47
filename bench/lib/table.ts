// The benchmark's result table: one line per measured figure with etcd's value, tsctl's value
// and their ratio, rendered as Markdown for the README and bench/results.md.

import { fmtBytes, fmtMs, fmtNumber } from "./stats.js";

export type Unit = "ops/s" | "events/s" | "keys/s" | "bytes" | "ms";

/** One server's figures for a row; latency and CPU are absent for memory/time rows. */
export interface Figures {
  value: number;
  p50Us?: number;
  p99Us?: number;
  /** Load generator CPU, in cores. */
  loadCpuCores?: number;
  /** Server CPU (all members), in cores. */
  serverCpuCores?: number;
  errors?: number;
}

export interface ResultRow {
  id: string;
  title: string;
  unit: Unit;
  etcd?: Figures;
  tsctl?: Figures;
}

function fmtValue(unit: Unit, v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return "–";
  if (unit === "bytes") return fmtBytes(v);
  if (unit === "ms") return `${fmtNumber(v)} ms`;
  return `${fmtNumber(v)} ${unit}`;
}

/** tsctl / etcd, "–" when either side is missing or etcd is zero. */
export function ratio(row: ResultRow): string {
  const a = row.tsctl?.value;
  const b = row.etcd?.value;
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0)
    return "–";
  return `${(a / b).toFixed(2)}×`;
}

function pair(a: string, b: string): string {
  return `${a} / ${b}`;
}

function latency(f: Figures | undefined, q: "p50Us" | "p99Us"): string {
  return f?.[q] === undefined ? "–" : fmtMs(f[q]);
}

function cores(f: Figures | undefined, k: "loadCpuCores" | "serverCpuCores"): string {
  const v = f?.[k];
  return v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(2);
}

/** Server CPU time per operation: steadier than rates when other work shares the machine. */
function cpuPerOp(f: Figures | undefined): string {
  if (f?.serverCpuCores === undefined || !(f.value > 0)) return "–";
  return Math.round((f.serverCpuCores * 1e6) / f.value).toString();
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, "\\|");
}

export function renderMarkdown(rows: ResultRow[]): string {
  const head = [
    "Row",
    "etcd 3.4.23",
    "tsctl",
    "tsctl/etcd",
    "p50 ms (etcd / tsctl)",
    "p99 ms (etcd / tsctl)",
    "load gen CPU cores (etcd / tsctl)",
    "server CPU cores (etcd / tsctl)",
    "server CPU µs/op (etcd / tsctl)",
  ];
  const lines = [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
  ];
  for (const r of rows) {
    const errs = (r.etcd?.errors ?? 0) + (r.tsctl?.errors ?? 0);
    const title =
      errs > 0
        ? `${r.title} (errors: etcd ${r.etcd?.errors ?? 0}, tsctl ${r.tsctl?.errors ?? 0})`
        : r.title;
    lines.push(
      `| ${[
        escapeCell(title),
        fmtValue(r.unit, r.etcd?.value),
        fmtValue(r.unit, r.tsctl?.value),
        ratio(r),
        pair(latency(r.etcd, "p50Us"), latency(r.tsctl, "p50Us")),
        pair(latency(r.etcd, "p99Us"), latency(r.tsctl, "p99Us")),
        pair(cores(r.etcd, "loadCpuCores"), cores(r.tsctl, "loadCpuCores")),
        pair(cores(r.etcd, "serverCpuCores"), cores(r.tsctl, "serverCpuCores")),
        pair(cpuPerOp(r.etcd), cpuPerOp(r.tsctl)),
      ].join(" | ")} |`,
    );
  }
  return lines.join("\n");
}
