// `tsctl lease grant|revoke|timetolive|list|keep-alive`: lease management with etcdctl's
// texts (hex ids) and exit codes.
import type { Command } from "commander";
import type {
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveResponse,
} from "../../src/proto/index.js";
import { CommandError, ExitCode } from "../errors.js";
import type { CommandContext } from "./context.js";
import { run } from "./context.js";
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
  const { toCommandError } = await import("./conn.js");
  const conn = await ctx.conn();
  const stream = conn.lease.leaseKeepAlive(conn.metadata());
  const responses: LeaseKeepAliveResponse[] = [];
  let wake: (() => void) | undefined;
  let failure: unknown;
  stream.on("data", (r: LeaseKeepAliveResponse) => {
    responses.push(r);
    wake?.();
  });
  stream.on("error", (err) => {
    failure = err;
    wake?.();
  });
  const next = async (): Promise<LeaseKeepAliveResponse> => {
    while (responses.length === 0) {
      if (failure !== undefined) throw toCommandError(failure, ExitCode.BadConnection);
      await new Promise<void>((resolve) => (wake = resolve));
    }
    return responses.shift()!;
  };
  try {
    for (;;) {
      stream.write({ ID: id });
      const r = await next();
      if (r.TTL <= 0n) {
        if (once)
          throw new CommandError(ExitCode.BadConnection, "etcdserver: requested lease not found");
        break;
      }
      ctx.printer.keepAlive(r);
      if (once) return;
      // Renew at a third of the TTL, as etcd's client does.
      await new Promise((resolve) => setTimeout(resolve, (Number(r.TTL) * 1000) / 3));
    }
    if (ctx.globals.writeOut === "simple") {
      const { hex016 } = await import("../../src/printer/text.js");
      process.stdout.write(`lease ${hex016(id)} expired or revoked.\n`);
    }
  } finally {
    stream.cancel();
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
        const { errorText } = await import("./conn.js");
        const conn = await ctx.conn();
        const resp = await conn
          .rawCall<LeaseGrantResponse>((md, opts, cb) =>
            conn.lease.leaseGrant({ TTL: ttl, ID: 0n }, md, opts, cb),
          )
          .catch((err: unknown) => {
            throw new CommandError(ExitCode.Error, `failed to grant lease (${errorText(err)})`);
          });
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
        const { errorText } = await import("./conn.js");
        const conn = await ctx.conn();
        const resp = await conn
          .rawCall<LeaseRevokeResponse>((md, opts, cb) =>
            conn.lease.leaseRevoke({ ID: id }, md, opts, cb),
          )
          .catch((err: unknown) => {
            throw new CommandError(ExitCode.Error, `failed to revoke lease (${errorText(err)})`);
          });
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
        const { toCommandError } = await import("./conn.js");
        const conn = await ctx.conn();
        const keys = flags.keys === true;
        const resp = await conn
          .rawCall<LeaseTimeToLiveResponse>(
            (md, opts, cb) => conn.lease.leaseTimeToLive({ ID: id, keys }, md, opts, cb),
            0,
          )
          .catch((err: unknown) => {
            throw toCommandError(err, ExitCode.BadConnection);
          });
        ctx.printer.timeToLive(resp, keys);
      }),
    );

  lease
    .command("list")
    .description("List all active leases")
    .argument("[args...]")
    .action((_args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        const { toCommandError } = await import("./conn.js");
        const conn = await ctx.conn();
        const resp = await conn
          .rawCall<LeaseLeasesResponse>(
            (md, opts, cb) => conn.lease.leaseLeases({}, md, opts, cb),
            0,
          )
          .catch((err: unknown) => {
            throw toCommandError(err, ExitCode.BadConnection);
          });
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
