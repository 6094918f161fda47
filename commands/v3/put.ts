// `tsctl put <key> [value]`: writes a key (value from stdin when omitted), optionally with a
// lease, returning the previous pair or keeping the current value/lease.
import type { Command } from "commander";
import { run } from "./context.js";
import { putRequest } from "./kv-requests.js";
import type { PutFlags } from "./kv-requests.js";

export function addPutFlags(c: Command): Command {
  return c
    .argument("[args...]")
    .option("--ignore-lease", "updates the key using its current lease")
    .option("--ignore-value", "updates the key using its current value")
    .option("--lease <id>", "lease ID (in hexadecimal) to attach to the key", "0")
    .option("--prev-kv", "return the previous key-value pair before modification");
}

export function registerPut(program: Command): void {
  addPutFlags(
    program
      .command("put")
      .description("Puts the given key into the store")
      .usage("[options] <key> <value> (<value> can also be given from stdin)"),
  ).action((args: string[], flags: PutFlags, cmd: Command) => {
    // Loaded alongside the printer rather than after it.
    const fastKv = import("./fast-kv.js");
    return run(cmd, async (ctx) => {
      let stdinValue: Buffer | undefined;
      if (args.length === 1 && !flags.ignoreValue) {
        const { readStdin } = await import("./prompt.js");
        stdinValue = await readStdin();
      }
      const req = putRequest(args, flags, stdinValue);
      const { kvCall, encodePut, decodePut } = await fastKv;
      const resp = await kvCall(ctx, "Put", encodePut(req), decodePut, (c) => c.kv.put(req));
      ctx.printer.put(resp);
    });
  });
}
