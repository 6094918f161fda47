// Runs the raft simulator over many seeds: npm run sim -- --seeds N [--steps M]
// [--nodes K] [--learners L] [--seed X] [--trace]. Exits 1 on any violation, printing
// the seed that reproduces it.
import { runSeeds } from "./run.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seed = arg("seed");
const steps = Number(arg("steps") ?? 1000);
const nodes = arg("nodes") !== undefined ? Number(arg("nodes")) : undefined;
const learners = arg("learners") !== undefined ? Number(arg("learners")) : undefined;
const trace = process.argv.includes("--trace");
const seeds = seed !== undefined ? [Number(seed)] : range(Number(arg("seeds") ?? 100));

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

const summary = runSeeds({
  seeds,
  steps,
  nodes,
  learners,
  trace: trace ? (line) => console.log(line) : undefined,
  onFailure: (r) =>
    console.log(
      `sim: seed ${r.seed} FAILED: ${r.violation}\n  replay: npm run sim -- --seed ${r.seed} --steps ${steps}${nodes ? ` --nodes ${nodes}` : ""} --trace`,
    ),
});
const totals: Record<string, number> = {};
for (const r of summary.results)
  for (const [k, v] of Object.entries(r.stats)) totals[k] = (totals[k] ?? 0) + v;
console.log(
  `sim: totals ${Object.entries(totals)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ")}`,
);
console.log(`sim: seeds=${seeds.length} steps=${steps} violations=${summary.violations}`);
process.exit(summary.violations > 0 ? 1 : 0);
