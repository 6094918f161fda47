// etcdctl vs tsctl: watch (prefix, range, prev-kv, rev, every format, exec with ETCD_WATCH_*
// env, compacted revision, argument errors). Each watch runs ~2 s while writes happen.
import assert from "node:assert/strict";
import { compatSuite, etcdctl } from "./v3-harness.js";
import type { Row, RowContext } from "./v3-harness.js";

async function writes(c: RowContext): Promise<void> {
  await etcdctl(c, "put", `${c.p}w1`, "a");
  await etcdctl(c, "put", `${c.p}w1`, "b");
  await etcdctl(c, "del", `${c.p}w1`);
  await etcdctl(c, "put", `${c.p}w2`, "c");
}

const maskRevisions = (s: string) => s.replace(/ETCD_WATCH_REVISION=\d+/g, "ETCD_WATCH_REVISION=N");
const watchRow = (
  name: string,
  args: (c: RowContext) => string[],
  extra: Partial<Row> = {},
): Row => ({
  name,
  args,
  during: writes,
  expect: (r) => assert.notEqual(r.stdout, "", "the watch saw the writes"),
  timeoutMs: 2500,
  delayMs: 1000,
  ...extra,
});

const rows: Row[] = [
  watchRow("watch key", (c) => ["watch", `${c.p}w1`]),
  watchRow("watch --prefix --prev-kv", (c) => ["watch", `${c.p}w`, "--prefix", "--prev-kv"]),
  watchRow("watch -w json", (c) => ["watch", `${c.p}w`, "--prefix", "-w", "json"]),
  watchRow("watch -w fields --hex", (c) => [
    "watch",
    `${c.p}w`,
    "--prefix",
    "-w",
    "fields",
    "--hex",
  ]),
  watchRow(
    "watch exec",
    (c) => [
      "watch",
      `${c.p}w1`,
      "--",
      "sh",
      "-c",
      'echo "$ETCD_WATCH_REVISION $ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY $ETCD_WATCH_VALUE"',
    ],
    {
      mask: (s) => s.replace(/^\d+ /gm, "N "),
    },
  ),
  watchRow("watch range from ETCDCTL_WATCH_KEY/RANGE_END", () => ["watch"], {
    env: (c) => ({ ETCDCTL_WATCH_KEY: `${c.p}w1`, ETCDCTL_WATCH_RANGE_END: `${c.p}w3` }),
  }),
  {
    name: "revision before history",
    args: (c) => ["put", `${c.p}h`, "1", "-w", "json"],
    capture: (r, c) => {
      c.vars.rev = String(JSON.parse(r.stdout).header.revision);
    },
  },
  { name: "more history", args: (c) => ["put", `${c.p}h`, "2"] },
  {
    name: "watch --rev replays history",
    args: (c) => ["watch", `${c.p}h`, `--rev=${c.vars.rev}`],
    timeoutMs: 2500,
  },
  {
    // Compacts once, between the two runs, so both watches below start from compacted history.
    name: "compact history",
    args: () => ["get", "x", "-w", "json"],
    capture: (r, c) => {
      if (c.tool === "etcdctl") c.vars.head = String(JSON.parse(r.stdout).header.revision);
    },
    between: async (c) => void (await etcdctl(c, "compaction", c.vars.head!)),
    stdout: false,
  },
  {
    name: "watch compacted revision",
    args: (c) => ["watch", `${c.p}h`, "--rev=1"],
    timeoutMs: 5000,
  },
  { name: "watch no args", args: () => ["watch"] },
  { name: "watch --prefix with range", args: (c) => ["watch", `${c.p}a`, `${c.p}b`, "--prefix"] },
  { name: "watch separator without command", args: (c) => ["watch", `${c.p}a`, "--"] },
  {
    name: "watch env range without key",
    args: () => ["watch", "x"],
    env: { ETCDCTL_WATCH_RANGE_END: "z" },
  },
  { name: "watch --rev=x", args: () => ["watch", "x", "--rev=x"] },
];
rows.forEach((r) => {
  if (r.name === "watch exec") r.mask = (s) => maskRevisions(s).replace(/^\d+ /gm, "N ");
});

compatSuite("v3 watch", rows);
