// Long-running commands against real etcd 3.4, checked by effect: make-mirror copies and then
// follows a prefix into another cluster, check perf passes on an idle member (shortened run),
// watch -i serves interactive watch/progress lines, lock runs a command while holding.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT, runCli, skipWithoutEtcd, startRealEtcd } from "../helpers/index.js";
import type { RealEtcd } from "../helpers/index.js";

let src: RealEtcd | undefined;
let dst: RealEtcd | undefined;
const opts = { skip: skipWithoutEtcd };

before(async () => {
  if (skipWithoutEtcd !== false) return;
  [src, dst] = await Promise.all([startRealEtcd(), startRealEtcd()]);
});
after(async () => {
  await Promise.all([src?.stop(), dst?.stop()]);
});

const ctl = (etcd: RealEtcd, ...args: string[]) =>
  runCli("etcdctl", ["--endpoints", etcd.endpoint, ...args]);

/** Starts `tsctl args`, collecting stdout; stop() ends it by PID. */
function startTsctl(args: string[], input?: string) {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin/tsctl"), ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  if (input !== undefined) child.stdin.write(input);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    output: () => stdout,
    async stop() {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGTERM");
      return exited;
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("make-mirror copies a prefix, then follows puts and deletes", opts, async () => {
  await ctl(src!, "put", "mm/a", "1");
  await ctl(src!, "put", "mm/b", "2");
  const mirror = startTsctl([
    "--endpoints",
    src!.endpoint,
    "make-mirror",
    "--prefix=mm/",
    "--dest-prefix=copy/",
    dst!.endpoint,
  ]);
  try {
    const keys = async () =>
      (await ctl(dst!, "get", "copy/", "--prefix", "--keys-only")).stdout
        .split("\n")
        .filter(Boolean);
    await until(async () => (await keys()).length === 2);
    await ctl(src!, "put", "mm/c", "3");
    await ctl(src!, "del", "mm/a");
    await until(async () => (await keys()).join(",") === "copy/b,copy/c");
    assert.equal((await ctl(dst!, "get", "copy/c", "--print-value-only")).stdout, "3\n");
  } finally {
    await mirror.stop();
  }
});

test("check perf passes on an idle member (shortened run) and cleans up", opts, async () => {
  const r = await runCli("tsctl", [
    "--endpoints",
    src!.endpoint,
    "check",
    "perf",
    "--duration-seconds=2",
    "--auto-compact",
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^PASS: Throughput is \d+ writes\/s$/m);
  assert.match(r.stdout, /^Compacted with revision \d+$/m);
  assert.match(r.stdout, /^PASS$/m);
  const left = await ctl(src!, "get", "/etcdctl-check-perf/", "--prefix", "--keys-only");
  assert.equal(left.stdout, "");
});

test("watch -i: watch lines and progress requests", opts, async () => {
  const w = startTsctl(["--endpoints", src!.endpoint, "watch", "-i"], "watch wi/ --prefix\n");
  try {
    // The watch exists once a write shows up; keep writing until one does.
    await until(async () => {
      await ctl(src!, "put", "wi/x", "1");
      return w.output().includes("PUT\nwi/x\n1\n");
    });
    w.child.stdin.write("progress\n");
    await until(() => /progress notify: \d+/.test(w.output()));
    w.child.stdin.write("bogus\n");
  } finally {
    await w.stop();
  }
});

test("lock runs a command while holding the lock, with ETCD_LOCK_KEY set", opts, async () => {
  const r = await runCli("tsctl", [
    "--endpoints",
    src!.endpoint,
    "lock",
    "mylock",
    "sh",
    "--",
    "-c",
    "echo $ETCD_LOCK_KEY; etcdctl --endpoints " +
      src!.endpoint +
      " get mylock --prefix --keys-only",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const [key, held] = r.stdout.split("\n");
  assert.match(key!, /^mylock\/[0-9a-f]+$/);
  assert.equal(held, key, "the lock key exists while the command runs");
  assert.equal((await ctl(src!, "get", "mylock", "--prefix", "--keys-only")).stdout, "");
});
