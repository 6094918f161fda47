// `tsctl auth enable|disable`. Enabling creates the root role and grants it to the root user
// when etcd asks for it, as etcdctl does.
import type { Command } from "commander";
import { CommandError, ExitCode } from "../errors.js";
import { errorText, run } from "./context.js";

const ROOT_ROLE_MISSING = "etcdserver: root user does not have root role";

export function registerAuth(program: Command): void {
  const auth = program.command("auth").description("Enable or disable authentication");

  auth
    .command("enable")
    .description("Enables authentication")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length !== 0)
          throw new CommandError(
            ExitCode.BadArgs,
            "auth enable command does not accept any arguments",
          );
        const client = await ctx.client();
        for (;;) {
          try {
            await client.auth.authEnable();
            break;
          } catch (err) {
            if (errorText(err) !== ROOT_ROLE_MISSING) throw err;
            await client.auth.roleAdd({ name: "root" });
            await client.auth.userGrantRole({ user: "root", role: "root" });
          }
        }
        process.stdout.write("Authentication Enabled\n");
      }),
    );

  auth
    .command("disable")
    .description("Disables authentication")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length !== 0)
          throw new CommandError(
            ExitCode.BadArgs,
            "auth disable command does not accept any arguments",
          );
        const client = await ctx.client();
        await client.auth.authDisable();
        process.stdout.write("Authentication Disabled\n");
      }),
    );
}
