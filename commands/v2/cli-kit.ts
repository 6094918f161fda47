// The command-line machinery etcdctl v2 is built on, reproduced for byte-identical behaviour:
// Go `flag` parsing (single or double dash, `-f=v`, stop at the first argument), flags moved in
// front of arguments inside a command, urfave/cli's help pages and its usage-error texts.
// Commander cannot produce those texts, so the v2 tree uses this small engine instead.

export type FlagKind = "bool" | "string" | "int" | "duration" | "stringSlice";
export type FlagValue = boolean | string | number | string[];

export interface FlagDef {
  /** Long name first, then aliases (`["quorum", "q"]`). */
  names: string[];
  kind: FlagKind;
  usage: string;
  /** Default; also shown as `(default: ...)` when non-empty. Durations in ms. */
  value?: string | number;
}

export interface Context {
  /** The command's own flags (defaults filled in). */
  flags: Record<string, FlagValue>;
  /** The global flags. */
  global: Record<string, FlagValue>;
  args: string[];
}

export interface CommandDef {
  name: string;
  aliases?: string[];
  usage: string;
  argsUsage?: string;
  description?: string;
  flags?: FlagDef[];
  subcommands?: CommandDef[];
  action?: (ctx: Context) => Promise<void>;
}

export interface AppDef {
  name: string;
  usage: string;
  version: string;
  flags: FlagDef[];
  commands: CommandDef[];
  printVersion: () => void;
}

/** A usage or flag error: the text goes to stderr, exit 1 (or `exitCode`). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const HELP_FLAG: FlagDef = { names: ["help", "h"], kind: "bool", usage: "show help" };
const VERSION_FLAG: FlagDef = { names: ["version", "v"], kind: "bool", usage: "print the version" };

const HELP_COMMAND: CommandDef = {
  name: "help",
  aliases: ["h"],
  usage: "Shows a list of commands or help for one command",
  argsUsage: "[command]",
};

// --- Go flag parsing --------------------------------------------------------------------------

const TRUE_TEXTS = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE_TEXTS = new Set(["0", "f", "F", "FALSE", "false", "False"]);

function findFlag(defs: FlagDef[], name: string): FlagDef | undefined {
  return defs.find((d) => d.names.includes(name));
}

/** Go's time.ParseDuration for the units etcdctl users write; returns milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  const scale: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  let body = text;
  let sign = 1;
  if (body.startsWith("-") || body.startsWith("+")) {
    sign = body.startsWith("-") ? -1 : 1;
    body = body.slice(1);
  }
  if (body === "") return undefined;
  let total = 0;
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const m = re.exec(body);
    if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
    total += Number(m[1]) * (scale[m[2]] ?? 0);
    pos = re.lastIndex;
  }
  return sign * total;
}

/** strconv.ParseInt(s, 0, 64) for the common forms. */
function parseGoInt(text: string): number | undefined {
  const t = text.replace(/_/g, "");
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9]\d*|0)$/.exec(t);
  if (m === null || m[2] === undefined) return undefined;
  let digits = m[2];
  let n: number;
  if (/^0[xX]/.test(digits)) n = parseInt(digits.slice(2), 16);
  else if (/^0[bB]/.test(digits)) n = parseInt(digits.slice(2), 2);
  else if (/^0[oO]?[0-7]/.test(digits) && digits.length > 1) {
    digits = digits.replace(/^0[oO]?/, "");
    n = parseInt(digits, 8);
  } else n = parseInt(digits, 10);
  return m[1] === "-" ? -n : n;
}

function defaultsOf(defs: FlagDef[]): Record<string, FlagValue> {
  const out: Record<string, FlagValue> = {};
  for (const d of defs) {
    const name = d.names[0] ?? "";
    switch (d.kind) {
      case "bool":
        out[name] = false;
        break;
      case "string":
        out[name] = typeof d.value === "string" ? d.value : "";
        break;
      case "int":
      case "duration":
        out[name] = typeof d.value === "number" ? d.value : 0;
        break;
      case "stringSlice":
        out[name] = [];
        break;
    }
  }
  return out;
}

