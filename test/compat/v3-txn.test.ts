// etcdctl vs tsctl: txn (stdin grammar, -i prompts, every format, input errors) and
// compaction (then reads and compactions of compacted revisions).
import assert from "node:assert/strict";
import { compatSuite } from "./v3-harness.js";
import type { Row, RowContext } from "./v3-harness.js";

const txn = (c: RowContext, lines: string[]) => lines.join("\n").replaceAll("P/", c.p) + "\n";

const rows: Row[] = [
  { name: "setup k1", args: (c) => ["put", `${c.p}k1`, "v1"] },
  {
    name: "txn success",
    args: () => ["txn"],
    input: (c) =>
      txn(c, ['value("P/k1") = "v1"', "", "put P/k2 v2", "get P/k1", "", "put P/k3 v3", ""]),
    expect: (r) => assert.match(r.stdout, /^SUCCESS\n\nOK\n\n/),
  },
  {
    name: "txn failure",
    args: () => ["txn"],
    input: (c) =>
      txn(c, ['value("P/k1") = "nope"', "", "put P/k2 v2", "", "del P/k3", "get P/k1", ""]),
  },
  ...["json", "fields", "table"].map((w) => ({
    name: `txn -w ${w}`,
    args: () => ["txn", "-w", w],
    input: (c: RowContext) =>
      txn(c, [
        'mod("P/k1") > "0"',
        'ver("P/k1") = "1"',
        "",
        "get P/k1",
        "put P/k4 v --prev-kv",
        "del P/k2 --prev-kv",
        "",
        "",
      ]),
  })),
  {
    name: "txn -i",
    args: () => ["txn", "-i"],
    input: (c) => txn(c, ['create("P/k1") != "0"', "", "get P/k --prefix --keys-only", "", "", ""]),
  },
  {
    name: "txn quoted values",
    args: () => ["txn"],
    input: (c) => txn(c, ['val("P/k1") != "x y"', "", 'put P/k5 "a b\\tc"', "get P/k5", "", ""]),
  },
  { name: "txn empty input", args: () => ["txn"], input: "" },
  {
    name: "txn missing final blank",
    args: () => ["txn"],
    input: (c) => txn(c, ["", "get P/k1", ""]),
  },
  { name: "txn no trailing newline", args: () => ["txn"], input: "\n\n" },
  { name: "txn bad op", args: () => ["txn"], input: "\nbad op\n\n\n" },
  { name: "txn short op", args: () => ["txn"], input: "\nget\n\n\n" },
  { name: "txn bad compare", args: () => ["txn"], input: "nonsense\n\n\n\n" },
  { name: "txn bad compare target", args: () => ["txn"], input: 'foo("k") = "1"\n\n\n\n' },
  { name: "txn compare not a number", args: () => ["txn"], input: 'ver("k") = "x"\n\n\n\n' },
  { name: "txn unquoted compare", args: () => ["txn"], input: 'mod("k") > 0\n\n\n\n' },
  { name: "txn op bad flag", args: () => ["txn"], input: "\nget k --bogus\n\n\n" },
  { name: "txn op put without value", args: () => ["txn"], input: "\nput k\n\n\n" },
  { name: "txn with argument", args: () => ["txn", "x"] },
  {
    name: "revision to compact at",
    args: (c) => ["put", `${c.p}k1`, "v2", "-w", "json"],
    capture: (r, c) => {
      c.vars.rev = String(JSON.parse(r.stdout).header.revision);
    },
  },
  {
    name: "compaction",
    args: (c) => ["compaction", c.vars.rev!],
    mask: (s) => s.replace(/\d+/, "N"),
  },
  { name: "compaction again", args: (c) => ["compaction", c.vars.rev!] },
  {
    name: "get compacted revision",
    args: (c) => ["get", `${c.p}k1`, `--rev=${Number(c.vars.rev) - 1}`],
  },
  { name: "compaction --physical", args: (c) => ["compaction", "--physical", c.vars.rev!] },
  { name: "compaction future", args: () => ["compaction", "100000000"] },
  { name: "compaction not a number", args: () => ["compaction", "x"] },
  { name: "compaction no args", args: () => ["compaction"] },
];

compatSuite("v3 txn/compaction", rows);
