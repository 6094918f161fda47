// Runs node's test runner over every *.test.ts below the given folders (default: test/),
// loading TypeScript through tsx. Usage: node scripts/run-tests.mjs [dir|file ...]
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (path.endsWith(".test.ts")) {
    out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith("--"));
const files = (roots.length ? roots : ["test"]).flatMap((r) => collect(r, []));
if (files.length === 0) {
  console.error("run-tests: no *.test.ts files found");
  process.exit(1);
}
// Two test files at a time: most of a file's time is spent waiting on the servers it
// starts, so on this project's 2-core machines the suite takes about two thirds as long.
const concurrency = passThrough.some((a) => a.startsWith("--test-concurrency"))
  ? []
  : ["--test-concurrency=2"];
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", ...concurrency, ...passThrough, ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
