// `npm run chaos -- --duration S --seed X [--clients N] [--keys K] [--faults a,b] [--verbose] [--keep]`:
// one chaos run; prints `chaos: ops=... converged=yes` and exits 1 unless every check passed.
import { runChaos } from "./run.js";
import { FAULT_KINDS } from "./faults.js";
import type { FaultKind } from "./faults.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
function num(name: string, fallback: number): number {
  const text = arg(name);
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} needs a whole number`);
  return v;
}

const faults = arg("faults")?.split(",") as FaultKind[] | undefined;
for (const f of faults ?? []) {
  if (!FAULT_KINDS.includes(f))
    throw new Error(`unknown fault ${f}; known: ${FAULT_KINDS.join(",")}`);
}
// Ctrl-C: exit through process.exit so the cluster's exit hook kills the members.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));
const verbose = process.argv.includes("--verbose");
const seed = num("seed", Date.now() % 1_000_000);
console.error(`chaos: seed=${seed}`);
const started = Date.now();
const summary = await runChaos({
  durationMs: num("duration", 60) * 1000,
  seed,
  clients: num("clients", 4),
  keys: num("keys", 4),
  faults,
  keepDataOnFailure: process.argv.includes("--keep"),
  log: verbose
    ? (line) => console.error(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`)
    : undefined,
});
for (const p of summary.problems) console.error(`chaos: ${p}`);
console.log(summary.line);
process.exit(summary.passed ? 0 : 1);
