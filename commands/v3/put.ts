// `tsctl put <key> [value]`: writes a key (value from stdin when omitted), optionally with a
// lease, returning the previous pair or keeping the current value/lease.
import type { Command } from "commander";
import type { PutRequest } from "../../src/proto/index.js";
import { CommandError, ExitCode } from "../errors.js";
import { run } from "./context.js";
import { parseGoInt } from "./flags.js";

export interface PutFlags {
  lease: string;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

const USAGE = "put command needs 1 argument and input from stdin or 2 arguments";

export function addPutFlags(c: Command): Command {
  return c
    .argument("[args...]")
    .option("--ignore-lease", "updates the key using its current lease")
    .option("--ignore-value", "updates the key using its current value")
    .option("--lease <id>", "lease ID (in hexadecimal) to attach to the key", "0")
    .option("--prev-kv", "return the previous key-value pair before modification");
}

/**
 * The PutRequest for put's arguments and flags. `stdinValue` supplies the value when only
 * the key is given (undefined: none available).
 */
export function putRequest(args: string[], flags: PutFlags, stdinValue?: Buffer): PutRequest {
  if (args.length === 0) throw new CommandError(ExitCode.BadArgs, USAGE);
  if (flags.ignoreValue && args.length > 1)
    throw new CommandError(
      ExitCode.BadArgs,
      "put command needs only 1 argument when 'ignore-value' is set",
    );
  let value: Buffer = Buffer.alloc(0);
  if (!flags.ignoreValue) {
    if (args.length > 1) value = Buffer.from(args[1]!);
    else if (stdinValue !== undefined && stdinValue.length > 0) value = stdinValue;
    else throw new CommandError(ExitCode.BadArgs, USAGE);
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
  return {
    key: Buffer.from(args[0]!),
    value,
    lease,
    prevKv: flags.prevKv === true,
    ignoreValue: flags.ignoreValue === true,
    ignoreLease: flags.ignoreLease === true,
  };
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
