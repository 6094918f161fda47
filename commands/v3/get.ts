// `tsctl get <key> [range_end]`: reads a key or range, with etcdctl's sort, limit, revision,
// consistency and prefix/from-key options.
import type { Command } from "commander";
import type { RangeRequest } from "../../src/proto/index.js";
import { CommandError, ExitCode } from "../errors.js";
import { run } from "./context.js";
import { intFlag } from "./flags.js";
import { keyRange } from "./keys.js";

export interface GetFlags {
  consistency: string;
  order: string;
  sortBy: string;
  limit?: string;
  rev?: string;
  prefix?: boolean;
  fromKey?: boolean;
  keysOnly?: boolean;
  printValueOnly?: boolean;
}

const SORT_ORDERS: Record<string, number> = { "": 0, ASCEND: 1, DESCEND: 2 };
const SORT_TARGETS: Record<string, number> = {
  "": 0,
  KEY: 0,
  VERSION: 1,
  CREATE: 2,
  MODIFY: 3,
  VALUE: 4,
};

/** Declares get's flags on `c` (the get command, or a get line inside txn). */
export function addGetFlags(c: Command): Command {
  return c
    .argument("[args...]")
    .option("--consistency <l|s>", "Linearizable(l) or Serializable(s)", "l")
    .option(
      "--from-key",
      "Get keys that are greater than or equal to the given key using byte compare",
    )
    .option("--keys-only", "Get only the keys")
    .option("--limit <n>", "Maximum number of results")
    .option("--order <order>", "Order of results; ASCEND or DESCEND (ASCEND by default)", "")
    .option("--prefix", "Get keys with matching prefix")
    .option("--print-value-only", 'Only write values when using the "simple" output format')
    .option("--rev <revision>", "Specify the kv revision")
    .option("--sort-by <target>", "Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION", "");
}

/** The RangeRequest for get's arguments and flags, with etcdctl's validation errors. */
export function getRequest(args: string[], flags: GetFlags, cmd?: Command): RangeRequest {
  const limit = intFlag("limit", flags.limit, cmd);
  const rev = intFlag("rev", flags.rev, cmd);
  if (args.length === 0)
    throw new CommandError(
      ExitCode.BadArgs,
      "get command needs one argument as key and an optional argument as range_end",
    );
  const prefix = flags.prefix === true;
  const fromKey = flags.fromKey === true;
  if (prefix && fromKey)
    throw new CommandError(
      ExitCode.BadArgs,
      "`--prefix` and `--from-key` cannot be set at the same time, choose one",
    );
  if (flags.consistency !== "l" && flags.consistency !== "s")
    throw new CommandError(
      ExitCode.BadFeature,
      `unknown consistency flag ${JSON.stringify(flags.consistency)}`,
    );
  if (args.length > 1 && (prefix || fromKey))
    throw new CommandError(
      ExitCode.BadArgs,
      "too many arguments, only accept one argument when `--prefix` or `--from-key` is set",
    );
  let sortOrder = SORT_ORDERS[flags.order.toUpperCase()];
  if (sortOrder === undefined)
    throw new CommandError(ExitCode.BadFeature, `bad sort order ${flags.order}`);
  const sortTarget = SORT_TARGETS[flags.sortBy.toUpperCase()];
  if (sortTarget === undefined)
    throw new CommandError(ExitCode.BadFeature, `bad sort target ${flags.sortBy}`);
  // Keys come back in ascending key order anyway: etcd's client drops that sort.
  if (sortTarget === 0 && sortOrder === 1) sortOrder = 0;
  return {
    ...keyRange(args[0]!, args[1], prefix, fromKey),
    limit,
    revision: rev > 0n ? rev : 0n,
    sortOrder,
    sortTarget,
    serializable: flags.consistency === "s",
    keysOnly: flags.keysOnly === true,
    countOnly: false,
    minModRevision: 0n,
    maxModRevision: 0n,
    minCreateRevision: 0n,
    maxCreateRevision: 0n,
  };
}

export function registerGet(program: Command): void {
  addGetFlags(
    program
      .command("get")
      .description("Gets the key or a range of keys")
      .usage("[options] <key> [range_end]"),
  ).action((args: string[], flags: GetFlags, cmd: Command) => {
    const req = getRequest(args, flags, cmd);
    // Loaded alongside the printer rather than after it.
    const fastKv = import("./fast-kv.js");
    return run(
      cmd,
      async (ctx) => {
        const { kvCall, encodeRange, decodeRange } = await fastKv;
        const resp = await kvCall(ctx, "Range", encodeRange(req), decodeRange, (c) =>
          c.kv.range(req),
        );
        ctx.printer.get(resp);
      },
      { valueOnly: flags.printValueOnly === true },
    );
  });
}
