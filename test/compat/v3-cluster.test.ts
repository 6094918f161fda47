// etcdctl vs tsctl: lease, member, endpoint, alarm, defrag and move-leader against a
// one-member cluster, in every format each supports, with their argument errors.
import { compatSuite, etcdctl } from "./v3-harness.js";
import type { Row, RowContext } from "./v3-harness.js";
import assert from "node:assert/strict";
import { runCli } from "../helpers/index.js";
import type { CliResult } from "../helpers/index.js";

const formats = ["simple", "json", "fields", "protobuf", "table"];

// Each tool adds its own (never started) learner on its own made-up peer port.
const peerUrl = (c: RowContext, bump = 0) =>
  `http://127.0.0.1:${(c.tool === "etcdctl" ? 41000 : 42000) + bump}`;
/** The learner that currently exists (shared: both tools act on the same cluster). */
let learner = "";
function memberCapture(r: CliResult, _c: RowContext): void {
  const m = /^Member +([0-9a-f]+) added/.exec(r.stdout);
  if (m !== null) learner = m[1]!;
}
const maskMember = (s: string) =>
  s
    // Members come in id order, and the learner's id is random.
    .replace(
      /^ETCD_INITIAL_CLUSTER="(.*)"$/m,
      (_m, list: string) => `ETCD_INITIAL_CLUSTER="${list.split(",").sort().join(",")}"`,
    )
    .replace(/^Member +[0-9a-f]+ /gm, "Member <M2> ")
    .replace(/^[0-9a-f]+, unstarted/gm, "<M2>, unstarted")
    .replace(/http:\/\/127\.0\.0\.1:4[12]00(\d)/g, "http://127.0.0.1:4X00$1")
    .replace(/(etcdctl|tsctl)-m2/g, "X-m2")
    .replace(/^(Member) +/gm, "$1 ");

function leaseCapture(name: string) {
  return (r: CliResult, c: RowContext) => {
    const hex = /lease ([0-9a-f]{16}) granted/.exec(r.stdout)?.[1];
    const dec = /"ID" ?: ?(\d+)/.exec(r.stdout)?.[1];
    const id = hex !== undefined ? BigInt("0x" + hex) : dec !== undefined ? BigInt(dec) : undefined;
    if (id === undefined) return;
    c.vars[name] = id.toString(16).padStart(16, "0");
    c.masks[c.vars[name]!] = `<${name}>`;
    c.masks[id.toString()] = `<${name}#>`;
  };
}

// Raft indexes, revisions and timings move between the two runs.
const maskStatus = (s: string) =>
  s
    .replace(/"(raftIndex|raftAppliedIndex)":\d+/g, '"$1":N')
    .replace(/("raftIndex"|"raftAppliedIndex"|"RaftIndex"|"RaftAppliedIndex")( ?: ?)\d+/g, "$1$2N")
    .replace(/\b(true|false), (\d+), \d+, \d+, /g, "$1, $2, N, N, ")
    .replace(/\|\s+\d+ \|\s+\d+ \|\s+$/gm, "| N | N |");
const maskTook = (s: string) =>
  s
    .replace(/took = \S+/g, "took = T")
    .replace(/"took":"[^"]*"/g, '"took":"T"')
    .replace(/"Took" : \S+/g, '"Took" : T')
    // Table column widths follow the duration text.
    .replace(/\| +[\d.]+(ns|µs|ms|s) +\|/g, "| T |")
    .replace(/-+/g, "-")
    .replace(/ {2,}/g, " ");
const maskHash = (s: string) =>
  s
    .replace(/\| +\d+ \|$/gm, "| H |")
    .replace(/^\+-+\+-+\+$/gm, "+-+-+")
    .replace(/^\|( +ENDPOINT +)\| +HASH +\|$/gm, "|$1| HASH |")
    .replace(/, \d+$/gm, ", H")
    .replace(/"hash":\d+/g, '"hash":H')
    .replace(/"Hash" : \d+/g, '"Hash" : H');

