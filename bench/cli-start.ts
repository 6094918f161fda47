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

function medianMs(file: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${file} ${args.join(" ")}: ${r.stderr.toString()}`);
    if (i > 0) times.push(ms); // the first run warms the page cache
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

// `node -e` pays for the eval path; an empty module file is the fairer "bare node" figure.
const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), "tsctl-bench-"));
const empty = path.join(emptyDir, "empty.mjs");
fs.writeFileSync(empty, "");
const etcd = await startRealEtcd();
try {
  const ep = ["--endpoints", etcd.endpoint];
  spawnSync(ETCDCTL_BIN, [...ep, "put", "k", "v"]);
  const rows: [string, number][] = [
    ["node -e 0", medianMs(process.execPath, ["-e", "0"])],
    ["node empty.mjs", medianMs(process.execPath, [empty])],
    ["tsctl version", medianMs(process.execPath, [tsctl, "version"])],
    ["tsctl get k", medianMs(process.execPath, [tsctl, ...ep, "get", "k"])],
    ["etcdctl get k", medianMs(ETCDCTL_BIN, [...ep, "get", "k"])],
  ];
  console.log(`median wall time over ${runs} runs`);
  for (const [name, ms] of rows) console.log(`${name.padEnd(16)} ${ms.toFixed(1).padStart(8)} ms`);
  const bare = Math.min(rows[0]![1], rows[1]![1]);
  const ratio = rows[3]![1] / bare;
  console.log(`tsctl get / bare node: ${ratio.toFixed(2)}x (target <= 1.5x)`);
} finally {
  await etcd.stop();
  fs.rmSync(emptyDir, { recursive: true, force: true });
}
