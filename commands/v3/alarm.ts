// `tsctl alarm list|disarm`: the cluster's alarms (e.g. NOSPACE), listed or cleared.
import type { Command } from "commander";
import { CommandError, ExitCode } from "../errors.js";
import { run } from "./context.js";

const GET = 0;
const DEACTIVATE = 2;

export function registerAlarm(program: Command): void {
  const alarm = program.command("alarm").description("Alarm related commands");
  for (const [name, action, description] of [
    ["disarm", DEACTIVATE, "Disarms all alarms"],
    ["list", GET, "Lists all alarms"],
  ] as const) {
    alarm
      .command(name)
      .description(description)
      .argument("[args...]")
      .action((args: string[], _f: object, cmd: Command) =>
        run(cmd, async (ctx) => {
          if (args.length !== 0)
            throw new CommandError(ExitCode.BadArgs, `alarm ${name} command accepts no arguments`);
          const client = await ctx.client();
          ctx.printer.alarm(await client.maintenance.alarm({ action, memberID: 0n, alarm: 0 }));
        }),
      );
  }
}
