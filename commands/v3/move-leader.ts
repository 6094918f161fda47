// `tsctl move-leader <hex id>`: asks the current leader (found among --endpoints) to hand
// leadership to the given member.
import type { Command } from "commander";
import { CommandError, ExitCode } from "../errors.js";
import { run } from "./context.js";
import { parseGoInt } from "./flags.js";

export function registerMoveLeader(program: Command): void {
  program
    .command("move-leader")
    .description("Transfers leadership to another etcd cluster member.")
    .usage("<transferee-member-id>")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length !== 1)
          throw new CommandError(ExitCode.BadArgs, "move-leader command needs 1 argument");
        let target: bigint;
        try {
          target = parseGoInt(args[0]!, 16, "ParseUint");
        } catch (err) {
          throw new CommandError(ExitCode.BadArgs, (err as Error).message);
        }
        const client = await ctx.client();
        for (const ep of ctx.globals.endpoints) {
          const member = client.forEndpoint(ep);
          const status = await member.maintenance.status();
          if (status.header !== undefined && status.header.memberId === status.leader) {
            const resp = await member.maintenance.moveLeader({ targetID: target });
            ctx.printer.moveLeader(status.leader, target, resp);
            return;
          }
        }
        throw new CommandError(
          ExitCode.BadArgs,
          `no leader endpoint given at [${ctx.globals.endpoints.join(" ")}]`,
        );
      }),
    );
}
