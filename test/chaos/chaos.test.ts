// A short chaos run (about a minute) as part of `npm test`: every fault kind, then every
// check. Longer runs: `npm run chaos -- --duration S --seed X`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runChaos } from "./run.js";

test("chaos: a short run with faults stays linearizable, loses nothing and converges", async () => {
  const summary = await runChaos({ durationMs: 45_000, seed: 20261124 });
  assert.deepEqual(summary.problems, []);
  assert.ok(summary.faults > 0);
  assert.ok(summary.ok > 0);
  assert.ok(summary.passed, summary.line);
});