/** Go's FlagSet.Parse: flags until the first non-flag argument or `--`. */
export function parseFlags(
  defs: FlagDef[],
  argv: string[],
): { flags: Record<string, FlagValue>; args: string[]; set: Set<string> } {
  const flags = defaultsOf(defs);
  const set = new Set<string>();
  let args = argv.slice();
  for (;;) {
    const s = args[0];
    if (s === undefined || s.length < 2 || s[0] !== "-") break;
    let minuses = 1;
    if (s[1] === "-") {
      minuses = 2;
      if (s.length === 2) {
        args = args.slice(1);
        break;
      }
    }
    let name = s.slice(minuses);
    if (name.length === 0 || name[0] === "-" || name[0] === "=") {
      throw new UsageError(`bad flag syntax: ${s}`);
    }
    args = args.slice(1);
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq >= 1) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const def = findFlag(defs, name);
    if (def === undefined) throw new UsageError(`flag provided but not defined: -${name}`);
    const key = def.names[0] ?? name;
    set.add(key);
    if (def.kind === "bool") {
      if (value === undefined) flags[key] = true;
      else if (TRUE_TEXTS.has(value)) flags[key] = true;
      else if (FALSE_TEXTS.has(value)) flags[key] = false;
      else throw new UsageError(`invalid boolean value "${value}" for -${name}: parse error`);
      continue;
    }
    if (value === undefined) {
      if (args.length === 0) throw new UsageError(`flag needs an argument: -${name}`);
      value = args[0] ?? "";
      args = args.slice(1);
    }
    const bad = (): UsageError =>
      new UsageError(`invalid value "${value ?? ""}" for flag -${name}: parse error`);
    switch (def.kind) {
      case "string":
        flags[key] = value;
        break;
      case "int": {
        const n = parseGoInt(value);
        if (n === undefined) throw bad();
        flags[key] = n;
        break;
      }
      case "duration": {
        const ms = parseGoDuration(value);
        if (ms === undefined) throw bad();
        flags[key] = ms;
        break;
      }
      case "stringSlice": {
        const prev = flags[key];
        flags[key] = [...(Array.isArray(prev) ? prev : []), value];
        break;
      }
    }
  }
  return { flags, args, set };
}

/** urfave/cli moves a command's own flags (and the word after each) in front of its arguments. */
export function reorderArgs(defs: FlagDef[], args: string[]): string[] {
  const isFlag = (arg: string): boolean => {
    if (arg === "-" || arg === "--" || !arg.startsWith("-")) return false;
    let a = arg.startsWith("--") ? arg.slice(2) : arg.slice(1);
    a = a.split("=")[0] ?? "";
    return findFlag(defs, a) !== undefined;
  };
  const reordered: string[] = [];
  let remaining: string[] = [];
  let mayBeValue = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (mayBeValue && !isFlag(arg)) {
      mayBeValue = false;
      reordered.push(arg);
    } else if (arg === "--") {
      remaining = ["--", ...remaining, ...args.slice(i + 1)];
      break;
    } else if (isFlag(arg)) {
      reordered.push(arg);
      mayBeValue = !arg.includes("=");
    } else {
      remaining.push(arg);
    }
  }
  return [...reordered, ...remaining];
}

// --- help pages ---------------------------------------------------------------------------------

/** Go's text/tabwriter (minwidth 1, padding 2, spaces): aligns tab-separated cells per block. */
export function tabwrite(text: string): string {
  const lines = text.split("\n");
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (!line.includes("\t")) {
      out.push(line);
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && (lines[j] ?? "").includes("\t")) j++;
    const block = lines.slice(i, j).map((l) => l.split("\t"));
    const width = Math.max(...block.map((cells) => (cells[0] ?? "").length)) + 2;
    for (const cells of block) out.push((cells[0] ?? "").padEnd(width) + cells.slice(1).join(""));
    i = j;
  }
  return out.join("\n");
}

