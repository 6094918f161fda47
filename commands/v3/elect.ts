// `tsctl elect <name> [proposal]` / `elect -l <name>`: campaigns for leadership (etcd's
// client-side election recipe) and holds it until a signal, or observes the leader.
import type { Command } from "commander";
import { CommandError, ExitCode } from "../errors.js";
import type { CommandContext } from "./context.js";
import { run } from "./context.js";
import { enqueueAndWait, firstCreated, Session, untilSignal } from "./session.js";

async function observe(ctx: CommandContext, name: string): Promise<void> {
  const client = await ctx.client();
  const signalled = untilSignal();
  let stop = false;
  void signalled.then(() => (stop = true));
  const prefix = `${name}/`;
  let shown: string | undefined;
  while (!stop) {
    const resp = await firstCreated(client, prefix);
    const leader = resp.kvs[0];
    const id =
      leader === undefined ? undefined : `${leader.key.toString("hex")}@${leader.modRevision}`;
    if (leader !== undefined && id !== shown) {
      ctx.printer.get({ ...resp, kvs: [leader] });
      shown = id;
    }
    // Wake on any change under the prefix, or on the signal.
    const stream = await client.watch({
      key: Buffer.from(prefix),
      rangeEnd: (await import("../../src/printer/text.js")).prefixRangeEnd(Buffer.from(prefix)),
      startRevision: (resp.header?.revision ?? 0n) + 1n,
    });
    const it = stream[Symbol.asyncIterator]();
    await Promise.race([it.next(), signalled]);
    stream.close();
  }
}

async function campaign(ctx: CommandContext, name: string, proposal: string): Promise<void> {
  const client = await ctx.client();
  const session = await Session.create(client, 60);
  const signalled = untilSignal();
  try {
    const won = await enqueueAndWait(session, `${name}/`, Buffer.from(proposal));
    // Re-campaigning with a new value under the same lease updates the proposal.
    await client.kv.put({ key: won.key, value: Buffer.from(proposal), lease: session.leaseId });
    ctx.printer.get(await client.kv.range({ key: won.key }));
    const lost = session.done.then(() => "lost" as const);
    const why = await Promise.race([signalled.then(() => "signal" as const), lost]);
    if (why === "lost") throw new CommandError(ExitCode.Error, "elect: session expired");
    await client.kv.deleteRange({ key: won.key });
  } finally {
    await session.close();
  }
}

export function registerElect(program: Command): void {
  program
    .command("elect")
    .description("Observes and participates in leader election")
    .usage("<election-name> [proposal]")
    .argument("[args...]")
    .option("-l, --listen", "observation mode")
    .action((args: string[], flags: { listen?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length !== 1 && args.length !== 2)
          throw new CommandError(
            ExitCode.BadArgs,
            "elect takes one election name argument and an optional proposal argument",
          );
        if (args.length === 1) {
          if (flags.listen !== true)
            throw new CommandError(ExitCode.BadArgs, "no proposal argument but -l not set");
          await observe(ctx, args[0]!);
        } else {
          if (flags.listen === true)
            throw new CommandError(ExitCode.BadArgs, "proposal given but -l is set");
          await campaign(ctx, args[0]!, args[1]!);
        }
      }),
    );
}
