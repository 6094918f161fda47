// `tsctl del <key> [range_end]`: deletes a key or range, optionally returning the old pairs.
import type { Command } from "commander";
import { run } from "./context.js";
import { delRequest } from "./kv-requests.js";
import type { DelFlags } from "./kv-requests.js";

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
