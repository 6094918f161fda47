// `tsctl role add|delete|get|list|grant-permission|revoke-permission`: roles and their key
// permissions (single key, range, --prefix or --from-key).
import type { Command } from "commander";
import { prefixRangeEnd } from "../../src/printer/text.js";
import { CommandError, ExitCode } from "../errors.js";
import { run } from "./context.js";

interface PermFlags {
  prefix?: boolean;
  fromKey?: boolean;
}

const PERM_TYPES: Record<string, number> = { READ: 0, WRITE: 1, READWRITE: 2 };

function badArgs(message: string): CommandError {
  return new CommandError(ExitCode.BadArgs, message);
}

/** (key, range_end) of a permission as etcdctl derives them from args and flags. */
export function permRange(args: string[], flags: PermFlags): [string, string] {
  const prefix = flags.prefix === true;
  const fromKey = flags.fromKey === true;
  const key = args[0]!;
  if (key.length === 0) {
    if (prefix && fromKey) throw badArgs("--from-key and --prefix flags are mutually exclusive");
    return ["\x00", prefix || fromKey ? "\x00" : ""];
  }
  if (args.length === 1) {
    if (prefix) {
      if (fromKey) throw badArgs("--from-key and --prefix flags are mutually exclusive");
      return [key, prefixRangeEnd(Buffer.from(key)).toString("latin1")];
    }
    return [key, fromKey ? "\x00" : ""];
  }
  if (prefix) throw badArgs("unexpected endkey argument with --prefix flag");
  if (fromKey) throw badArgs("unexpected endkey argument with --from-key flag");
  return [key, args[1]!];
}

/** Range ends computed from a prefix are bytes; other strings are UTF-8 text. */
function keyBytes(s: string, computed: boolean): Buffer {
  return Buffer.from(s, computed ? "latin1" : "utf8");
}

function addPermFlags(c: Command, verb: string): Command {
  return c
    .option(
      "--from-key",
      `${verb} a permission of keys that are greater than or equal to the given key using byte compare`,
    )
    .option("--prefix", `${verb} a prefix permission`);
}

function needs(args: string[], count: number, message: string): void {
  if (args.length !== count) throw badArgs(message);
}

export function registerRole(program: Command): void {
  const role = program.command("role").description("Role related commands");

  for (const [name, description, verb] of [
    ["add", "Adds a new role", "add"],
    ["delete", "Deletes a role", "delete"],
    ["get", "Gets detailed information of a role", "get"],
  ] as const) {
    role
      .command(name)
      .description(description)
      .usage("<role name>")
      .argument("[args...]")
      .action((args: string[], _f: object, cmd: Command) =>
        run(cmd, async (ctx) => {
          needs(args, 1, `role ${verb} command requires role name as its argument`);
          const r = args[0]!;
          const client = await ctx.client();
          if (name === "add")
            ctx.printer.roleAdd(r, await client.auth.roleAdd({ name: r }, { timeoutMs: 0 }));
          else if (name === "delete")
            ctx.printer.roleDelete(r, await client.auth.roleDelete({ role: r }, { timeoutMs: 0 }));
          else ctx.printer.roleGet(r, await client.auth.roleGet({ role: r }, { timeoutMs: 0 }));
        }),
      );
  }

  role
    .command("list")
    .description("Lists all roles")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        needs(args, 0, "role list command requires no arguments");
        const client = await ctx.client();
        ctx.printer.roleList(await client.auth.roleList({ timeoutMs: 0 }));
      }),
    );

  addPermFlags(
    role
      .command("grant-permission")
      .description("Grants a key to a role")
      .usage("[options] <role name> <permission type> <key> [endkey]")
      .argument("[args...]"),
    "grant",
  ).action((args: string[], flags: PermFlags, cmd: Command) =>
    run(cmd, async (ctx) => {
      if (args.length < 3)
        throw badArgs(
          "role grant command requires role name, permission type, and key [endkey] as its argument",
        );
      const permType = PERM_TYPES[args[1]!.toUpperCase()];
      if (permType === undefined) throw badArgs(`invalid permission type: ${args[1]}`);
      const [key, end] = permRange(args.slice(2), flags);
      const computed = flags.prefix === true && args.length === 3;
      const client = await ctx.client();
      const resp = await client.auth.roleGrantPermission(
        {
          name: args[0]!,
          perm: { permType, key: keyBytes(key, false), rangeEnd: keyBytes(end, computed) },
        },
        { timeoutMs: 0 },
      );
      ctx.printer.roleGrantPermission(args[0]!, resp);
    }),
  );

  addPermFlags(
    role
      .command("revoke-permission")
      .description("Revokes a key from a role")
      .usage("[options] <role name> <key> [endkey]")
      .argument("[args...]"),
    "revoke",
  ).action((args: string[], flags: PermFlags, cmd: Command) =>
    run(cmd, async (ctx) => {
      if (args.length < 2)
        throw badArgs(
          "role revoke-permission command requires role name and key [endkey] as its argument",
        );
      const [key, end] = permRange(args.slice(1), flags);
      const computed = flags.prefix === true && args.length === 2;
      const client = await ctx.client();
      const resp = await client.auth.roleRevokePermission(
        { role: args[0]!, key: keyBytes(key, false), rangeEnd: keyBytes(end, computed) },
        { timeoutMs: 0 },
      );
      ctx.printer.roleRevokePermission(args[0]!, args[1]!, end, resp);
    }),
  );
}
