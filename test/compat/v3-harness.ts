// Table-driven side-by-side runner for the etcdctl v3 compat suites: every row runs through
// the real etcdctl and through `node bin/tsctl` against the same server, each on its own key
// prefix, and must give the same stdout (after masking what legitimately differs), the same
// `Error: ...` lines on stderr and the same exit code. The server comes from a factory so the
// same rows can later run against `tsctl server` (TSCTL_COMPAT_SERVER=tsctl).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePorts, runCli, startRealEtcd, REPO_ROOT } from "../helpers/index.js";
import type { CliResult, RunCliOptions } from "../helpers/index.js";

export interface CompatServer {
  endpoint: string;
  clientUrl: string;
  stop(): Promise<void>;
}

export interface ServerFactory {
  name: string;
  start(): Promise<CompatServer>;
}

export const realEtcdFactory: ServerFactory = {
  name: "etcd 3.4",
  start: () => startRealEtcd(),
};

/** `tsctl server` with etcd's flags (for when the server exists). */
export const tsctlServerFactory: ServerFactory = {
  name: "tsctl server",
  async start() {
    const [clientPort, peerPort] = await freePorts(2);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tsctl-compat-"));
    const clientUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, "bin/tsctl"),
        "server",
        "--name=default",
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
      ],
      { stdio: "ignore" },
    );
    const endpoint = `127.0.0.1:${clientPort}`;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const r = await runCli("etcdctl", [
        "--endpoints",
        endpoint,
        "--command-timeout=1s",
        "endpoint",
        "health",
      ]);
      if (r.code === 0) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    return {
      endpoint,
      clientUrl,
      async stop() {
        if (child.pid !== undefined && child.exitCode === null) {
          const exited = new Promise((res) => child.once("exit", res));
          process.kill(child.pid, "SIGTERM");
          await exited;
        }
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

/**
 * TSCTL_COMPAT_BIN=<path to a tsctl launcher> runs that build instead of bin/tsctl (useful
 * when others rebuild dist/ in a shared work tree while the suite runs).
 */
function runTool(tool: Tool, args: string[], opts: RunCliOptions): Promise<CliResult> {
  const bin = process.env.TSCTL_COMPAT_BIN;
  if (tool === "etcdctl" || bin === undefined) return runCli(tool, args, opts);
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith("ETCDCTL_")) delete env[k];
    delete env.NODE_OPTIONS;
    Object.assign(env, opts.env ?? {});
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code: code ?? -1, ...(signal !== null ? { signal } : {}) });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}

export function serverFactory(): ServerFactory {
  return process.env.TSCTL_COMPAT_SERVER === "tsctl" ? tsctlServerFactory : realEtcdFactory;
}

export type Tool = "etcdctl" | "tsctl";

/** Per-tool state a row sees: its key prefix, endpoint, and values captured by earlier rows. */
export interface RowContext {
  tool: Tool;
  /** Three bytes, so base64 of keys differs only in their first four characters. */
  p: string;
  endpoint: string;
  vars: Record<string, string>;
  /** Tool-specific texts (ids, revisions) replaced by a label before comparing. */
  masks: Record<string, string>;
  tmp: string;
}

export interface Row {
  name: string;
  args: (c: RowContext) => string[];
  input?: string | ((c: RowContext) => string);
  /** Global flags are added unless false (rows testing endpoints give their own). */
  withEndpoint?: boolean;
  /** Compare stdout (default true; false for cobra usage text after flag errors). */
  stdout?: boolean;
  /** Extra masking of stdout and of the `Error:` lines, after the standard one. */
  mask?: (s: string, c: RowContext) => string;
  /** Runs after etcdctl's run and before tsctl's, to give tsctl the same starting state. */
  between?: (c: RowContext) => Promise<void>;
  /** Runs while the command runs (e.g. writes a watch should see), after `delayMs`. */
  during?: (c: RowContext) => Promise<void>;
  delayMs?: number;
  /** Store values from this tool's result for later rows. */
  capture?: (r: CliResult, c: RowContext) => void;
  /** Checks on both results beyond equality (e.g. the expected text itself). */
  expect?: (r: CliResult) => void;
  env?: Record<string, string> | ((c: RowContext) => Record<string, string>);
  timeoutMs?: number;
  /** Why the row compares only against a real etcd server (skipped against tsctl server). */
  etcdServerOnly?: string;
}

const PREFIX: Record<Tool, string> = { etcdctl: "ea/", tsctl: "ta/" };

function b64(s: string): string {
  return Buffer.from(s).toString("base64");
}

