// `tsctl snapshot restore` and `tsctl defrag --data-dir`, end to end: snapshots saved from a
// tsctl server (and from a real etcd 3.4) restored into new data dirs that `tsctl server`
// then serves, alone or as a 3-member cluster; the offline defrag of a stopped member and its
// wait on a live one; and the error cases side by side with the real etcdctl 3.4.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  REPO_ROOT,
  runCli,
  skipWithoutEtcd,
  startRealEtcd,
  type CliResult,
} from "../helpers/index.js";
import { startTsctlCluster, waitHealthy, type TsctlMember } from "./cluster.js";

function tsctl(endpoint: string, ...args: string[]): Promise<CliResult> {
  return runCli("tsctl", [`--endpoints=${endpoint}`, ...args]);
}

async function ok(endpoint: string, ...args: string[]): Promise<string> {
  const r = await tsctl(endpoint, ...args);
  assert.equal(r.code, 0, `tsctl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

interface GetJson {
  header: { cluster_id: number | string; member_id: number | string; revision: number };
  kvs?: Array<{ key: string; value: string; mod_revision: number; lease?: number | string }>;
}

/** `get -w json`, with the uint64 ids kept exact (as decimal strings). */
async function getJson(endpoint: string, ...args: string[]): Promise<GetJson> {
  const out = await ok(endpoint, "get", ...args, "-w", "json");
  return JSON.parse(out.replace(/"(cluster_id|member_id|lease)":(\d+)/g, '"$1":"$2"')) as GetJson;
}

function b64(s: string): string {
  return Buffer.from(s).toString("base64");
}

function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The zap lines a restore logs on stderr (etcdctl prints the same three kinds). */
function logLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function restoreArgs(
  file: string,
  m: TsctlMember,
  initialCluster: string,
  token: string,
  extra: string[] = [],
): string[] {
  return [
    "snapshot",
    "restore",
    file,
    "--name",
    m.name,
    "--data-dir",
    m.dataDir,
    "--initial-cluster",
    initialCluster,
    "--initial-cluster-token",
    token,
    "--initial-advertise-peer-urls",
    m.peerUrl,
    ...extra,
  ];
}

/** Restores `file` into every member's data dir, checking etcdctl's output shape. */
function restoreInto(file: string) {
  return async (members: TsctlMember[], initialCluster: string, token: string) => {
    for (const m of members) {
      const r = await runCli("tsctl", restoreArgs(file, m, initialCluster, token));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "");
      const logs = logLines(r.stderr);
      assert.deepEqual(
        logs.map((l) => l.msg),
        ["restoring snapshot", ...members.map(() => "added member"), "restored snapshot"],
      );
      assert.deepEqual(logs[0], {
        ...logs[0],
        path: file,
        "data-dir": m.dataDir,
        "wal-dir": path.join(m.dataDir, "member", "wal"),
        "snap-dir": path.join(m.dataDir, "member", "snap"),
      });
    }
  };
}

/** Keys (one with a lease, one deleted, one overwritten) on a fresh member, then a snapshot. */
async function savedSnapshot(dir: string): Promise<{
  file: string;
  revision: number;
  leaseId: string;
  before: string;
}> {
  const c = await startTsctlCluster({ size: 1 });
  try {
    const ep = c.endpoints;
    await ok(ep, "put", "k/a", "1");
    await ok(ep, "put", "k/b", "2");
    await ok(ep, "put", "k/a", "1-new");
    await ok(ep, "put", "k/gone", "x");
    await ok(ep, "del", "k/gone");
    const leaseId = /lease ([0-9a-f]+) granted/.exec(await ok(ep, "lease", "grant", "600"))![1]!;
    await ok(ep, "put", "k/leased", "v", `--lease=${leaseId}`);
    const before = await ok(ep, "get", "--prefix", "k/");
    const { revision } = (await getJson(ep, "k/a")).header;
    const file = path.join(dir, "snap.db");
    const saved = await tsctl(ep, "snapshot", "save", file);
    assert.equal(saved.code, 0, saved.stderr);
    // status reads tsctl's own snapshots too: the store's revision, the database without
    // the hash trailer, and the same figures twice
    const status = await tsctl(ep, "snapshot", "status", file, "-w", "json");
    assert.equal(status.code, 0, status.stderr);
    const st = JSON.parse(status.stdout) as {
      revision: number;
      totalSize: number;
      totalKey: number;
    };
    assert.equal(st.revision, revision);
    assert.equal(st.totalSize, fs.statSync(file).size - 32);
    assert.ok(st.totalKey >= 6, `totalKey ${st.totalKey}`);
    assert.equal((await tsctl(ep, "snapshot", "status", file, "-w", "json")).stdout, status.stdout);
    return { file, revision, leaseId, before };
  } finally {
    await c.destroy();
  }
}

test(
  "snapshot restore: a new member serves a tsctl snapshot's keys, leases, history and revision",
  { timeout: 120_000 },
  async () => {
    const dir = tmpDir("tsctl-restore-");
    try {
      const snap = await savedSnapshot(dir);
      const c = await startTsctlCluster({
        size: 1,
        token: "restored-one",
        prepare: restoreInto(snap.file),
      });
      try {
        const ep = c.endpoints;
        const m = c.members[0]!;
        assert.equal(await ok(ep, "get", "--prefix", "k/"), snap.before);
        const got = await getJson(ep, "--prefix", "k/");
        assert.equal(got.header.revision, snap.revision, "revision preserved");
        const leased = got.kvs!.find((kv) => kv.key === b64("k/leased"))!;
        assert.equal(BigInt(leased.lease!).toString(16).padStart(16, "0"), snap.leaseId);
        assert.match(
          await ok(ep, "lease", "timetolive", snap.leaseId, "--keys"),
          new RegExp(
            `lease ${snap.leaseId} granted with TTL\\(600s\\), remaining\\(\\d+s\\), attached keys\\(\\[k/leased\\]\\)`,
          ),
        );
        // history below the snapshot's revision is still there
        const old = await getJson(ep, "k/a", `--rev=${snap.revision - 4}`);
        assert.equal(old.kvs![0]!.value, b64("1"));
        // the new membership, with the ids the server derives from the flags
        const members = await ok(ep, "member", "list");
        assert.match(
          members,
          new RegExp(`^[0-9a-f]+, started, m1, ${m.peerUrl}, ${m.clientUrl}, false\\n$`),
        );
        // and it takes writes, right after the snapshot's revision
        await ok(ep, "put", "k/new", "n");
        assert.equal((await getJson(ep, "k/new")).header.revision, snap.revision + 1);
        // a restart replays nothing stale: same data, same revision
        await c.stop(m);
        await c.start(m);
        await waitHealthy(m, 20_000);
        assert.equal(await ok(ep, "get", "k/new", "--print-value-only"), "n\n");
        assert.equal((await getJson(ep, "k/a")).header.revision, snap.revision + 1);
      } finally {
        await c.destroy();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "snapshot restore: three members restored from one snapshot form a cluster",
  { timeout: 120_000 },
  async () => {
    const dir = tmpDir("tsctl-restore3-");
    try {
      const snap = await savedSnapshot(dir);
      const c = await startTsctlCluster({
        size: 3,
        token: "restored-three",
        prepare: restoreInto(snap.file),
      });
      try {
        const ids = new Set<string>();
        for (const m of c.members) {
          assert.equal(await ok(m.endpoint, "get", "--prefix", "k/"), snap.before);
          assert.equal(
            await ok(m.endpoint, "get", "--prefix", "k/", "--consistency=s"),
            snap.before,
          );
          const h = (await getJson(m.endpoint, "k/a")).header;
          assert.equal(h.revision, snap.revision);
          ids.add(String(h.cluster_id));
        }
        assert.equal(ids.size, 1, "one cluster id");
        assert.equal((await ok(c.endpoints, "member", "list")).trim().split("\n").length, 3);
        await ok(c.members[0]!.endpoint, "put", "k/after", "3");
        for (const m of c.members) {
          assert.equal(await ok(m.endpoint, "get", "k/after", "--print-value-only"), "3\n");
        }
      } finally {
        await c.destroy();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "snapshot restore: a real etcd 3.4 snapshot, restored by tsctl, is served by tsctl server",
  { skip: skipWithoutEtcd, timeout: 120_000 },
  async () => {
    const dir = tmpDir("tsctl-restore-etcd-");
    try {
      const etcd = await startRealEtcd();
      let before: string;
      let revision: number;
      let leaseId: string;
      const file = path.join(dir, "etcd.db");
      try {
        const ctl = (...args: string[]) =>
          runCli("etcdctl", [`--endpoints=${etcd.endpoint}`, ...args]);
        for (const args of [
          ["put", "e/a", "1"],
          ["put", "e/b", "2"],
          ["put", "e/a", "1-new"],
          ["put", "e/gone", "x"],
          ["del", "e/gone"],
          ["compaction", "2"],
        ]) {
          const r = await ctl(...args);
          assert.equal(r.code, 0, r.stderr);
        }
        leaseId = /lease ([0-9a-f]+) granted/.exec(
          (await ctl("lease", "grant", "600")).stdout,
        )![1]!;
        assert.equal((await ctl("put", "e/leased", "v", `--lease=${leaseId}`)).code, 0);
        assert.equal((await ctl("user", "add", "root:rootpw")).code, 0);
        before = (await ctl("get", "--prefix", "e/")).stdout;
        revision = (JSON.parse((await ctl("get", "e/a", "-w", "json")).stdout) as GetJson).header
          .revision;
        const saved = await ctl("snapshot", "save", file);
        assert.equal(saved.code, 0, saved.stderr);
      } finally {
        await etcd.stop();
      }
      const c = await startTsctlCluster({ size: 1, prepare: restoreInto(file) });
      try {
        const ep = c.endpoints;
        assert.equal(await ok(ep, "get", "--prefix", "e/"), before);
        assert.equal((await getJson(ep, "e/a")).header.revision, revision);
        assert.match(await ok(ep, "lease", "list"), new RegExp(`found 1 leases\\n${leaseId}\\n`));
        assert.equal(await ok(ep, "user", "list"), "root\n");
        // compacted at 2: revision 2 is readable, revision 1 is not
        assert.equal((await getJson(ep, "e/a", "--rev=2")).kvs![0]!.value, b64("1"));
        const compacted = await tsctl(ep, "get", "e/a", "--rev=1");
        assert.match(compacted.stderr, /required revision has been compacted/);
        await ok(ep, "put", "e/new", "n");
        assert.equal((await getJson(ep, "e/new")).header.revision, revision + 1);
      } finally {
        await c.destroy();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

/** stderr with timestamps masked: zap's `"ts":…` and capnslog's leading date. */
function maskStderr(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((l) => l !== "")
    .map((l) =>
      l
        .replace(/"ts":[0-9.]+/, '"ts":T')
        .replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} /, "DATE "),
    );
}

test(
  "snapshot restore and defrag --data-dir: errors, output and ids as etcdctl 3.4 gives them",
  { skip: skipWithoutEtcd, timeout: 120_000 },
  async () => {
    const root = tmpDir("tsctl-restore-cmp-");
    try {
      // One snapshot from a real etcd, the same files in each tool's working directory.
      const etcd = await startRealEtcd();
      try {
        const r = await runCli("etcdctl", [
          `--endpoints=${etcd.endpoint}`,
          "snapshot",
          "save",
          path.join(root, "good.db"),
        ]);
        assert.equal(r.code, 0, r.stderr);
      } finally {
        await etcd.stop();
      }
      const good = fs.readFileSync(path.join(root, "good.db"));
      const corrupt = Buffer.from(good);
      corrupt[5000] ^= 0xff;
      const files: Record<string, Buffer> = {
        "good.db": good,
        "corrupt.db": corrupt,
        "nohash.db": good.subarray(0, good.length - 32),
        "tiny.db": Buffer.from("hello\n"),
        "junk.db": Buffer.alloc(4200, 7),
      };
      const cwd = { etcdctl: path.join(root, "e"), tsctl: path.join(root, "t") };
      for (const d of Object.values(cwd)) {
        fs.mkdirSync(path.join(d, "existing"), { recursive: true });
        for (const [name, bytes] of Object.entries(files))
          fs.writeFileSync(path.join(d, name), bytes);
      }
      const cluster3 = "a=http://127.0.0.1:1,b=http://127.0.0.1:2,c=http://127.0.0.1:3";
      const rows: Array<{ args: string[]; leavesNothing?: string }> = [
        { args: ["snapshot", "restore"] },
        { args: ["snapshot", "restore", "a.db", "b.db"] },
        {
          args: ["snapshot", "restore", "missing.db", "--data-dir", "out1"],
          leavesNothing: "out1",
        },
        { args: ["snapshot", "restore", "good.db", "--data-dir", "existing"] },
        { args: ["snapshot", "restore", "good.db", "--data-dir", "o", "--wal-dir", "existing"] },
        {
          args: ["snapshot", "restore", "corrupt.db", "--data-dir", "out2"],
          leavesNothing: "out2",
        },
        { args: ["snapshot", "restore", "tiny.db", "--data-dir", "out3"], leavesNothing: "out3" },
        { args: ["snapshot", "restore", "nohash.db", "--data-dir", "out4"], leavesNothing: "out4" },
        {
          args: ["snapshot", "restore", "junk.db", "--data-dir", "out5", "--skip-hash-check"],
          leavesNothing: "out5",
        },
        { args: ["snapshot", "restore", "good.db", "--name", "zz"] },
        { args: ["snapshot", "restore", "good.db", "--initial-cluster", "garbage"] },
        {
          args: [
            "snapshot",
            "restore",
            "good.db",
            "--initial-advertise-peer-urls",
            "http://127.0.0.1:9",
          ],
        },
        // successes: same log lines, same member and cluster ids
        { args: ["snapshot", "restore", "good.db"] },
        { args: ["snapshot", "restore", "corrupt.db", "--data-dir", "s1", "--skip-hash-check"] },
        { args: ["snapshot", "restore", "nohash.db", "--data-dir", "s2", "--skip-hash-check"] },
        {
          args: [
            "snapshot",
            "restore",
            "good.db",
            "--data-dir",
            "s3",
            "--wal-dir",
            "w3",
            "--name",
            "b",
            "--initial-cluster",
            cluster3,
            "--initial-cluster-token",
            "tok",
            "--initial-advertise-peer-urls",
            "http://127.0.0.1:2",
          ],
        },
        { args: ["defrag", "--data-dir", "nope"] },
        { args: ["defrag", "--data-dir", "existing"] },
      ];
      for (const row of rows) {
        const want = await runCli("etcdctl", row.args, { cwd: cwd.etcdctl });
        const got = await runCli("tsctl", row.args, { cwd: cwd.tsctl });
        const detail = `${row.args.join(" ")}\netcdctl: ${JSON.stringify(want)}\ntsctl:   ${JSON.stringify(got)}`;
        assert.equal(got.code, want.code, `exit code: ${detail}`);
        assert.equal(got.stdout, want.stdout, `stdout: ${detail}`);
        // etcdctl names the members in map order; compare them as a set
        const sorted = (s: string) => {
          const lines = maskStderr(s);
          const added = lines.filter((l) => l.includes('"added member"')).sort();
          return [...lines.filter((l) => !l.includes('"added member"')), ...added];
        };
        const wantLines = sorted(want.stderr);
        const gotLines = sorted(got.stderr);
        // the goroutine trace after a panic is etcdctl's alone
        const panicAt = wantLines.findIndex((l) => l.startsWith("panic: "));
        assert.deepEqual(
          gotLines,
          panicAt >= 0 ? wantLines.slice(0, panicAt + 1) : wantLines,
          `stderr: ${detail}`,
        );
        if (row.leavesNothing !== undefined) {
          assert.ok(
            !fs.existsSync(path.join(cwd.tsctl, row.leavesNothing)),
            `left ${row.leavesNothing}`,
          );
        }
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
);

/** Size of a member's database and its SQLite WAL (what the directory holds on disk). */
function dbBytes(dataDir: string): number {
  const db = path.join(dataDir, "member", "snap", "db");
  return ["", "-wal"].reduce(
    (n, s) => n + (fs.existsSync(db + s) ? fs.statSync(db + s).size : 0),
    0,
  );
}

test(
  "defrag --data-dir: shrinks a stopped member's database, keeps its data, waits for a live member",
  { timeout: 120_000 },
  async () => {
    const c = await startTsctlCluster({ size: 1 });
    try {
      const m = c.members[0]!;
      const ep = c.endpoints;
      const big = "x".repeat(8 * 1024);
      for (let round = 0; round < 3; round++) {
        // one txn per round: no compares, 40 puts, no failure ops
        const puts = Array.from({ length: 40 }, (_, i) => `put d/${i} "${round}${big}"`);
        const r = await runCli("tsctl", [`--endpoints=${ep}`, "txn"], {
          input: `\n${puts.join("\n")}\n\n\n`,
        });
        assert.equal(r.code, 0, r.stderr);
      }
      const { revision } = (await getJson(ep, "d/0")).header;
      await ok(ep, "compaction", String(revision));

      // Stopped: defrag runs at once, silently, and gives the compacted space back.
      await c.stop(m);
      const sizeBefore = dbBytes(m.dataDir);
      const offline = await runCli("tsctl", ["defrag", "--data-dir", m.dataDir]);
      assert.deepEqual([offline.code, offline.stdout, offline.stderr], [0, "", ""]);
      const sizeAfter = dbBytes(m.dataDir);
      assert.ok(sizeAfter < sizeBefore, `db did not shrink: ${sizeBefore} -> ${sizeAfter} bytes`);
      await c.start(m);
      await waitHealthy(m, 20_000);
      for (let i = 0; i < 40; i++) {
        assert.equal(await ok(ep, "get", `d/${i}`, "--print-value-only"), `2${big}\n`);
      }
      assert.equal((await getJson(ep, "d/0")).header.revision, revision);

      // A live member: defrag waits (after etcdctl's notice) and touches nothing until it stops.
      const child = spawn(
        process.execPath,
        [path.join(REPO_ROOT, "bin/tsctl"), "defrag", "--data-dir", m.dataDir],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
      child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
      const exited = new Promise<number | null>((resolve) =>
        child.on("exit", (code) => resolve(code)),
      );
      try {
        const deadline = Date.now() + 10_000;
        while (!err.includes("waiting for etcd") && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(
          err,
          `waiting for etcd to close and release its lock on "${path.join(m.dataDir, "member", "snap", "db")}". To defrag a running etcd instance, omit --data-dir.\n`,
        );
        assert.equal(child.exitCode, null, "still waiting");
        await ok(ep, "put", "d/live", "1");
        await c.stop(m);
        assert.equal(await exited, 0, err);
        assert.equal(out, "");
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      await c.start(m);
      await waitHealthy(m, 20_000);
      assert.equal(await ok(ep, "get", "d/live", "--print-value-only"), "1\n");
      assert.equal(await ok(ep, "get", "d/39", "--print-value-only"), `2${big}\n`);
      await ok(ep, "put", "d/new", "1");
    } finally {
      await c.destroy();
    }
  },
);

test("migrate: refused with etcdctl's exit code for a failed migrate", async () => {
  const r = await runCli("tsctl", ["migrate", "--data-dir", "whatever"]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^Error: migrate is not supported by tsctl \(.*\)\n$/);
});
