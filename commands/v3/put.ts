// `tsctl put <key> [value]`: writes a key (value from stdin when omitted), optionally with a
// lease, returning the previous pair or keeping the current value/lease.
import type { Command } from "commander";
import type { PutResponse } from "../../src/proto/index.js";
import { CommandError, ExitCode } from "../errors.js";
import { run } from "./context.js";
import { parseGoInt } from "./flags.js";

interface PutFlags {
  lease: string;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

export function registerPut(program: Command): void {
  program
    .command("put")
    .description("Puts the given key into the store")
    .usage("[options] <key> <value> (<value> can also be given from stdin)")
    .argument("[args...]")
    .option("--ignore-lease", "updates the key using its current lease")
    .option("--ignore-value", "updates the key using its current value")
    .option("--lease <id>", "lease ID (in hexadecimal) to attach to the key", "0")
    .option("--prev-kv", "return the previous key-value pair before modification")
    .action((args: string[], flags: PutFlags, cmd: Command) =>
      run(cmd, async (ctx) => {
        const usage = "put command needs 1 argument and input from stdin or 2 arguments";
        if (args.length === 0) throw new CommandError(ExitCode.BadArgs, usage);
        if (flags.ignoreValue && args.length > 1)
          throw new CommandError(
            ExitCode.BadArgs,
            "put command needs only 1 argument when 'ignore-value' is set",
          );
        let value: Buffer = Buffer.alloc(0);
        if (!flags.ignoreValue) {
          if (args.length > 1) value = Buffer.from(args[1]!);
          else {
            const { readStdin } = await import("./prompt.js");
            value = await readStdin();
            if (value.length === 0) throw new CommandError(ExitCode.BadArgs, usage);
          }
        }
        let lease: bigint;
        try {
          lease = parseGoInt(flags.lease, 16);
        } catch (err) {
          throw new CommandError(
            ExitCode.BadArgs,
            `bad lease ID (${(err as Error).message}), expecting ID in Hex`,
          );
        }
        const conn = await ctx.conn();
        const resp = await conn.call<PutResponse>((md, opts, cb) =>
          conn.kv.put(
            {
              key: Buffer.from(args[0]!),
              value,
              lease,
              prevKv: flags.prevKv === true,
              ignoreValue: flags.ignoreValue === true,
              ignoreLease: flags.ignoreLease === true,
            },
            md,
            opts,
            cb,
          ),
        );
        ctx.printer.put(resp);
      }),
    );
}
