// `tsctl watch [key [range_end]] [-- cmd args...]` and `watch -i`: streams events as etcdctl
// prints them, optionally running a command per event with ETCD_WATCH_* set.
import { Command, Option } from "commander";
import type { WatchCreateRequest, WatchResponse } from "../../src/proto/index.js";
import { goQuote } from "../../src/printer/text.js";
import { CommandError, ExitCode } from "../errors.js";
import type { CommandContext } from "./context.js";
import { run } from "./context.js";
import { intFlag } from "./flags.js";
import { keyRange } from "./keys.js";
import { rawArgs } from "./raw-args.js";

interface WatchFlags {
  interactive?: boolean;
  prefix?: boolean;
  prevKv?: boolean;
  rev?: string;
  progressNotify?: boolean;
}

const ERR_ARGS = "bad number of arguments";
const ERR_ENV = "bad number of arguments (found conflicting environment key)";
const ERR_SEP = "bad number of arguments (found separator --, but no commands)";

function addWatchFlags(c: Command): Command {
  return (
    c
      .argument("[args...]")
      .option("-i, --interactive", "Interactive mode")
      .option("--prefix", "Watch on a prefix if prefix is set")
      .option("--prev-kv", "get the previous key-value pair before the event happens")
      // Not an etcdctl 3.4 flag (3.5 has it): accepted, left out of the help.
      .addOption(
        new Option(
          "--progress-notify",
          "get periodic watch progress notification from server",
        ).hideHelp(),
      )
      .option("--rev <revision>", "Revision to start watching")
  );
}

interface WatchSpec {
  create: WatchCreateRequest;
  exec: string[];
}

function createRequest(watchArgs: string[], flags: WatchFlags, cmd?: Command): WatchCreateRequest {
  if (watchArgs.length < 1) throw new CommandError(ExitCode.BadArgs, ERR_ARGS);
  const prefix = flags.prefix === true;
  if (watchArgs.length === 2 && prefix)
    throw new CommandError(ExitCode.BadArgs, "`range_end` and `--prefix` are mutually exclusive");
  const range = keyRange(watchArgs[0]!, watchArgs[1], prefix, false);
  return {
    ...range,
    startRevision: intFlag("rev", flags.rev, cmd),
    progressNotify: flags.progressNotify === true,
    filters: [],
    prevKv: flags.prevKv === true,
    watchId: 0n,
    fragment: false,
  };
}

function envRanges(): string[] {
  const key = process.env.ETCDCTL_WATCH_KEY ?? "";
  const end = process.env.ETCDCTL_WATCH_RANGE_END ?? "";
  return key === "" ? [] : end === "" ? [key] : [key, end];
}

/** Splits positional args into the watched range and the command after `--`. */
function splitExec(args: string[], afterWatch: readonly string[]): WatchSpec["exec"] | null {
  const sep = afterWatch.indexOf("--");
  if (sep < 0) return null;
  if (sep === afterWatch.length - 1) throw new CommandError(ExitCode.BadArgs, ERR_SEP);
  void args;
  return afterWatch.slice(sep + 1);
}

function cancelText(r: WatchResponse): string {
  if (r.compactRevision !== 0n) return "etcdserver: mvcc: required revision has been compacted";
  return r.cancelReason;
}

function isProgressNotify(r: WatchResponse): boolean {
  return (
    r.events.length === 0 &&
    !r.canceled &&
    !r.created &&
    r.compactRevision === 0n &&
    (r.header?.revision ?? 0n) !== 0n
  );
}

async function runExec(exec: string[], r: WatchResponse): Promise<void> {
  const { spawn } = await import("node:child_process");
  for (const ev of r.events) {
    const env = {
      ...process.env,
      ETCD_WATCH_REVISION: String(r.header?.revision ?? 0n),
      ETCD_WATCH_EVENT_TYPE: goQuote(ev.type === 1 ? "DELETE" : "PUT"),
      ETCD_WATCH_KEY: goQuote(ev.kv?.key ?? Buffer.alloc(0)),
      ETCD_WATCH_VALUE: goQuote(ev.kv?.value ?? Buffer.alloc(0)),
    };
    const err = await new Promise<string | null>((resolve) => {
      const child = spawn(exec[0]!, exec.slice(1), { env, stdio: "inherit" });
      child.on("error", (e) => resolve(e.message));
      child.on("exit", (code, signal) =>
        resolve(code === 0 ? null : signal !== null ? `signal: ${signal}` : `exit status ${code}`),
      );
    });
    if (err !== null) {
      process.stderr.write(`command [${exec.map((a) => goQuote(a)).join(" ")}] error (${err})\n`);
      process.exit(1);
    }
  }
}

/**
 * One watch stream carrying every watcher of this process. `canceled` settles when the server
 * cancels a watcher (or the stream fails); the non-interactive command then exits.
 */
