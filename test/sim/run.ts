// Shared by the sim CLI and the sim test: runs a list of seeds, alternating 3 and 5
// voters (plus a learner) unless told otherwise, and counts violations.
import { runSeed, type SimResult } from "./world.js";

export interface RunOptions {
  seeds: number[];
  steps: number;
  nodes?: number;
  learners?: number;
  trace?: (line: string) => void;
  onFailure?: (r: SimResult) => void;
}

export function runSeeds(o: RunOptions): { violations: number; results: SimResult[] } {
  let violations = 0;
  const results: SimResult[] = [];
  for (const seed of o.seeds) {
    const voters = o.nodes ?? (seed % 2 === 0 ? 5 : 3);
    const learners = o.learners ?? (seed % 3 === 0 ? 0 : 1);
    const r = runSeed({ seed, steps: o.steps, voters, learners, trace: o.trace });
    results.push(r);
    if (r.violation) {
      violations++;
      o.onFailure?.(r);
    }
  }
  return { violations, results };
}
