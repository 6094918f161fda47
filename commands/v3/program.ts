// The v3 command tree (ETCDCTL_API=3, the default): the root command with etcdctl's global
// flags, every subcommand registered from its own module, and cobra/pflag-compatible error
// handling (texts and exit codes) around commander.
import { Command, CommanderError } from "commander";
import type { Option } from "commander";
import { CommandError, endQuietlyOnClosedStdout, ExitCode } from "../errors.js";
import { addGlobalOptions } from "./globals.js";
import { FlagError } from "./flags.js";
import { setRawArgs } from "./raw-args.js";
import { usageText } from "./usage.js";

const NAME = "tsctl";

type Register = (program: Command) => void;

/**
 * Each top-level command's module, loaded on demand: a run of one command registers only
 * that one (help, completion and unknown words load them all).
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  alarm: async () => (await import("./alarm.js")).registerAlarm,
  auth: async () => (await import("./auth.js")).registerAuth,
  check: async () => (await import("./check.js")).registerCheck,
  compaction: async () => (await import("./compaction.js")).registerCompaction,
  completion: async () => (await import("../completion.js")).registerCompletion,
  defrag: async () => (await import("./defrag.js")).registerDefrag,
  del: async () => (await import("./del.js")).registerDel,
  elect: async () => (await import("./elect.js")).registerElect,
  endpoint: async () => (await import("./endpoint.js")).registerEndpoint,
  get: async () => (await import("./get.js")).registerGet,
  lease: async () => (await import("./lease.js")).registerLease,
  lock: async () => (await import("./lock.js")).registerLock,
  "make-mirror": async () => (await import("./make-mirror.js")).registerMakeMirror,
  member: async () => (await import("./member.js")).registerMember,
  migrate: async () => (await import("./migrate.js")).registerMigrate,
  "move-leader": async () => (await import("./move-leader.js")).registerMoveLeader,
  put: async () => (await import("./put.js")).registerPut,
  role: async () => (await import("./role.js")).registerRole,
  snapshot: async () => (await import("./snapshot.js")).registerSnapshot,
  txn: async () => (await import("./txn.js")).registerTxn,
  user: async () => (await import("./user.js")).registerUser,
  version: async () => (await import("./version.js")).registerVersion,
  watch: async () => (await import("./watch.js")).registerWatch,
};

function rootProgram(): Command {
  const program = new Command(NAME);
  program
    .description("A simple command line client for etcd3.")
    .helpOption("-h, --help", `help for ${NAME}`)
    .showSuggestionAfterError(false)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  addGlobalOptions(program);
  return program;
}

/**
 * The v3 program. With `only` naming a top-level command, just that command is registered
 * (enough to parse and run it); otherwise the whole tree.
 */
export async function buildV3Program(only?: string): Promise<Command> {
  const program = rootProgram();
  const names =
    only !== undefined && only !== "completion" && Object.hasOwn(COMMANDS, only)
      ? [only]
      : Object.keys(COMMANDS);
  for (const register of await Promise.all(names.map((n) => COMMANDS[n]!()))) register(program);
  // Help and usage in etcdctl's layout, for the root and every subcommand.
  for (const c of [program, ...allCommands(program)]) {
    c.configureHelp({ formatHelp: (cmd) => usageText(cmd) });
  }
  for (const sub of allCommands(program)) {
    sub.exitOverride().configureOutput({ outputError: () => undefined });
  }
  return program;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

function isSwitch(o: Option): boolean {
  return !o.required && !o.optional && !o.negate;
}

/**
 * pflag accepts `--switch=true|false` for boolean flags; commander does not. Rewrites them to
 * `--switch`, `--no-switch` (when declared) or nothing, before commander sees them.
 */
export function normalizeBoolFlags(program: Command, args: string[]): string[] {
  const switches = new Set<string>();
  const negatable = new Set<string>();
  // Only the named command and its parents: `--prefix` is a switch for get but takes a value
  // for check perf.
  const chain: Command[] = [];
  for (let c: Command | null = commandFor(program, args); c !== null; c = c.parent) chain.push(c);
  for (const c of chain) {
    for (const o of c.options as readonly Option[]) {
      if (o.long === undefined) continue;
      if (isSwitch(o)) switches.add(o.long);
      if (o.negate) negatable.add(o.long.replace(/^--no-/, "--"));
    }
  }
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      out.push(...args.slice(i));
      break;
    }
    const m = /^(--[^=]+)=(.*)$/.exec(a);
    if (m !== null && switches.has(m[1]!)) {
      const v = m[2]!.toLowerCase();
      if (["1", "t", "true"].includes(v)) out.push(m[1]!);
      else if (["0", "f", "false"].includes(v)) {
        if (negatable.has(m[1]!)) out.push(m[1]!.replace(/^--/, "--no-"));
      } else {
        throw new FlagError(
          `invalid argument "${m[2]}" for "${m[1]}" flag: strconv.ParseBool: parsing "${m[2]}": invalid syntax`,
        );
      }
      continue;
    }
    out.push(a);
  }
  return out;
}

