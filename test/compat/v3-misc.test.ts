// etcdctl vs tsctl: snapshot save, check and make-mirror argument handling and errors.
import { compatSuite } from "./v3-harness.js";
import type { Row, RowContext } from "./v3-harness.js";

const etcdctlSnapshot = (c: RowContext) => path.join(path.dirname(c.tmp), "e", "snap.db");
import path from "node:path";

const rows: Row[] = [
  {
    name: "snapshot save",
    args: (c) => ["snapshot", "save", path.join(c.tmp, "snap.db")],
  },
  { name: "snapshot save no args", args: () => ["snapshot", "save"] },
  // Both tools read the file etcdctl saved: the status must be identical.
  ...["simple", "json", "fields", "table", "protobuf"].map((w) => ({
    name: `snapshot status -w ${w}`,
    args: (c: RowContext) => ["snapshot", "status", etcdctlSnapshot(c), "-w", w],
    etcdServerOnly:
      "a tsctl server's snapshot is a SQLite file: etcdctl calls it an invalid database, tsctl reads it",
  })),
  {
    name: "snapshot status missing file",
    args: (c) => ["snapshot", "status", path.join(c.tmp, "nope.db")],
  },
  { name: "snapshot status not a db", args: () => ["snapshot", "status", "/etc/hostname"] },
  { name: "snapshot status no args", args: () => ["snapshot", "status"] },
  {
    name: "snapshot save two endpoints",
    withEndpoint: false,
    args: (c) => [
      "--endpoints",
      `${c.endpoint},${c.endpoint}`,
      "snapshot",
      "save",
      path.join(c.tmp, "x.db"),
    ],
  },
  {
    name: "snapshot save to a missing directory",
    args: (c) => ["snapshot", "save", path.join(c.tmp, "no/such/dir/x.db")],
  },
  { name: "check perf unknown load", args: () => ["check", "perf", "--load=huge"] },
  { name: "check datascale unknown load", args: () => ["check", "datascale", "--load=huge"] },
  { name: "key under the check prefix", args: (c) => ["put", `${c.p}chk/x`, "1"] },
  { name: "check perf prefix has keys", args: (c) => ["check", "perf", `--prefix=${c.p}chk/`] },
  {
    name: "check datascale prefix has keys",
    args: (c) => ["check", "datascale", `--prefix=${c.p}chk/`],
  },
  { name: "make-mirror no destination", args: () => ["make-mirror"] },
  // Help in etcdctl's layout (commands whose etcdctl help has a long description are left out).
  ...[
    ["--help"],
    ["get", "--help"],
    ["watch", "--help"],
    ["txn", "--help"],
    ["lease", "grant", "--help"],
    ["endpoint", "hashkv", "--help"],
    ["endpoint", "--help"],
    ["user", "add", "--help"],
    ["role", "grant-permission", "--help"],
    ["lock", "--help"],
    ["make-mirror", "--help"],
    ["snapshot", "restore", "--help"],
    ["check", "perf", "--help"],
    ["help", "del"],
  ].map((args) => ({
    name: `help: ${args.join(" ")}`,
    args: () => args,
    // tsctl's root help also lists `server`, which etcdctl does not have.
    mask: (text: string) =>
      text.replace("help for etcdctl", "help for tsctl").replace(/^\tserver\t.*\n/m, ""),
  })),
];

compatSuite("v3 misc", rows);
