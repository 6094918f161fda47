// CLI start-up cost: median wall time of `tsctl version` and `tsctl get k` (against a real
// etcd 3.4) next to a bare `node -e 0` and the real `etcdctl get k`. Prints the figures and
// the ratio of `tsctl get` to the faster bare-node figure (target: within 1.5x).
// Usage: npm run build && node --import tsx bench/cli-start.ts [runs]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ETCDCTL_BIN, REPO_ROOT, startRealEtcd } from "../test/helpers/index.js";

const runs = Number(process.argv[2] ?? 15);
const tsctl = path.join(REPO_ROOT, "bin/tsctl");
const fullProgram = path.join(REPO_ROOT, "dist/cli.js");

type Cmd = [file: string, args: string[]];

function timeOnceMs([file, args]: Cmd): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(file, args, { stdio: ["ignore", "pipe", "pipe"] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${file} ${args.join(" ")}: ${r.stderr.toString()}`);
  return ms;
}

/** Median per command, the commands taking turns so that a change in machine load hits all. */
function mediansMs(cmds: Cmd[]): number[] {
  for (const c of cmds) timeOnceMs(c); // warms the page cache
  const times = cmds.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) cmds.forEach((c, j) => times[j]!.push(timeOnceMs(c)));
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!);
}

// `node -e` pays for the eval path; an empty file is the fairer "bare node" figure (the
// fastest of the three counts).
const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), "tsctl-bench-"));
const empty = path.join(emptyDir, "empty.mjs");
fs.writeFileSync(empty, "");
const emptyCjs = path.join(emptyDir, "empty.cjs");
fs.writeFileSync(emptyCjs, "");
const etcd = await startRealEtcd();
try {
  const ep = ["--endpoints", etcd.endpoint];
  spawnSync(ETCDCTL_BIN, [...ep, "put", "k", "v"]);
  const cmds: [string, Cmd][] = [
    ["node -e 0", [process.execPath, ["-e", "0"]]],
    ["node empty.mjs", [process.execPath, [empty]]],
    ["node empty.cjs", [process.execPath, [emptyCjs]]],
    ["tsctl version", [process.execPath, [tsctl, "version"]]],
    ["tsctl get k", [process.execPath, [tsctl, ...ep, "get", "k"]]],
    // The same command through the full commander program (what the quick path skips).
    ["full-program get", [process.execPath, [fullProgram, ...ep, "get", "k"]]],
    ["etcdctl get k", [ETCDCTL_BIN, [...ep, "get", "k"]]],
  ];
  const medians = mediansMs(cmds.map(([, c]) => c));
  const rows: [string, number][] = cmds.map(([name], i) => [name, medians[i]!]);
  console.log(`median wall time over ${runs} interleaved runs`);
  for (const [name, ms] of rows) console.log(`${name.padEnd(16)} ${ms.toFixed(1).padStart(8)} ms`);
  const figure = (name: string) => rows.find(([n]) => n === name)![1];
  const bare = Math.min(figure("node -e 0"), figure("node empty.mjs"), figure("node empty.cjs"));
  const ratio = figure("tsctl get k") / bare;
  console.log(`tsctl get / bare node: ${ratio.toFixed(2)}x (target <= 1.5x)`);
} finally {
  await etcd.stop();
  fs.rmSync(emptyDir, { recursive: true, force: true });
}