const rows: Row[] = [
  // lease
  { name: "lease grant", args: () => ["lease", "grant", "100"], capture: leaseCapture("L1") },
  ...["json", "fields", "protobuf", "table"].map((w) => ({
    name: `lease grant -w ${w}`,
    args: () => ["lease", "grant", "50", "-w", w],
    capture: leaseCapture(`G${w}`),
    stdout: w !== "protobuf",
  })),
  { name: "put with lease", args: (c) => ["put", `${c.p}lk`, "v", `--lease=${c.vars.L1}`] },
  {
    name: "lease timetolive --keys",
    args: (c) => ["lease", "timetolive", c.vars.L1!, "--keys"],
    mask: (s) => s.replace(/remaining\(\d+s\)/, "remaining(Ns)"),
  },
  ...["json", "fields"].map((w) => ({
    name: `lease timetolive -w ${w}`,
    args: (c: RowContext) => ["lease", "timetolive", c.vars.L1!, "--keys", "-w", w],
    mask: (s: string) => s.replace(/"ttl":\d+/, '"ttl":N').replace(/"TTL" : \d+/, '"TTL" : N'),
  })),
  { name: "lease timetolive unknown", args: () => ["lease", "timetolive", "1"] },
  { name: "lease timetolive unknown json", args: () => ["lease", "timetolive", "1", "-w", "json"] },
  { name: "lease keep-alive --once", args: (c) => ["lease", "keep-alive", "--once", c.vars.L1!] },
  {
    name: "lease keep-alive --once json",
    args: (c) => ["lease", "keep-alive", "--once", c.vars.L1!, "-w", "json"],
  },
  { name: "lease keep-alive --once unknown", args: () => ["lease", "keep-alive", "--once", "1"] },
  { name: "lease keep-alive unknown", args: () => ["lease", "keep-alive", "1"] },
  { name: "lease grant 5", args: () => ["lease", "grant", "5"], capture: leaseCapture("L2") },
  // 5 s, not less: the tsctl row starts after etcdctl's (about 2 s), and tsctl server
  // expires a lease on time, where etcd's expiry check runs only every 500 ms.
  {
    name: "lease keep-alive until revoked",
    args: (c) => ["lease", "keep-alive", c.vars.L2!],
    during: async (c) => void (await etcdctl(c, "lease", "revoke", c.vars.L2!)),
    delayMs: 1500,
    timeoutMs: 10_000,
  },
  { name: "lease revoke", args: (c) => ["lease", "revoke", c.vars.L1!] },
  { name: "lease revoke again", args: (c) => ["lease", "revoke", c.vars.L1!] },
  { name: "lease revoke json", args: () => ["lease", "revoke", "1", "-w", "json"] },
  { name: "lease grant no args", args: () => ["lease", "grant"] },
  { name: "lease grant bad ttl", args: () => ["lease", "grant", "x"] },
  { name: "lease revoke bad id", args: () => ["lease", "revoke", "zz"] },
  { name: "lease timetolive no args", args: () => ["lease", "timetolive"] },
  { name: "lease keep-alive no args", args: () => ["lease", "keep-alive"] },
  // member
  ...formats.map((w) => ({ name: `member list -w ${w}`, args: () => ["member", "list", "-w", w] })),
  // A learner that never starts. etcd allows one learner, so tsctl gets the same starting
  // point as etcdctl through `between` steps, and rows act on the learner that exists.
  {
    name: "member add --learner",
    args: (c) => ["member", "add", `${c.tool}-m2`, `--peer-urls=${peerUrl(c)}`, "--learner"],
    capture: memberCapture,
    between: async (c) => void (await etcdctl(c, "member", "remove", learner)),
    mask: maskMember,
  },
  { name: "member list with a learner", args: () => ["member", "list"], mask: maskMember },
  { name: "member promote unstarted learner", args: () => ["member", "promote", learner] },
  {
    name: "member update",
    args: (c) => ["member", "update", learner, `--peer-urls=${peerUrl(c, 1)}`],
    mask: maskMember,
  },
  {
    name: "member remove",
    args: () => ["member", "remove", learner],
    between: async (c) => {
      // Right after a removal etcd may still answer "member not found": retry briefly.
      for (let attempt = 0; ; attempt++) {
        const r = await runCli("etcdctl", [
          "--endpoints",
          c.endpoint,
          "member",
          "add",
          "again",
          `--peer-urls=${peerUrl(c, 2)}`,
          "--learner",
        ]);
        if (r.code === 0 || attempt >= 10) {
          assert.equal(r.code, 0, r.stderr);
          memberCapture(r, c);
          return;
        }
        await new Promise((res) => setTimeout(res, 300));
      }
    },
    mask: maskMember,
  },
  { name: "member remove again", args: () => ["member", "remove", learner] },
  { name: "member remove no id", args: () => ["member", "remove"] },
  { name: "member remove bad id", args: () => ["member", "remove", "zz"] },
  { name: "member remove unknown", args: () => ["member", "remove", "1234"] },
  { name: "member update no urls", args: () => ["member", "update", "1234"] },
  {
    name: "member update unknown",
    args: () => ["member", "update", "1234", "--peer-urls=http://127.0.0.1:1"],
  },
  { name: "member promote unknown", args: () => ["member", "promote", "1234"] },
  { name: "member add no name", args: () => ["member", "add"] },
  { name: "member add no urls", args: () => ["member", "add", "m2"] },
  { name: "member add too many", args: () => ["member", "add", "m2", "http://x:1"] },
  // endpoint
  ...formats.map((w) => ({
    name: `endpoint health -w ${w}`,
    args: () => ["endpoint", "health", "-w", w],
    mask: maskTook,
  })),
  {
    name: "endpoint health --cluster",
    args: () => ["endpoint", "health", "--cluster"],
    mask: maskTook,
  },
  ...formats.map((w) => ({
    name: `endpoint status -w ${w}`,
    args: () => ["endpoint", "status", "-w", w],
    mask: maskStatus,
  })),
  {
    name: "endpoint status --cluster",
    args: () => ["endpoint", "--cluster", "status"],
    mask: maskStatus,
  },
  ...formats.map((w) => ({
    name: `endpoint hashkv -w ${w}`,
    args: () => ["endpoint", "hashkv", "-w", w],
    mask: maskHash,
  })),
  {
    name: "endpoint hashkv --rev=1",
    args: () => ["endpoint", "hashkv", "--rev=1"],
    mask: maskHash,
  },
  {
    name: "endpoint health unreachable",
    withEndpoint: false,
    args: () => [
      "--endpoints=127.0.0.1:1",
      "--command-timeout=1s",
      "--dial-timeout=1s",
      "endpoint",
      "health",
      "-w",
      "json",
    ],
    mask: (s) => s.replace(/"took":"[^"]*"/g, '"took":"T"'),
  },
  {
    name: "endpoint status unreachable",
    withEndpoint: false,
    args: () => ["--endpoints=127.0.0.1:1", "--command-timeout=1s", "endpoint", "status"],
  },
  // alarm, defrag, move-leader
  ...["simple", "json", "fields", "protobuf", "table"].map((w) => ({
    name: `alarm list -w ${w}`,
    args: () => ["alarm", "list", "-w", w],
  })),
  { name: "alarm disarm", args: () => ["alarm", "disarm"] },
  { name: "alarm list with args", args: () => ["alarm", "list", "x"] },
  { name: "defrag", args: () => ["defrag"] },
  { name: "defrag --cluster", args: () => ["defrag", "--cluster"] },
  { name: "move-leader no args", args: () => ["move-leader"] },
  { name: "move-leader bad id", args: () => ["move-leader", "zz"] },
  { name: "move-leader unknown member", args: () => ["move-leader", "1234"] },
];

compatSuite("v3 cluster", rows);