function flagLine(d: FlagDef): string {
  let usage = d.usage;
  let placeholder = d.kind === "bool" ? "" : "value";
  const m = /`([^`]*)`/.exec(usage);
  if (m !== null && m[1] !== undefined && d.kind !== "bool") {
    placeholder = m[1];
    usage = usage.slice(0, m.index) + m[1] + usage.slice(m.index + m[0].length);
  }
  const names = d.names
    .map((n) => (n.length === 1 ? "-" : "--") + n + (placeholder ? ` ${placeholder}` : ""))
    .join(", ");
  let def = "";
  if (d.kind === "string" && typeof d.value === "string" && d.value !== "") {
    def = ` (default: "${d.value}")`;
  } else if (d.kind === "int") def = ` (default: ${typeof d.value === "number" ? d.value : 0})`;
  else if (d.kind === "duration") def = ` (default: ${goDurationText(Number(d.value ?? 0))})`;
  return `${names}\t${usage}${def}`;
}

function goDurationText(ms: number): string {
  if (ms === 0) return "0s";
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function commandLines(commands: CommandDef[]): string {
  return commands
    .map((c) => `   ${[c.name, ...(c.aliases ?? [])].join(", ")}\t${c.usage}`)
    .join("\n");
}

export function appHelp(app: AppDef): string {
  const flags = [...app.flags, HELP_FLAG, VERSION_FLAG];
  const text =
    `NAME:\n   ${app.name} - ${app.usage}\n\n` +
    `USAGE:\n   ${app.name} [global options] command [command options] [arguments...]\n\n` +
    `VERSION:\n   ${app.version}\n\n` +
    `COMMANDS:\n${commandLines([...app.commands, HELP_COMMAND])}\n\n` +
    `GLOBAL OPTIONS:\n${flags.map((f) => `   ${flagLine(f)}`).join("\n")}\n`;
  return tabwrite(text);
}

/** A leaf command's page (`etcdctl get --help`, `etcdctl help member`). */
export function commandHelp(helpName: string, c: CommandDef): string {
  const flags = c.flags ?? [];
  let text = `NAME:\n   ${helpName} - ${c.usage}\n\nUSAGE:\n   ${helpName}`;
  if (flags.length > 0) text += " [command options]";
  text += ` ${c.argsUsage ? c.argsUsage : "[arguments...]"}`;
  if (c.description) text += `\n\nDESCRIPTION:\n   ${c.description}`;
  if (flags.length > 0) {
    text += `\n\nOPTIONS:\n   ${flags.map((f) => `${flagLine(f)}\n   `).join("")}`;
  }
  return tabwrite(text + "\n");
}

/** A command group's page (`etcdctl member`). */
export function subcommandHelp(helpName: string, c: CommandDef): string {
  const text =
    `NAME:\n   ${helpName} - ${c.description ?? c.usage}\n\n` +
    `USAGE:\n   ${helpName} command [command options] ${c.argsUsage ? c.argsUsage : "[arguments...]"}\n\n` +
    `COMMANDS:\n${commandLines(c.subcommands ?? [])}\n\n` +
    `OPTIONS:\n   ${flagLine(HELP_FLAG)}\n   \n`;
  return tabwrite(text);
}

// --- running ------------------------------------------------------------------------------------

function lookup(commands: CommandDef[], name: string): CommandDef | undefined {
  return commands.find((c) => c.name === name || (c.aliases ?? []).includes(name));
}

const out = (s: string): void => {
  process.stdout.write(s);
};

/** Runs the app the way urfave/cli does; returns the process exit code. */
export async function runApp(app: AppDef, argv: string[]): Promise<number> {
  const globalDefs = [...app.flags, HELP_FLAG, VERSION_FLAG];
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(globalDefs, argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    out(`Incorrect Usage. ${err.message}\n\n`);
    out(appHelp(app));
    throw err;
  }
  if (parsed.flags.help === true) {
    out(appHelp(app));
    return 0;
  }
  if (parsed.flags.version === true) {
    app.printVersion();
    return 0;
  }
  const global = parsed.flags;
  const [name, ...rest] = parsed.args;
  if (name === undefined) {
    out(appHelp(app));
    return 0;
  }
  if (name === "help" || name === "h") return showHelpTopic(app, app.commands, rest[0], app.name);
  const cmd = lookup(app.commands, name);
  if (cmd === undefined) throw new UsageError(`No help topic for '${name}'`, 3);
  return runCommand(cmd, `${app.name} ${cmd.name}`, rest, global);
}

function showHelpTopic(
  app: AppDef | undefined,
  commands: CommandDef[],
  topic: string | undefined,
  prefix: string,
  group?: CommandDef,
): number {
  if (topic === undefined) {
    if (app !== undefined) out(appHelp(app));
    else if (group !== undefined) out(subcommandHelp(prefix, group));
    return 0;
  }
  const c = lookup(commands, topic);
  if (c === undefined) throw new UsageError(`No help topic for '${topic}'`, 3);
  out(commandHelp(`${prefix} ${c.name}`, c));
  return 0;
}

async function runCommand(
  cmd: CommandDef,
  helpName: string,
  argv: string[],
  global: Record<string, FlagValue>,
): Promise<number> {
  if (cmd.subcommands !== undefined) {
    let parsed: ReturnType<typeof parseFlags>;
    try {
      parsed = parseFlags([HELP_FLAG], argv);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      out(`Incorrect Usage. ${err.message}\n\n`);
      out(subcommandHelp(helpName, cmd));
      throw err;
    }
    if (parsed.flags.help === true) {
      out(subcommandHelp(helpName, cmd));
      return 0;
    }
    const [name, ...rest] = parsed.args;
    if (name === undefined) {
      out(subcommandHelp(helpName, cmd));
      return 0;
    }
    if (name === "help" || name === "h") {
      return showHelpTopic(undefined, cmd.subcommands, rest[0], helpName, cmd);
    }
    const sub = lookup(cmd.subcommands, name);
    if (sub === undefined) throw new UsageError(`No help topic for '${name}'`, 3);
    return runCommand(sub, `${helpName} ${sub.name}`, rest, global);
  }
  const defs = [...(cmd.flags ?? []), HELP_FLAG];
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(defs, reorderArgs(defs, argv));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    out(`Incorrect Usage: ${err.message}\n\n`);
    out(commandHelp(helpName, cmd));
    throw err;
  }
  if (parsed.flags.help === true) {
    out(commandHelp(helpName, cmd));
    return 0;
  }
  if (cmd.action === undefined) return 0;
  await cmd.action({ flags: parsed.flags, global, args: parsed.args });
  return 0;
}