function hexEsc(s: string): string {
  return [...Buffer.from(s)].map((b) => "\\x" + b.toString(16).padStart(2, "0")).join("");
}

/** Replaces the tool's prefix (plain, base64, hex) and revision-like numbers. */
export function standardMask(text: string, tool: Tool): string {
  const p = PREFIX[tool];
  let s = text.split(p).join("P//");
  s = s.split(hexEsc(p)).join("<hexP>");
  s = s.split('"' + b64(p)).join('"<b64P>');
  s = s.replace(
    /"(revision|create_revision|mod_revision|compact_revision|Revision|CreateRevision|ModRevision|PrevCreateRevision|PrevModRevision|CompactRevision)"( ?: ?)-?\d+/g,
    '"$1"$2<REV>',
  );
  return s;
}

function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("Error: "));
}

export async function runRow(row: Row, c: RowContext): Promise<CliResult> {
  const args = [...(row.withEndpoint === false ? [] : ["--endpoints", c.endpoint]), ...row.args(c)];
  const input = typeof row.input === "function" ? row.input(c) : row.input;
  const result = runTool(c.tool, args, {
    input,
    env: typeof row.env === "function" ? row.env(c) : row.env,
    timeoutMs: row.timeoutMs ?? 30_000,
  });
  if (row.during !== undefined) {
    await new Promise((r) => setTimeout(r, row.delayMs ?? 700));
    await row.during(c);
  }
  return result;
}

/** Runs the real etcdctl against the suite's server (setup steps inside rows). */
export async function etcdctl(c: RowContext, ...args: string[]): Promise<CliResult> {
  const r = await runCli("etcdctl", ["--endpoints", c.endpoint, ...args]);
  assert.equal(r.code, 0, `etcdctl ${args.join(" ")}: ${r.stderr}`);
  return r;
}

/** Registers one node:test per row, run in order against one server for the whole file. */
export function compatSuite(title: string, rows: Row[]): void {
  let server: CompatServer | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tsctl-compat-rows-"));
  const ctx: Record<Tool, RowContext> = {
    etcdctl: {
      tool: "etcdctl",
      p: PREFIX.etcdctl,
      endpoint: "",
      vars: {},
      masks: {},
      tmp: path.join(tmp, "e"),
    },
    tsctl: {
      tool: "tsctl",
      p: PREFIX.tsctl,
      endpoint: "",
      vars: {},
      masks: {},
      tmp: path.join(tmp, "t"),
    },
  };
  fs.mkdirSync(ctx.etcdctl.tmp);
  fs.mkdirSync(ctx.tsctl.tmp);
  before(async () => {
    server = await serverFactory().start();
    ctx.etcdctl.endpoint = server.endpoint;
    ctx.tsctl.endpoint = server.endpoint;
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const againstTsctl = process.env.TSCTL_COMPAT_SERVER === "tsctl";
  for (const row of rows) {
    const skip = againstTsctl && row.etcdServerOnly !== undefined ? row.etcdServerOnly : false;
    test(`${title}: ${row.name}`, { skip }, async () => {
      const want = await runRow(row, ctx.etcdctl);
      row.capture?.(want, ctx.etcdctl);
      await row.between?.(ctx.etcdctl);
      const got = await runRow(row, ctx.tsctl);
      row.capture?.(got, ctx.tsctl);
      const detail = `\netcdctl: ${JSON.stringify(want)}\ntsctl:   ${JSON.stringify(got)}`;
      assert.equal(got.code, want.code, `exit code${detail}`);
      const normalize = (text: string, c: RowContext) => {
        let out = standardMask(text, c.tool).split(c.tmp).join("<tmp>");
        // Usage text names the program.
        if (c.tool === "etcdctl") out = out.replace(/^\tetcdctl /gm, "\ttsctl ");
        // Longest first, so an id is not half-replaced by a shorter one it contains.
        const masks = Object.entries(c.masks).sort((x, y) => y[0].length - x[0].length);
        for (const [t, label] of masks) out = out.split(t).join(label);
        return row.mask ? row.mask(out, c) : out;
      };
      const errs = (r: CliResult, c: RowContext) =>
        errorLines(r.stderr).map((l) => normalize(l, c));
      assert.deepEqual(errs(got, ctx.tsctl), errs(want, ctx.etcdctl), `stderr errors${detail}`);
      if (row.stdout !== false) {
        const mask = (r: CliResult, c: RowContext) => normalize(r.stdout, c);
        assert.equal(mask(got, ctx.tsctl), mask(want, ctx.etcdctl), `stdout${detail}`);
      }
      row.expect?.(want);
      row.expect?.(got);
    });
  }
}