async function openStream(ctx: CommandContext) {
  const client = await ctx.client();
  const stream = await client.watchStream();
  const execs = new Map<bigint, string[]>();
  const pending: string[][] = [];
  const handle = async (r: WatchResponse): Promise<boolean> => {
    if (r.created) {
      execs.set(r.watchId, pending.shift() ?? []);
      if (!r.canceled) return false;
    }
    if (r.canceled) process.stderr.write(`watch was canceled (${cancelText(r)})\n`);
    if (isProgressNotify(r)) {
      // etcd's client hands a stream-wide progress notice to every watcher on the stream.
      for (let i = 0; i < Math.max(1, execs.size); i++)
        process.stdout.write(`progress notify: ${r.header?.revision ?? 0n}\n`);
    }
    ctx.printer.watch(r);
    const exec = execs.get(r.watchId) ?? [];
    if (exec.length > 0) await runExec(exec, r);
    return r.canceled;
  };
  const canceled = (async () => {
    // Handled one at a time, so exec commands run in event order.
    for await (const r of stream) if (await handle(r)) return;
  })();
  return {
    watch(create: WatchCreateRequest, exec: string[]) {
      pending.push(exec);
      stream.create(create);
    },
    progress() {
      stream.progress();
    },
    canceled,
    close() {
      stream.close();
    },
  };
}

async function interactive(ctx: CommandContext): Promise<void> {
  const { LineReader, argify } = await import("./lines.js");
  const lines = new LineReader();
  const stream = await openStream(ctx);
  stream.canceled.catch(() => undefined);
  for (;;) {
    const raw = await lines.next();
    if (raw === null)
      throw new CommandError(ExitCode.InvalidInput, "Error reading watch request line: EOF");
    const args = argify(raw);
    if (args.length < 1) {
      process.stderr.write(`Invalid command: ${raw} (watch and progress supported)\n`);
      continue;
    }
    if (args[0] === "progress") {
      stream.progress();
      continue;
    }
    if (args[0] !== "watch") {
      process.stderr.write(`Invalid command ${raw} (only support watch)\n`);
      continue;
    }
    const env = envRanges();
    if (args.length < 2 && env.length === 0) {
      process.stderr.write(`Invalid command ${raw} (command type or key is not provided)\n`);
      continue;
    }
    const words = args.slice(1);
    const sep = words.indexOf("--");
    if (sep === words.length - 1) throw new CommandError(ExitCode.BadArgs, ERR_SEP);
    const exec = sep >= 0 ? words.slice(sep + 1) : [];
    let parsed: { args: string[]; flags: WatchFlags } | undefined;
    const line = addWatchFlags(new Command("watch"))
      .exitOverride()
      .configureOutput({ writeErr: () => undefined, outputError: () => undefined })
      .action((a: string[], f: WatchFlags) => {
        parsed = { args: a, flags: f };
      });
    try {
      await line.parseAsync(sep >= 0 ? words.slice(0, sep) : words, { from: "user" });
    } catch (err) {
      throw new CommandError(ExitCode.BadArgs, (err as Error).message.replace(/^error: /, ""));
    }
    if (parsed === undefined) continue;
    if (sep < 0 && parsed.args.length > 0 && env.length > 0)
      throw new CommandError(ExitCode.BadArgs, ERR_ENV);
    try {
      stream.watch(createRequest([...env, ...parsed.args], parsed.flags), exec);
    } catch (err) {
      process.stderr.write(`Invalid command ${raw} (${(err as Error).message})\n`);
    }
  }
}

export function registerWatch(program: Command): void {
  addWatchFlags(
    program
      .command("watch")
      .description("Watches events stream on keys or prefixes")
      .usage("[options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]"),
  ).action((args: string[], flags: WatchFlags, cmd: Command) =>
    run(cmd, async (ctx) => {
      const envKey = process.env.ETCDCTL_WATCH_KEY ?? "";
      const envRange = process.env.ETCDCTL_WATCH_RANGE_END ?? "";
      if (envKey === "" && envRange !== "")
        throw new CommandError(
          ExitCode.BadArgs,
          `ETCDCTL_WATCH_KEY is empty but got ETCDCTL_WATCH_RANGE_END=${goQuote(envRange)}`,
        );
      if (flags.interactive) return interactive(ctx);
      const raw = rawArgs();
      const afterWatch = raw.slice(raw.indexOf("watch") + 1);
      const exec = splitExec(args, afterWatch);
      const env = envRanges();
      if (exec === null && afterWatch.length < 1 && env.length === 0)
        throw new CommandError(ExitCode.BadArgs, ERR_ARGS);
      const positional = exec === null ? args : args.slice(0, args.length - exec.length);
      if (env.length > 0 && positional.length > 0)
        throw new CommandError(ExitCode.BadArgs, ERR_ENV);
      const create = createRequest([...env, ...positional], flags, cmd);
      const stream = await openStream(ctx);
      stream.watch(create, exec ?? []);
      try {
        await stream.canceled;
      } finally {
        stream.close();
      }
      throw new CommandError(ExitCode.Interrupted, "watch is canceled by the server");
    }),
  );
}
