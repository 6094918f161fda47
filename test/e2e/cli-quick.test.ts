// The quick get/put/del path (commands/v3/quick.ts): which command lines it takes and which
// it leaves to the full program, and that what it prints — stdout, stderr, exit code — is
// what the full program (dist/cli.js run directly) and the real etcdctl print for the same
// command against the same server and the same data.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { parseQuick, runQuick } from "../../commands/v3/quick.js";
import {
  freePort,
  runCli,
  skipWithoutEtcd,
  startCompatServer,
  REPO_ROOT,
} from "../helpers/index.js";
import type { CliResult, RealEtcd } from "../helpers/index.js";

test("parseQuick takes the plain get/put/del forms", () => {
  assert.deepEqual(parseQuick(["get", "k"]), {
    name: "get",
    args: ["k"],
    flags: { consistency: "l", order: "", sortBy: "" },
    globals: {},
  });
  assert.deepEqual(parseQuick(["--endpoints=a:1", "put", "k", "v", "--prev-kv", "-w", "json"]), {
    name: "put",
    args: ["k", "v"],
    flags: { lease: "0", prevKv: true },
    globals: { endpoints: "a:1", writeOut: "json" },
  });
  assert.deepEqual(parseQuick(["del", "--prefix", "k", "--command-timeout", "3s"]), {
    name: "del",
    args: ["k"],
    flags: { prefix: true },
    globals: { commandTimeout: "3s" },
  });
  assert.deepEqual(parseQuick(["get", "a", "b", "--limit=2", "--sort-by", "MODIFY"])?.flags, {
    consistency: "l",
    order: "",
    sortBy: "MODIFY",
    limit: "2",
  });
});

test("parseQuick declines what the full program must handle", () => {
  for (const argv of [
    [],
    ["version"],
    ["txn"],
    ["watch", "k"],
    ["get"].concat(["--help"]),
    ["get", "-h"],
    ["get", "k", "--hex"], // a global switch the quick path leaves alone
    ["get", "k", "--unknown"],
    ["get", "k", "--prefix", "--prefix"], // repeated
    ["get", "k", "--prefix=true"], // pflag's --switch=value
    ["get", "k", "--limit"], // value missing
    ["get", "--", "k"],
    ["get", "k", "-w=json"],
    ["put", "k", "v", "--prefix"], // another command's switch
    ["--endpoints", "a:1", "--endpoints", "b:2", "get", "k"],
    ["--user", "root:pw", "get", "k"],
    ["--debug", "get", "k"],
    ["lease", "grant", "10"],
  ]) {
    assert.equal(parseQuick(argv), undefined, argv.join(" "));
  }
});

// A command line with its stdout/stderr masked for the revisions that differ between runs.
// etcdctl also logs its gRPC retries to stderr: against it, only the `Error:` lines count.
function errorLines(r: CliResult): CliResult {
  return {
    ...r,
    stderr: r.stderr
      .split("\n")
      .filter((l) => l.startsWith("Error:"))
      .join("\n"),
  };
}

function masked(r: CliResult): CliResult {
  const mask = (s: string) =>
    s
      .replace(/"(revision|create_revision|mod_revision|raft_term)":\d+/g, '"$1":N')
      .replace(/\btsctl\b/g, "etcdctl");
  return { stdout: mask(r.stdout), stderr: mask(r.stderr), code: r.code };
}

// The full program, run directly (no quick path in front of it).
function runFullProgram(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "dist/cli.js"), ...args], {
      env: { ...process.env, ETCDCTL_API: "3" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ stdout, stderr, code: code ?? -1 }));
  });
}

let server: RealEtcd | undefined;

before(async () => {
  if (skipWithoutEtcd === false) server = await startCompatServer();
});

after(async () => {
  await server?.stop();
});

/** Puts the keys every case starts from (after deleting everything). */
async function restore(endpoint: string): Promise<void> {
  const ctl = (args: string[]) => runCli("etcdctl", ["--endpoints", endpoint, ...args]);
  assert.equal((await ctl(["del", "", "--from-key"])).code, 0);
  for (const [k, v] of [
    ["q/a", "1"],
    ["q/b", "two"],
    ["q/c", "3"],
    ["r", "x"],
  ]) {
    assert.equal((await ctl(["put", k!, v!])).code, 0);
  }
}

