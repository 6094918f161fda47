// `tsctl get <key> [range_end]`: reads a key or range, with etcdctl's sort, limit, revision,
// consistency and prefix/from-key options.
import type { Command } from "commander";
import { run } from "./context.js";
import { getRequest } from "./kv-requests.js";
import type { GetFlags } from "./kv-requests.js";

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
