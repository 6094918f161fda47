// `tsctl compaction <revision> [--physical]`: compacts the key-value history up to a revision.
import type { Command } from "commander";
import { CommandError, ExitCode } from "../errors.js";
import { run } from "./context.js";
import { parseGoInt } from "./flags.js";

export function registerCompaction(program: Command): void {
  program
    .command("compaction")
    .description("Compacts the event history in etcd")
    .usage("[options] <revision>")
    .argument("[args...]")
    .option("--physical", "'true' to wait for compaction to physically remove all old revisions")
    .action((args: string[], flags: { physical?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length !== 1)
          throw new CommandError(ExitCode.BadArgs, "compaction command needs 1 argument");
        let revision: bigint;
        try {
          revision = parseGoInt(args[0]!, 10);
        } catch (err) {
          throw new CommandError(ExitCode.Error, (err as Error).message);
        }
        const client = await ctx.client();
        await client.kv.compact({ revision, physical: flags.physical === true });
        process.stdout.write(`compacted revision ${revision}\n`);
      }),
    );
}
