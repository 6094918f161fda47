// `tsctl user add|delete|get|list|passwd|grant-role|revoke-role`: user management, passwords
// from the flag, `name:password`, stdin (--interactive=false) or a confirmed prompt.
import { Option } from "commander";
import type { Command } from "commander";
import { CommandError, ExitCode } from "../errors.js";
import { run } from "./context.js";

async function passwordFromStdin(): Promise<string> {
  const { readStdin } = await import("./prompt.js");
  return (await readStdin()).toString().trim().split(/\s+/)[0] ?? "";
}

async function askPassword(name: string): Promise<string> {
  const { promptPassword } = await import("./prompt.js");
  const first = await promptPassword(`Password of ${name}: `);
  if (first === "") throw new CommandError(ExitCode.BadArgs, "empty password");
  const second = await promptPassword(`Type password of ${name} again for confirmation: `);
  if (first !== second) throw new CommandError(ExitCode.BadArgs, "given passwords are different");
  return first;
}

/** pflag's `--interactive` defaults to true; `--interactive=false` arrives as --no-interactive. */
function interactiveOptions(c: Command, description: string): Command {
  return c
    .addOption(new Option("--interactive", description))
    .addOption(new Option("--no-interactive").hideHelp());
}

function needs(args: string[], count: number, message: string): void {
  if (args.length !== count) throw new CommandError(ExitCode.BadArgs, message);
}

interface AddFlags {
  interactive?: boolean;
  newUserPassword?: string;
  noPassword?: boolean;
}

export function registerUser(program: Command): void {
  const user = program.command("user").description("User related commands");

  interactiveOptions(
    user
      .command("add")
      .description("Adds a new user")
      .usage("<user name or user:password> [options]")
      .argument("[args...]")
      .option("--new-user-password <password>", "Supply password from the command line flag")
      .option("--no-password", "Create a user without password (CN based auth only)"),
    "Read password from stdin instead of interactive terminal",
  ).action((args: string[], flags: AddFlags, cmd: Command) =>
    run(cmd, async (ctx) => {
      needs(args, 1, "user add command requires user name as its argument");
      // commander turns --no-password into password=false.
      const noPassword = (flags as { password?: boolean }).password === false;
      let name = args[0]!;
      let password = "";
      if (!noPassword) {
        if (flags.newUserPassword !== undefined && flags.newUserPassword !== "") {
          password = flags.newUserPassword;
        } else {
          const i = name.indexOf(":");
          if (i < 0) {
            password =
              flags.interactive === false ? await passwordFromStdin() : await askPassword(name);
          } else {
            password = name.slice(i + 1);
            name = name.slice(0, i);
            if (name === "")
              throw new CommandError(ExitCode.BadArgs, "empty user name is not allowed");
          }
        }
      }
      const client = await ctx.client();
      const resp = await client.auth.userAdd(
        { name, password, options: { noPassword } },
        { timeoutMs: 0 },
      );
      ctx.printer.userAdd(name, resp);
    }),
  );

  user
    .command("delete")
    .description("Deletes a user")
    .usage("<user name>")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        needs(args, 1, "user delete command requires user name as its argument");
        const client = await ctx.client();
        const resp = await client.auth.userDelete({ name: args[0]! }, { timeoutMs: 0 });
        ctx.printer.userDelete(args[0]!, resp);
      }),
    );

  user
    .command("get")
    .description("Gets detailed information of a user")
    .usage("<user name> [options]")
    .argument("[args...]")
    .option("--detail", "Show permissions of roles granted to the user")
    .action((args: string[], flags: { detail?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        needs(args, 1, "user get command requires user name as its argument");
        const name = args[0]!;
        const client = await ctx.client();
        const resp = await client.auth.userGet({ name }, { timeoutMs: 0 });
        if (flags.detail !== true) {
          ctx.printer.userGet(name, resp);
          return;
        }
        process.stdout.write(`User: ${name}\n`);
        for (const role of resp.roles) {
          process.stdout.write("\n");
          ctx.printer.roleGet(role, await client.auth.roleGet({ role }, { timeoutMs: 0 }));
        }
      }),
    );

  user
    .command("list")
    .description("Lists all users")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        needs(args, 0, "user list command requires no arguments");
        const client = await ctx.client();
        ctx.printer.userList(await client.auth.userList({ timeoutMs: 0 }));
      }),
    );

  interactiveOptions(
    user
      .command("passwd")
      .description("Changes password of user")
      .usage("<user name> [options]")
      .argument("[args...]"),
    "If true, read password from stdin instead of interactive terminal",
  ).action((args: string[], flags: { interactive?: boolean }, cmd: Command) =>
    run(cmd, async (ctx) => {
      needs(args, 1, "user passwd command requires user name as its argument");
      const password =
        flags.interactive === false ? await passwordFromStdin() : await askPassword(args[0]!);
      const client = await ctx.client();
      ctx.printer.userChangePassword(
        await client.auth.userChangePassword({ name: args[0]!, password }, { timeoutMs: 0 }),
      );
    }),
  );

  user
    .command("grant-role")
    .description("Grants a role to a user")
    .usage("<user name> <role name>")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        needs(args, 2, "user grant command requires user name and role name as its argument");
        const client = await ctx.client();
        const resp = await client.auth.userGrantRole(
          { user: args[0]!, role: args[1]! },
          { timeoutMs: 0 },
        );
        ctx.printer.userGrantRole(args[0]!, args[1]!, resp);
      }),
    );

  user
    .command("revoke-role")
    .description("Revokes a role from a user")
    .usage("<user name> <role name>")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        needs(args, 2, "user revoke-role requires user name and role name as its argument");
        const client = await ctx.client();
        const resp = await client.auth.userRevokeRole(
          { name: args[0]!, role: args[1]! },
          { timeoutMs: 0 },
        );
        ctx.printer.userRevokeRole(args[0]!, args[1]!, resp);
      }),
    );
}
