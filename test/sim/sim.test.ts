// Runs the deterministic raft simulation over a few hundred seeds (3 and 5 voters plus
// learners, with every fault enabled); any safety or liveness violation names its seed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSeeds } from "./run.js";

test("raft simulation: 300 seeds keep every safety property and converge after healing", () => {
  const failures: string[] = [];
  const { violations, results } = runSeeds({
    seeds: Array.from({ length: 300 }, (_, i) => i + 1),
    steps: 800,
    onFailure: (r) => failures.push(`seed ${r.seed}: ${r.violation}`),
  });
  assert.equal(violations, 0, failures.join("\n"));
  // The runs must actually exercise the interesting paths, or they prove nothing.
  const total = (k: keyof (typeof results)[number]["stats"]) =>
    results.reduce((s, r) => s + r.stats[k], 0);
  assert.ok(total("acked") > 10_000, "proposals get committed");
  assert.ok(total("snapshotsSent") > 100, "snapshots are sent");
  assert.ok(total("confChanges") > 100, "membership changes happen");
  assert.ok(total("transfers") > 100, "leadership transfers happen");
  assert.ok(total("crashes") > 100, "nodes crash");
});

test("raft simulation: a seed replays identically", () => {
  const a = runSeeds({ seeds: [42], steps: 400 }).results[0]!;
  const b = runSeeds({ seeds: [42], steps: 400 }).results[0]!;
  assert.deepEqual(a, b);
});
