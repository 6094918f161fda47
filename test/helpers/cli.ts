// Runs `tsctl` (node bin/tsctl from the repo root; needs `npm run build` first) or the real
// /usr/bin/etcdctl, capturing stdout, stderr and the exit code.
import { spawn } from "node:child_process";
import path from "node:path";
import { ETCDCTL_BIN } from "./etcd.js";
import { REPO_ROOT } from "./root.js";

export { REPO_ROOT };

export interface RunCliOptions {
  /** Merged over process.env; a value of undefined removes the variable. */
  env?: Record<string, string | undefined>;
  input?: string;
  /** Kill (SIGKILL) after this long; default 30 s. The result then has code -1. */
  timeoutMs?: number;
  cwd?: string;
}

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
  /** Set when the process was ended by a signal (including our timeout). */
  signal?: NodeJS.Signals;
}

export function runCli(
  bin: "tsctl" | "etcdctl",
  args: string[],
  opts: RunCliOptions = {},
): Promise<CliResult> {
  const [file, argv] =
    bin === "tsctl"
      ? [process.execPath, [path.join(REPO_ROOT, "bin/tsctl"), ...args]]
      : [ETCDCTL_BIN, args];
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Tests control the API version and endpoints explicitly; never inherit them.
  for (const k of Object.keys(env)) if (k.startsWith("ETCDCTL_")) delete env[k];
  delete env.NODE_OPTIONS;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { env, cwd: opts.cwd ?? REPO_ROOT, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (c: string) => (stdout += c));
    child.stderr.on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) child.kill("SIGKILL");
    }, opts.timeoutMs ?? 30_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result: CliResult = { stdout, stderr, code: code ?? -1 };
      if (signal !== null) result.signal = signal;
      resolve(result);
    });
    child.stdin.on("error", () => {
      /* the program may exit without reading its input */
    });
    child.stdin.end(opts.input ?? "");
  });
}
