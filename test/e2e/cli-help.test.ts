// The command surface without a server: help lists every command, unknown commands and
// flags fail as etcdctl's do, argument errors exit 128, unsupported formats exit 4.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../helpers/index.js";

test("--help lists every command by its full path", async () => {
  const r = await runCli("tsctl", ["--help"]);
  assert.equal(r.code, 0);
  for (const c of [
    "get",
    "put",
    "del",
    "txn",
    "compaction",
    "watch",
    "lease grant",
    "lease keep-alive",
    "member add",
    "member promote",
    "endpoint health",
    "endpoint hashkv",
    "snapshot save",
    "defrag",
    "alarm disarm",
    "move-leader",
    "lock",
    "elect",
    "auth enable",
    "user add",
    "role grant-permission",
    "version",
    "completion bash",
    "server",
  ]) {
    assert.match(r.stdout, new RegExp(`^\t${c}\t`, "m"), c);
  }
});

test("help <command> and <command> --help", async () => {
  for (const args of [
    ["help", "get"],
    ["get", "--help"],
  ]) {
    const r = await runCli("tsctl", args);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Gets the key or a range of keys/);
    assert.match(r.stdout, /^ {6}--prefix\[=false\]\t+Get keys with matching prefix$/m);
  }
});

test("unknown command and flag", async () => {
  const cmd = await runCli("tsctl", ["bogus"]);
  assert.equal(cmd.code, 1);
  assert.equal(
    cmd.stderr,
    'Error: unknown command "bogus" for "tsctl"\nRun \'tsctl --help\' for usage.\nError: unknown command "bogus" for "tsctl"\n',
  );
  const flag = await runCli("tsctl", ["get", "k", "--bogus"]);
  assert.equal(flag.code, 1);
  assert.equal(flag.stderr, "Error: unknown flag: --bogus\nError: unknown flag: --bogus\n");
  assert.match(flag.stdout, /^USAGE:\n\ttsctl get \[options\] <key> \[range_end\] \[flags\]$/m);
});

test("argument errors exit 128 before any connection", async () => {
  const cases: [string[], string][] = [
    [["get"], "get command needs one argument as key and an optional argument as range_end"],
    [
      ["member", "remove", "zz"],
      'bad member ID arg (strconv.ParseUint: parsing "zz": invalid syntax), expecting ID in Hex',
    ],
    [["lease", "grant", "x"], 'bad TTL (strconv.ParseInt: parsing "x": invalid syntax)'],
  ];
  for (const [args, message] of cases) {
    const r = await runCli("tsctl", ["--endpoints", "127.0.0.1:1", ...args]);
    assert.equal(r.code, 128, args.join(" "));
    assert.equal(r.stderr, `Error: ${message}\n`);
  }
});

test("unknown output format exits 4", async () => {
  const r = await runCli("tsctl", ["--endpoints", "127.0.0.1:1", "get", "k", "-w", "xml"]);
  assert.equal(r.code, 4);
  assert.equal(r.stderr, "Error: unsupported output format\n");
});

test("version", async () => {
  const r = await runCli("tsctl", ["version"]);
  assert.deepEqual(r, {
    stdout: "etcdctl version: 3.4.23\nAPI version: 3.4\n",
    stderr: "",
    code: 0,
  });
});

test("ETCDCTL_ENDPOINTS together with --endpoints is refused", async () => {
  const r = await runCli("tsctl", ["--endpoints", "127.0.0.1:1", "get", "k"], {
    env: { ETCDCTL_ENDPOINTS: "127.0.0.1:2" },
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /conflicting environment variable "ETCDCTL_ENDPOINTS"/);
});

test("tabwrite aligns tab-terminated cells like Go's text/tabwriter (tab padding)", async () => {
  const { tabwrite } = await import("../../commands/v3/usage.js");
  // Widths round up to multiples of 8 (cell + 1 padding); a line without tabs ends a block.
  assert.equal(
    tabwrite("a\tx\nlonger-than-8\ty\nHEAD\n\tz"),
    "a\t\tx\nlonger-than-8\ty\nHEAD\n\tz",
  );
  // As etcdctl's `user add` usage: a 28-wide cell makes the column 32 wide.
  assert.equal(
    tabwrite('      --new-user-password=""\tS\n  -h, --help[=false]\tH'),
    '      --new-user-password=""\tS\n  -h, --help[=false]\t\tH',
  );
});
