// `tsctl del <key> [range_end]`: deletes a key or range, optionally returning the old pairs.
import type { Command } from "commander";
import type { DeleteRangeRequest } from "../../src/proto/index.js";
import { CommandError, ExitCode } from "../errors.js";
import { run } from "./context.js";
import { keyRange } from "./keys.js";

export interface DelFlags {
  prefix?: boolean;
  fromKey?: boolean;
  prevKv?: boolean;
}

export function addDelFlags(c: Command): Command {
  return c
    .argument("[args...]")
    .option(
      "--from-key",
      "delete keys that are greater than or equal to the given key using byte compare",
    )
    .option("--prefix", "delete keys with matching prefix")
    .option("--prev-kv", "return deleted key-value pairs");
}

/** The DeleteRangeRequest for del's arguments and flags, with etcdctl's validation errors. */
export function delRequest(args: string[], flags: DelFlags): DeleteRangeRequest {
  if (args.length === 0 || args.length > 2)
    throw new CommandError(
      ExitCode.BadArgs,
      "del command needs one argument as key and an optional argument as range_end",
    );
  const prefix = flags.prefix === true;
  const fromKey = flags.fromKey === true;
  if (prefix && fromKey)
    throw new CommandError(
      ExitCode.BadArgs,
      "`--prefix` and `--from-key` cannot be set at the same time, choose one",
    );
  if (args.length > 1 && (prefix || fromKey))
    throw new CommandError(
      ExitCode.BadArgs,
      "too many arguments, only accept one argument when `--prefix` or `--from-key` is set",
    );
  return { ...keyRange(args[0]!, args[1], prefix, fromKey), prevKv: flags.prevKv === true };
}

export function registerDel(program: Command): void {
  addDelFlags(
    program
      .command("del")
      .description("Removes the specified key or range of keys [key, range_end)")
      .usage("[options] <key> [range_end]"),
  ).action((args: string[], flags: DelFlags, cmd: Command) => {
    // Loaded alongside the printer rather than after it.
    const fastKv = import("./fast-kv.js");
    return run(cmd, async (ctx) => {
      const req = delRequest(args, flags);
      const { kvCall, encodeDeleteRange, decodeDeleteRange } = await fastKv;
      const resp = await kvCall(
        ctx,
        "DeleteRange",
        encodeDeleteRange(req),
        decodeDeleteRange,
        (c) => c.kv.deleteRange(req),
      );
      ctx.printer.del(resp);
    });
  });
}