function flagErrorText(err: CommanderError): string {
  const unknown = /unknown option '([^']*)'/.exec(err.message);
  if (unknown !== null) {
    const flag = unknown[1]!;
    return flag.startsWith("--")
      ? `unknown flag: ${flag}`
      : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`;
  }
  const missing = /option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(err.message);
  if (missing !== null) return `flag needs an argument: ${missing[1]}`;
  return err.message.replace(/^error: /, "");
}

/** The deepest command named by the words of args (skipping flags and their values). */
function commandFor(program: Command, args: string[]): Command;
/** With `firstWord`: the first word that is not a flag or a flag's value. */
function commandFor(program: Command, args: string[], firstWord: true): string | undefined;
function commandFor(
  program: Command,
  args: string[],
  firstWord = false,
): Command | string | undefined {
  let cmd = program;
  const takesValue = (flag: string): boolean => {
    for (let c: Command | null = cmd; c !== null; c = c.parent) {
      const o = (c.options as readonly Option[]).find((x) => x.long === flag || x.short === flag);
      if (o !== undefined) return o.required || o.optional;
    }
    return false;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") break;
    if (a.startsWith("-")) {
      if (!a.includes("=") && takesValue(a)) i++;
      continue;
    }
    if (firstWord) return a;
    const next = cmd.commands.find((c) => c.name() === a);
    if (next === undefined) break;
    cmd = next;
  }
  return firstWord ? undefined : cmd;
}

function failWithUsage(cmd: Command, message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  process.stdout.write(cmd.helpInformation());
  throw new CommandError(ExitCode.Error, message);
}

export async function runV3(args: string[]): Promise<void> {
  setRawArgs(args);
  const first = commandFor(rootProgram(), args, true);
  endQuietlyOnClosedStdout();
  const program = await buildV3Program(first);
  if (args.length === 0) {
    process.stdout.write(program.helpInformation());
    return;
  }
  try {
    await program.parseAsync(normalizeBoolFlags(program, args), { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0 || err.code === "commander.helpDisplayed") return;
      if (err.code === "commander.unknownCommand") {
        const name = /unknown command '([^']*)'/.exec(err.message)?.[1] ?? "";
        process.stderr.write(
          `Error: unknown command "${name}" for "${NAME}"\nRun '${NAME} --help' for usage.\n`,
        );
        throw new CommandError(ExitCode.Error, `unknown command "${name}" for "${NAME}"`);
      }
      // The root's usage lists every command: build the whole tree for it.
      const target = commandFor(program, args);
      failWithUsage(target === program ? await buildV3Program() : target, flagErrorText(err));
    }
    if (err instanceof FlagError)
      failWithUsage(err.command ?? commandFor(program, args), err.message);
    if (err instanceof Error && err.name === "UnsupportedFormatError") {
      throw new CommandError(ExitCode.BadFeature, err.message);
    }
    if (err instanceof Error && err.name === "MissingHeaderError") {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    // Server and transport failures: etcdctl prints the text unchanged and exits 1.
    if (err instanceof Error && err.name === "EtcdClientError") {
      throw new CommandError(ExitCode.Error, err.message);
    }
    throw err;
  }
}
