// `tsctl server` configuration errors side by side with the real etcd 3.4: same stderr (once
// timestamps and callers are masked), same stdout, same exit code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ETCD = "/usr/bin/etcd";
const TSCTL = resolve("bin/tsctl");
const skip = !existsSync(ETCD)
  ? "real etcd not installed"
  : !existsSync(resolve("dist/cli.js"))
    ? "not built (npm run build)"
    : false;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const cleanEnv: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env };
    const child = spawn(cmd, args, { env: cleanEnv, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

function mask(text: string): string {
  return text
    .replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} /gm, "TS ")
    .replace(/"ts":"[^"]*"/g, '"ts":X')
    .replace(/"caller":"[^"]*"/g, '"caller":X')
    .replace(/,"stacktrace":"[^"]*"/g, "");
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

interface Case {
  args: string[];
  env?: Record<string, string>;
  /** Usage texts are in our own words: compare only the first stderr line. */
  firstLineOnly?: boolean;
  /** Compare only stderr lines matching this (etcd logs much more while starting). */
  linesMatching?: RegExp;
}

async function compare(c: Case): Promise<void> {
  const dirE = mkdtempSync(join(tmpdir(), "tsctl-e2e-etcd-"));
  const dirT = mkdtempSync(join(tmpdir(), "tsctl-e2e-tsctl-"));
  const [e, t] = await Promise.all([
    run(ETCD, c.args, c.env ?? {}, dirE),
    run(process.execPath, [TSCTL, "server", ...c.args], c.env ?? {}, dirT),
  ]);
  const pick = (s: string) => {
    let out = mask(s);
    if (c.firstLineOnly) out = out.split("\n")[0]!;
    if (c.linesMatching)
      out = out
        .split("\n")
        .filter((l) => c.linesMatching!.test(l))
        .join("\n");
    return out;
  };
  const label = c.args.join(" ");
  assert.equal(t.code, e.code, `exit code for: ${label}\n${t.stderr}`);
  assert.equal(pick(t.stderr), pick(e.stderr), `stderr for: ${label}`);
  assert.equal(t.stdout, e.stdout, `stdout for: ${label}`);
}

test("tsctl server rejects bad configurations exactly as etcd does", { skip }, async () => {
  const [peerPort, otherPort, clientPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const local = [
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--listen-client-urls=http://127.0.0.1:${clientPort}`,
    `--advertise-client-urls=http://127.0.0.1:${clientPort}`,
  ];
  const yamlDir = mkdtempSync(join(tmpdir(), "tsctl-e2e-yaml-"));
  const yaml = join(yamlDir, "bad.yml");
  writeFileSync(yaml, "name: x\ngrpc-keepalive-min-time: 5s\n");
  const cases: Case[] = [
    { args: ["extra-arg"] },
    { args: ["--bogus-flag"], firstLineOnly: true },
    { args: ["--initial-cluster-state=bad"], firstLineOnly: true },
    { args: ["--heartbeat-interval=abc"], firstLineOnly: true },
    { args: ["--logger=zap", "--election-timeout=100"] },
    { args: ["--logger=zap", "--election-timeout=60000"] },
    { args: ["--logger=zap", "--listen-client-urls=http://127.0.0.1:2379"] },
    { args: ["--logger=zap", "--listen-peer-urls=http://example.com:2380"] },
    {
      args: [
        "--logger=zap",
        "--initial-cluster=a=http://127.0.0.1:1",
        "--discovery-srv=example.com",
      ],
    },
    { args: ["--logger=capnslog", "--election-timeout=100"] },
    { args: ["--logger=zap", "--name=m3"], env: { ETCD_NAME: "m2", ETCD_FOO: "x" } },
    { args: ["--logger=zap"], env: { ETCD_HEARTBEAT_INTERVAL: "x" } },
    { args: ["--config-file", yaml] },
    {
      args: ["--logger=zap", ...local, `--initial-cluster=default=http://127.0.0.1:${otherPort}`],
      linesMatching: /failed to start etcd|discovery failed/,
    },
    {
      args: ["--logger=zap", ...local, `--initial-cluster=other=http://127.0.0.1:${peerPort}`],
      linesMatching: /failed to start etcd|discovery failed/,
    },
  ];
  for (const c of cases) await compare(c);
});

test("tsctl server starts from flags and stops with exit 0 on SIGTERM", { skip }, async () => {
  const [peerPort, clientPort] = await Promise.all([freePort(), freePort()]);
  const dir = mkdtempSync(join(tmpdir(), "tsctl-e2e-start-"));
  const child = spawn(
    process.execPath,
    [
      TSCTL,
      "server",
      "--name=s1",
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=s1=http://127.0.0.1:${peerPort}`,
      `--listen-client-urls=http://127.0.0.1:${clientPort}`,
      `--advertise-client-urls=http://127.0.0.1:${clientPort}`,
    ],
    {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  try {
    let version = "";
    for (let i = 0; i < 100 && version === ""; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${clientPort}/version`);
        version = await res.text();
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.match(
      version,
      /^\{"etcdserver":"3\.4\.23","etcdcluster":"(3\.4\.0|not_decided)"\}$/,
      stderr,
    );
    let health = "";
    for (let i = 0; i < 100 && health !== '{"health":"true"}'; i++) {
      health = await (await fetch(`http://127.0.0.1:${clientPort}/health`)).text();
      if (health !== '{"health":"true"}') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(health, '{"health":"true"}');
    assert.ok(existsSync(join(dir, "s1.etcd")), "data dir defaults to <name>.etcd");
    assert.match(stderr, /"msg":"'data-dir' was empty; using default","data-dir":"s1.etcd"/);
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await exited, 0, stderr);
});

test("tsctl server --version has etcd's line shapes", { skip }, async () => {
  const t = await run(process.execPath, [TSCTL, "server", "--version"], {}, tmpdir());
  assert.equal(t.code, 0);
  assert.match(
    t.stdout,
    /^etcd Version: 3\.4\.23\nGit SHA: .+\nGo Version: .+\nGo OS\/Arch: linux\/\w+\n$/,
  );
});
