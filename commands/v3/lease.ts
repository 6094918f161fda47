// `tsctl lease grant|revoke|timetolive|list|keep-alive`: lease management with etcdctl's
// texts (hex ids) and exit codes.
import type { Command } from "commander";
import { CommandError, ExitCode } from "../errors.js";
import type { CommandContext } from "./context.js";
import { failWith, run } from "./context.js";
import { parseGoInt } from "./flags.js";

/** A lease id argument in hex, as etcdctl's leaseFromArgs parses it. */
export function leaseFromArg(arg: string): bigint {
  try {
    return parseGoInt(arg, 16);
  } catch (err) {
    throw new CommandError(
      ExitCode.BadArgs,
      `bad lease ID arg (${(err as Error).message}), expecting ID in Hex`,
    );
  }
}

async function keepAlive(ctx: CommandContext, id: bigint, once: boolean): Promise<void> {
  const client = await ctx.client();
  if (once) {
    const r = await client.lease.keepAliveOnce(id).catch(failWith(ExitCode.BadConnection));
    if (r.TTL <= 0n)
      throw new CommandError(ExitCode.BadConnection, "etcdserver: requested lease not found");
    ctx.printer.keepAlive(r);
    return;
  }
  try {
    for await (const r of client.lease.keepAlive(id)) {
      if (r.TTL <= 0n) break;
      ctx.printer.keepAlive(r);
    }
  } catch (err) {
    failWith(ExitCode.BadConnection)(err);
  }
  if (ctx.globals.writeOut === "simple") {
    const { hex016 } = await import("../../src/printer/text.js");
    process.stdout.write(`lease ${hex016(id)} expired or revoked.\n`);
  }
}

export function registerLease(program: Command): void {
  const lease = program.command("lease").description("Lease related commands");

  lease
    .command("grant")
    .description("Creates leases")
    .usage("<ttl>")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length !== 1)
          throw new CommandError(ExitCode.BadArgs, "lease grant command needs TTL argument");
        let ttl: bigint;
        try {
          ttl = parseGoInt(args[0]!, 10);
        } catch (err) {
          throw new CommandError(ExitCode.BadArgs, `bad TTL (${(err as Error).message})`);
        }
        const client = await ctx.client();
        const resp = await client.lease
          .grant({ TTL: ttl })
          .catch(failWith(ExitCode.Error, (t) => `failed to grant lease (${t})`));
        ctx.printer.grant(resp);
      }),
    );

  lease
    .command("revoke")
    .description("Revokes leases")
    .usage("<leaseID>")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length !== 1)
          throw new CommandError(ExitCode.BadArgs, "lease revoke command needs 1 argument");
        const id = leaseFromArg(args[0]!);
        const client = await ctx.client();
        const resp = await client.lease
          .revoke({ ID: id })
          .catch(failWith(ExitCode.Error, (t) => `failed to revoke lease (${t})`));
        ctx.printer.revoke(id, resp);
      }),
    );

  lease
    .command("timetolive")
    .description("Get lease information")
    .usage("<leaseID> [options]")
    .argument("[args...]")
    .option("--keys", "Get keys attached to this lease")
    .action((args: string[], flags: { keys?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length !== 1)
          throw new CommandError(
            ExitCode.BadArgs,
            "lease timetolive command needs lease ID as argument",
          );
        const id = leaseFromArg(args[0]!);
        const client = await ctx.client();
        const keys = flags.keys === true;
        const resp = await client.lease
          .timeToLive({ ID: id, keys }, { timeoutMs: 0 })
          .catch(failWith(ExitCode.BadConnection));
        ctx.printer.timeToLive(resp, keys);
      }),
    );

  lease
    .command("list")
    .description("List all active leases")
    .argument("[args...]")
    .action((_args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        const client = await ctx.client();
        const resp = await client.lease
          .leases({ timeoutMs: 0 })
          .catch(failWith(ExitCode.BadConnection));
        ctx.printer.leases(resp);
      }),
    );

  lease
    .command("keep-alive")
    .description("Keeps leases alive (renew)")
    .usage("[options] <leaseID>")
    .argument("[args...]")
    .option("--once", "Resets the keep-alive time to its original value and exits immediately")
    .action((args: string[], flags: { once?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length !== 1)
          throw new CommandError(
            ExitCode.BadArgs,
            "lease keep-alive command needs lease ID as argument",
          );
        await keepAlive(ctx, leaseFromArg(args[0]!), flags.once === true);
      }),
    );
}
