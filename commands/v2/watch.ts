// etcdctl v2's watch (print each change; one, or all with -f) and exec-watch (run a command per
// change with ETCD_WATCH_* in its environment). Both long-poll /v2/keys?wait=true with no deadline.
import { spawn } from "node:child_process";
import type { CommandDef, Context } from "./cli-kit.js";
import { fbool, fnum, handleError, outputFormat, V2Exit, exit } from "./context.js";
import { mustKeysApi } from "./keys-api.js";
import type { KeysResponse } from "./format.js";
import { printResponse } from "./format.js";

function exitOnInterrupt(): void {
  process.on("SIGINT", () => exit(0));
}

async function next(poll: () => Promise<KeysResponse>): Promise<KeysResponse> {
  try {
    return await poll();
  } catch (err) {
    handleError(V2Exit.ServerError, err);
  }
}

async function watchAction(ctx: Context): Promise<void> {
  const key = ctx.args[0];
  if (key === undefined) handleError(V2Exit.BadArgs, new Error("key required"));
  const recursive = fbool(ctx, "recursive");
  const forever = fbool(ctx, "forever");
  const api = await mustKeysApi(ctx);
  const poll = api.watcher(key, { afterIndex: fnum(ctx, "after-index"), recursive });
  exitOnInterrupt();
  for (;;) {
    const r = await next(poll);
    if (r.node.dir) continue;
    if (recursive) process.stdout.write(`[${r.action}] ${r.node.key ?? ""}\n`);
    printResponse(r, outputFormat(ctx));
    if (!forever) break;
  }
  exit(0);
}

async function execWatchAction(ctx: Context): Promise<void> {
  const args = ctx.args;
  if (args.length < 2) handleError(V2Exit.BadArgs, new Error("key and command to exec required"));
  const sep = args.findIndex((a, i) => a === "--" && i !== 0);
  const key = sep >= 0 ? (args[0] ?? "") : (args[args.length - 1] ?? "");
  const cmd = sep >= 0 ? args.slice(2) : args.slice(0, -1);
  const api = await mustKeysApi(ctx);
  exitOnInterrupt();
  const poll = api.watcher(key, {
    afterIndex: fnum(ctx, "after-index"),
    recursive: fbool(ctx, "recursive"),
  });
  for (;;) {
    const r = await next(poll);
    if (r.node.dir) {
      process.stderr.write(`Ignored dir ${r.node.key ?? ""} change\n`);
      continue;
    }
    const [file, ...rest] = cmd;
    const child = spawn(file ?? "", rest, {
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...process.env,
        ETCD_WATCH_ACTION: r.action,
        ETCD_WATCH_MODIFIED_INDEX: String(r.node.modifiedIndex ?? 0),
        ETCD_WATCH_KEY: r.node.key ?? "",
        ETCD_WATCH_VALUE: r.node.value ?? "",
      },
    });
    child.on("error", (err) => {
      process.stderr.write(goExecError(file ?? "", err));
      exit(1);
    });
  }
}

/** Go's exec error text for a command that cannot start (no trailing newline, as etcdctl). */
function goExecError(file: string, err: NodeJS.ErrnoException): string {
  if (err.code === "ENOENT") {
    return file.includes("/")
      ? `fork/exec ${file}: no such file or directory`
      : `exec: "${file}": executable file not found in $PATH`;
  }
  return err.message;
}

export const watchCommands: Record<string, CommandDef> = {
  watch: {
    name: "watch",
    usage: "watch a key for changes",
    argsUsage: "<key>",
    flags: [
      { names: ["forever", "f"], kind: "bool", usage: "forever watch a key until CTRL+C" },
      { names: ["after-index"], kind: "int", value: 0, usage: "watch after the given index" },
      {
        names: ["recursive", "r"],
        kind: "bool",
        usage: "returns all values for key and child keys",
      },
    ],
    action: watchAction,
  },
  "exec-watch": {
    name: "exec-watch",
    usage: "watch a key for changes and exec an executable",
    argsUsage: "<key> <command> [args...]",
    flags: [
      { names: ["after-index"], kind: "int", value: 0, usage: "watch after the given index" },
      { names: ["recursive", "r"], kind: "bool", usage: "watch all values for key and child keys" },
    ],
    action: execWatchAction,
  },
};
