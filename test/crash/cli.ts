// `npm run crash -- --rounds N [--lanes L] [--seed S] [--verbose]`: SIGKILL crash rounds
// against the WAL; ends with `crash: rounds=N acknowledged=A lost=L` (exit 1 unless clean).
import { runCrashRounds } from "./harness.js";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} needs a whole number`);
  return v;
}

const verbose = process.argv.includes("--verbose");
const result = await runCrashRounds({
  rounds: flag("rounds", 200),
  lanes: flag("lanes", 2),
  seed: flag("seed", Date.now() % 1_000_000),
  progress: verbose ? (line) => console.log(line) : undefined,
});
for (const e of result.errors) console.error(`crash: FAILED ${e}`);
console.log(
  `crash: rounds=${result.rounds} acknowledged=${result.acknowledged} lost=${result.lost}` +
    ` torn-repairs=${result.tornRepairs}`,
);
process.exit(result.errors.length === 0 && result.lost === 0 ? 0 : 1);