const CASES: string[][] = [
  ["get", "q/a"],
  ["get", "q/", "--prefix"],
  ["get", "q/", "--prefix", "--keys-only"],
  ["get", "q/", "--prefix", "--print-value-only"],
  ["get", "q/a", "q/z", "--limit", "2", "--order=DESCEND", "--sort-by", "VALUE"],
  ["get", "q/", "--from-key", "--consistency=s"],
  ["get", "missing"],
  ["get", "q/a", "-w", "json"],
  ["--write-out=json", "get", "q/", "--prefix"],
  ["get", "q/a", "--rev=999999"], // future revision: a server error
  ["put", "q/a", "new"],
  ["put", "q/a", "new", "--prev-kv"],
  ["put", "q/new", "v", "-w", "json"],
  ["put", "q/b", "--ignore-value"],
  ["put", "q/b", "--ignore-value", "--prev-kv"],
  ["put", "q/a", "v", "--lease=1234"], // unknown lease: a server error
  ["del", "q/a"],
  ["del", "q/", "--prefix", "--prev-kv"],
  ["del", "q/", "--from-key", "-w", "json"],
  ["del", "nothing"],
];

test(
  "the quick path prints what the full program and etcdctl print",
  { skip: skipWithoutEtcd },
  async () => {
    const ep = server!.endpoint;
    for (const c of CASES) {
      const args = ["--endpoints", ep, ...c];
      await restore(ep);
      const quick = masked(await runCli("tsctl", args));
      await restore(ep);
      const full = masked(await runFullProgram(args));
      await restore(ep);
      const real = masked(await runCli("etcdctl", args));
      assert.deepEqual(quick, full, `quick vs full program: ${c.join(" ")}`);
      assert.deepEqual(errorLines(quick), errorLines(real), `tsctl vs etcdctl: ${c.join(" ")}`);
    }
  },
);

test(
  "the quick path runs those cases itself (it does not decline them)",
  { skip: skipWithoutEtcd },
  async () => {
    const ep = server!.endpoint;
    await restore(ep);
    const write = process.stdout.write.bind(process.stdout);
    for (const c of CASES) {
      let printed = "";
      process.stdout.write = ((chunk: string | Uint8Array) => {
        printed += String(chunk);
        return true;
      }) as typeof process.stdout.write;
      let ran: boolean | Error;
      try {
        ran = await runQuick(["--endpoints", ep, ...c]);
      } catch (err) {
        ran = err as Error; // server errors surface as CommandError
      } finally {
        process.stdout.write = write;
      }
      assert.ok(ran === true || ran instanceof Error, `declined: ${c.join(" ")} (${printed})`);
    }
  },
);

test(
  "arguments the quick path cannot build are left to the full program",
  { skip: skipWithoutEtcd },
  async () => {
    const ep = server!.endpoint;
    for (const c of [
      ["get", "q/a", "--limit", "x"],
      ["get", "q/a", "--order", "SIDEWAYS"],
      ["get", "q/", "--prefix", "--from-key"],
      ["put", "q/a", "v", "--lease", "zz"],
      ["del"],
      ["put", "q/a"], // value from stdin
    ]) {
      assert.equal(await runQuick(["--endpoints", ep, ...c]), false, c.join(" "));
      await restore(ep);
      const quick = masked(await runCli("tsctl", ["--endpoints", ep, ...c]));
      const real = masked(await runCli("etcdctl", ["--endpoints", ep, ...c]));
      assert.deepEqual(errorLines(quick), errorLines(real), c.join(" "));
    }
  },
);

test("version prints the same on the quick path, the full program and etcdctl", async () => {
  const quick = await runCli("tsctl", ["version"]);
  assert.deepEqual(quick, await runFullProgram(["version"]));
  if (skipWithoutEtcd === false) assert.deepEqual(quick, await runCli("etcdctl", ["version"]));
});

test("an unreachable endpoint gives the full program's error", async () => {
  const port = await freePort();
  const args = [
    "--endpoints",
    `127.0.0.1:${port}`,
    "--dial-timeout=300ms",
    "--command-timeout=1s",
    "get",
    "k",
  ];
  assert.equal(await runQuick(args), false);
  const viaBin = await runCli("tsctl", args);
  const full = await runFullProgram(args);
  assert.deepEqual(masked(viaBin), masked(full));
  assert.notEqual(viaBin.code, 0);
});
