// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per source
// file, busiest first, with "(idle)" and "(program)"/"(garbage collector)" kept visible.
// Usage: node --import tsx bench/lib/profile.ts <file.cpuprofile> [--top N]

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  name: string;
  selfMs: number;
  /** Share of the busy (non-idle) time, 0..1. */
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  functions: SelfTime[];
  files: SelfTime[];
  /** Time with the function anywhere on the stack (counted once per sample), in `selfMs`. */
  inclusive: SelfTime[];
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

function shortUrl(url: string): string {
  if (url === "") return "";
  let u = url.startsWith("file://") ? url.slice("file://".length) : url;
  if (u.startsWith(REPO_ROOT)) u = u.slice(REPO_ROOT.length);
  const nm = u.lastIndexOf("node_modules/");
  if (nm >= 0) u = u.slice(nm + "node_modules/".length);
  return u;
}

function frameName(n: CpuProfileNode): string {
  const f = n.callFrame;
  const fn = f.functionName || "(anonymous)";
  const url = shortUrl(f.url);
  return url ? `${fn} ${url}:${f.lineNumber + 1}` : fn;
}

export function summariseProfile(p: CpuProfile): ProfileSummary {
  const selfUs = new Map<number, number>();
  if (p.samples && p.timeDeltas && p.samples.length === p.timeDeltas.length) {
    // A sample's time is the delta to the next sample; the last one gets the average.
    const n = p.samples.length;
    for (let i = 0; i < n; i++) {
      const dt = i + 1 < n ? p.timeDeltas[i + 1]! : (p.endTime - p.startTime) / Math.max(1, n);
      selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + Math.max(0, dt));
    }
  } else {
    const hits = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    const usPerHit = hits > 0 ? (p.endTime - p.startTime) / hits : 0;
    for (const n of p.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * usPerHit);
  }
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const n of p.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    if (n.callFrame.functionName === "(idle)") idleUs += us;
    const name = frameName(n);
    byFn.set(name, (byFn.get(name) ?? 0) + us);
    const file = shortUrl(n.callFrame.url) || n.callFrame.functionName || "(native)";
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  // Inclusive time: each node's self time counts for every distinct function on its stack.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const nodeById = new Map(p.nodes.map((n) => [n.id, n]));
  const byFnInclusive = new Map<string, number>();
  for (const n of p.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    if (us === 0 || n.callFrame.functionName === "(idle)") continue;
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const name = frameName(nodeById.get(id)!);
      if (seen.has(name)) continue;
      seen.add(name);
      byFnInclusive.set(name, (byFnInclusive.get(name) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs;
  const rank = (m: Map<string, number>): SelfTime[] =>
    [...m.entries()]
      .filter(([name]) => name !== "(idle)")
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs);
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: busyUs / 1000,
    functions: rank(byFn),
    files: rank(byFile),
    inclusive: rank(byFnInclusive).filter((f) => f.name !== "(root)"),
  };
}

export function formatSummary(s: ProfileSummary, top: number): string {
  const lines: string[] = [];
  lines.push(
    `profile: ${s.totalMs.toFixed(0)} ms sampled, ${s.busyMs.toFixed(0)} ms busy, ${s.idleMs.toFixed(0)} ms idle`,
  );
  lines.push("", "top self time by function (share of busy time):");
  for (const f of s.functions.slice(0, top)) {
    lines.push(
      `  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}`,
    );
  }
  lines.push("", "top inclusive time by function (on the stack; share of busy time):");
  for (const f of s.inclusive.slice(0, top)) {
    lines.push(
      `  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}`,
    );
  }
  lines.push("", "self time by file:");
  for (const f of s.files.slice(0, Math.min(top, 15))) {
    lines.push(
      `  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}`,
    );
  }
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: profile.ts <file.cpuprofile> [--top N]");
    process.exit(2);
  }
  const i = process.argv.indexOf("--top");
  const top = i > 0 ? Number(process.argv[i + 1]) : 30;
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  console.log(formatSummary(summariseProfile(profile), top));
}
