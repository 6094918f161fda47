// etcdctl vs tsctl, side by side: put, get, del in every output format, with their flags and
// error cases (bad arguments, bad flag values, future revision, unreachable endpoint).
import assert from "node:assert/strict";
import { compatSuite } from "./v3-harness.js";
import type { Row } from "./v3-harness.js";

const formats = ["simple", "json", "fields"];

const rows: Row[] = [
  {
    name: "put",
    args: (c) => ["put", `${c.p}foo`, "bar"],
    expect: (r) => assert.equal(r.stdout, "OK\n"),
  },
  { name: "put --prev-kv", args: (c) => ["put", `${c.p}foo`, "bar2", "--prev-kv"] },
  ...formats.map((w) => ({
    name: `put --prev-kv -w ${w}`,
    args: (c: { p: string }) => ["put", `${c.p}foo`, `bar-${w}`, "--prev-kv", "-w", w],
  })),
  { name: "put -w table", args: (c) => ["put", `${c.p}t`, "v", "-w", "table"] },
  {
    name: "put -w protobuf (exit code)",
    args: (c) => ["put", `${c.p}pb`, "v", "-w", "protobuf"],
    stdout: false,
  },
  { name: "put from stdin", args: (c) => ["put", `${c.p}stdin`], input: "from stdin\n" },
  {
    name: "put special bytes",
    args: (c) => ["put", `${c.p}spec<&>`],
    input: 'a "q" \\ \t\x01\xff é 😀\n',
  },
  { name: "put no args", args: () => ["put"] },
  { name: "put bad lease", args: (c) => ["put", `${c.p}x`, "y", "--lease=zz"] },
  { name: "put unknown lease", args: (c) => ["put", `${c.p}x`, "y", "--lease=123"] },
  { name: "put --ignore-value with value", args: (c) => ["put", `${c.p}x`, "y", "--ignore-value"] },
  { name: "put --ignore-value", args: (c) => ["put", `${c.p}foo`, "--ignore-value", "--prev-kv"] },
  { name: "put --ignore-value missing key", args: (c) => ["put", `${c.p}nokey`, "--ignore-value"] },
  { name: "put --prev-kv=true", args: (c) => ["put", `${c.p}foo`, "bar9", "--prev-kv=true"] },
  { name: "put --prev-kv=false", args: (c) => ["put", `${c.p}foo`, "bar9", "--prev-kv=false"] },
  { name: "put values for ranges", args: (c) => ["put", `${c.p}a`, "1"] },
  { name: "put b", args: (c) => ["put", `${c.p}b`, "22"] },
  { name: "put c", args: (c) => ["put", `${c.p}c`, "333"] },
  {
    name: "put -w json (capture revision)",
    args: (c) => ["put", `${c.p}c`, "3333", "-w", "json"],
    capture: (r, c) => {
      c.vars.rev = String(JSON.parse(r.stdout).header.revision - 1);
    },
  },
  ...[...formats, "protobuf"].map((w) => ({
    name: `get -w ${w}`,
    args: (c: { p: string }) => ["get", `${c.p}foo`, "-w", w],
    stdout: w !== "protobuf",
  })),
  { name: "get -w table", args: (c) => ["get", `${c.p}foo`, "-w", "table"] },
  { name: "get -w bogus", args: (c) => ["get", `${c.p}foo`, "-w", "bogus"] },
  { name: "get special bytes simple", args: (c) => ["get", `${c.p}spec<&>`] },
  { name: "get special bytes fields", args: (c) => ["get", `${c.p}spec<&>`, "-w", "fields"] },
  { name: "get special bytes json", args: (c) => ["get", `${c.p}spec<&>`, "-w", "json"] },
  { name: "get --hex", args: (c) => ["get", `${c.p}foo`, "--hex"] },
  { name: "get --hex fields", args: (c) => ["get", `${c.p}foo`, "--hex", "-w", "fields"] },
  {
    name: "get missing key",
    args: (c) => ["get", `${c.p}nokey`],
    expect: (r) => assert.equal(r.stdout, ""),
  },
  { name: "get missing key json", args: (c) => ["get", `${c.p}nokey`, "-w", "json"] },
  { name: "get range", args: (c) => ["get", `${c.p}a`, `${c.p}c`] },
  { name: "get --prefix", args: (c) => ["get", c.p, "--prefix"] },
  { name: "get --prefix --keys-only", args: (c) => ["get", c.p, "--prefix", "--keys-only"] },
  {
    name: "get --prefix --print-value-only",
    args: (c) => ["get", c.p, "--prefix", "--print-value-only"],
  },
  {
    name: "get --prefix --limit=2 json",
    args: (c) => ["get", c.p, "--prefix", "--limit=2", "-w", "json"],
  },
  {
    name: "get --prefix --limit 2 fields",
    args: (c) => ["get", c.p, "--prefix", "--limit", "2", "-w", "fields"],
  },
  ...["CREATE", "KEY", "MODIFY", "VALUE", "VERSION", "value"].flatMap((s) =>
    ["ASCEND", "DESCEND"].map((o) => ({
      name: `get --sort-by=${s} --order=${o}`,
      args: (c: { p: string }) => [
        "get",
        c.p,
        "--prefix",
        `--sort-by=${s}`,
        `--order=${o}`,
        "--keys-only",
      ],
    })),
  ),
  {
    name: "get --order only",
    args: (c) => ["get", c.p, "--prefix", "--order=DESCEND", "--keys-only"],
  },
  {
    name: "get --from-key",
    args: (c) => ["get", `${c.p}b`, "--from-key", "--keys-only", "--limit=3"],
  },
  { name: "get --consistency=s", args: (c) => ["get", `${c.p}foo`, "--consistency=s"] },
  { name: "get --rev", args: (c) => ["get", `${c.p}c`, `--rev=${c.vars.rev}`] },
  { name: "get future rev", args: (c) => ["get", `${c.p}c`, "--rev=100000000"] },
  { name: "get no args", args: () => ["get"] },
  { name: "get bad sort", args: (c) => ["get", `${c.p}a`, "--sort-by=BAD"] },
  { name: "get bad order", args: (c) => ["get", `${c.p}a`, "--order=BAD"] },
  { name: "get bad consistency", args: (c) => ["get", `${c.p}a`, "--consistency=x"] },
  { name: "get --prefix --from-key", args: (c) => ["get", `${c.p}a`, "--prefix", "--from-key"] },
  { name: "get --prefix with range", args: (c) => ["get", `${c.p}a`, `${c.p}b`, "--prefix"] },
  { name: "get --rev=abc", args: (c) => ["get", `${c.p}a`, "--rev=abc"] },
  { name: "get --limit=x", args: (c) => ["get", `${c.p}a`, "--limit", "x"] },
  { name: "get unknown flag", args: (c) => ["get", `${c.p}a`, "--bogus"] },
  { name: "get --prefix=maybe", args: (c) => ["get", `${c.p}a`, "--prefix=maybe"] },
  { name: "unknown command", args: () => ["bogus"], mask: (s) => s.replace(/etcdctl|tsctl/g, "X") },
  { name: "del", args: (c) => ["del", `${c.p}foo`] },
  { name: "del again", args: (c) => ["del", `${c.p}foo`] },
  { name: "del range -w json", args: (c) => ["del", `${c.p}a`, `${c.p}c`, "-w", "json"] },
  { name: "del --prefix --prev-kv", args: (c) => ["del", `${c.p}s`, "--prefix", "--prev-kv"] },
  { name: "del --prev-kv fields", args: (c) => ["del", `${c.p}c`, "--prev-kv", "-w", "fields"] },
  // --from-key on a tool prefix would reach the other tool's keys: use one beyond both.
  { name: "del --from-key", args: () => ["del", "zzzz", "--from-key", "--prev-kv"] },
  { name: "del no args", args: () => ["del"] },
  { name: "del too many", args: () => ["del", "a", "b", "c"] },
  { name: "del --prefix --from-key", args: (c) => ["del", `${c.p}a`, "--prefix", "--from-key"] },
  { name: "del -w table", args: (c) => ["del", `${c.p}zz`, "-w", "table"] },
  {
    name: "unreachable endpoint",
    withEndpoint: false,
    args: (c) => ["--endpoints", "127.0.0.1:1", "--command-timeout=1s", "get", `${c.p}a`],
  },
  { name: "version", args: () => ["version"] },
];

compatSuite("v3 kv", rows);
