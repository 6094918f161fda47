// etcdctl vs tsctl: lock (held, with a command and its ETCD_LOCK_* env, failing command) and
// elect (campaign, observe, argument errors). Lease ids in keys are masked.
import { compatSuite } from "./v3-harness.js";
import type { Row } from "./v3-harness.js";

const maskIds = (s: string) =>
  s.replace(/\/[0-9a-f]{8,16}\b/g, "/<lease>").replace(/rev=\d+/, "rev=N");

const rows: Row[] = [
  {
    name: "lock with command",
    args: (c) => [
      "lock",
      `${c.p}l1`,
      "sh",
      "--",
      "-c",
      "echo key=$ETCD_LOCK_KEY rev=$ETCD_LOCK_REV",
    ],
  },
  { name: "lock held until killed", args: (c) => ["lock", `${c.p}l2`], timeoutMs: 2500 },
  { name: "lock failing command", args: (c) => ["lock", `${c.p}l3`, "false"] },
  { name: "lock no args", args: () => ["lock"] },
  { name: "elect campaign", args: (c) => ["elect", `${c.p}e1`, "p1"], timeoutMs: 2500 },
  { name: "elect observe", args: (c) => ["elect", "-l", `${c.p}e1`], timeoutMs: 2500 },
  { name: "elect no args", args: () => ["elect"] },
  { name: "elect no proposal", args: () => ["elect", "e"] },
  { name: "elect proposal with -l", args: () => ["elect", "-l", "e", "p"] },
];
for (const r of rows) r.mask = maskIds;

compatSuite("v3 lock/elect", rows);
