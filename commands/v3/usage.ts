// etcdctl's help/usage layout (NAME, USAGE, VERSION, COMMANDS, OPTIONS, GLOBAL OPTIONS), with
// pflag-style flag lines aligned by a Go text/tabwriter equivalent (tab padding, width 8),
// so `tsctl <cmd> --help` and the usage printed after a flag error read like etcdctl's.
import type { Command, Option } from "commander";
import { API_VERSION, ETCD_VERSION } from "../../src/version.js";

/** tsctl's own root command (dispatched before the v3 tree; takes etcd's flags). */
const SERVER_SUMMARY = "Runs a member (etcd's flags; see 'tsctl server --help')";

/** etcdctl's argument part of each command's usage line, by command path. */
const USE_ARGS: Record<string, string> = {
  "check perf": "[options]",
  "check datascale": "[options]",
  compaction: "[options] <revision>",
  del: "[options] <key> [range_end]",
  elect: "<election-name> [proposal]",
  get: "[options] <key> [range_end]",
  "lease grant": "<ttl>",
  "lease revoke": "<leaseID>",
  "lease timetolive": "<leaseID> [options]",
  "lease keep-alive": "[options] <leaseID>",
  lock: "<lockname> [exec-command arg1 arg2 ...]",
  "make-mirror": "[options] <destination>",
  "member add": "<memberName> [options]",
  "member remove": "<memberID>",
  "member update": "<memberID> [options]",
  "member promote": "<memberID>",
  "move-leader": "<transferee-member-id>",
  put: "[options] <key> <value> (<value> can also be given from stdin)",
  "role add": "<role name>",
  "role delete": "<role name>",
  "role get": "<role name>",
  "role grant-permission": "[options] <role name> <permission type> <key> [endkey]",
  "role revoke-permission": "<role name> <key> [endkey]",
  "snapshot save": "<filename>",
  "snapshot status": "<filename>",
  "snapshot restore": "<filename> [options]",
  txn: "[options]",
  "user add": "<user name or user:password> [options]",
  "user delete": "<user name>",
  "user get": "<user name> [options]",
  "user passwd": "<user name> [options]",
  "user grant-role": "<user name> <role name>",
  "user revoke-role": "<user name> <role name>",
  watch: "[options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]",
  alarm: "<subcommand>",
  auth: "<enable or disable>",
  check: "<subcommand>",
  endpoint: "<subcommand>",
  lease: "<subcommand>",
  member: "<subcommand>",
  role: "<subcommand>",
  snapshot: "<subcommand>",
  user: "<subcommand>",
};

/** Flags whose pflag type is numeric or a duration: their defaults print unquoted. */
const UNQUOTED = new Set([
  "get --limit",
  "get --rev",
  "watch --rev",
  "lock --ttl",
  "endpoint hashkv --rev",
  "--command-timeout",
  "--dial-timeout",
  "--keepalive-time",
  "--keepalive-timeout",
]);

/** Defaults shown for flags that commander holds without one. */
const SHOWN_DEFAULTS: Record<string, string> = {
  "--command-timeout": "5s",
  "--dial-timeout": "2s",
  "--keepalive-time": "2s",
  "--keepalive-timeout": "6s",
  "--endpoints": "[127.0.0.1:2379]",
  "-w": "simple",
  "--write-out": "simple",
  "--insecure-discovery": "true",
  "--insecure-transport": "true",
  "user add --interactive": "true",
  "user passwd --interactive": "true",
  "make-mirror --dest-insecure-transport": "true",
};

export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null && c.parent !== null; c = c.parent) {
    names.unshift(c.name());
  }
  return names.join(" ");
}

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent !== null) c = c.parent;
  return c;
}

/** Go text/tabwriter with minwidth 0, tabwidth 8, padding 1, padchar '\t'. */
export function tabwrite(text: string): string {
  const lines = text.split("\n").map((l) => l.split("\t"));
  const out: string[] = [];
  const widths: number[] = [];
  const width = (s: string) => [...s].length;
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      let line = "";
      cells.forEach((c, j) => {
        line += c;
        if (j < widths.length && j < cells.length - 1) {
          const cellw = Math.ceil(widths[j]! / 8) * 8;
          line += "\t".repeat(Math.ceil((cellw - width(c)) / 8));
        }
      });
      out.push(line);
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let w = 0;
      for (; i < line1 && column < lines[i]!.length - 1; i++) {
        w = Math.max(w, width(lines[i]![column]!) + 1);
      }
      widths.push(w);
      format(line0, i);
      widths.pop();
      line0 = i;
      i--;
    }
    writeLines(line0, line1);
  };
  format(0, lines.length);
  return out.join("\n");
}

interface FlagLine {
  name: string;
  line: string;
}

function flagLine(o: Option, scope: string): FlagLine | undefined {
  if (o.hidden || o.long === undefined) return undefined;
  const name = o.long.slice(2);
  const lead = o.short !== undefined ? `  ${o.short}, --${name}` : `      --${name}`;
  const isSwitch = !o.required && !o.optional;
  const key = scope === "" ? o.long : `${scope} ${o.long}`;
  let value: string;
  if (isSwitch) value = `[=${SHOWN_DEFAULTS[key] ?? SHOWN_DEFAULTS[o.long] ?? "false"}]`;
  else {
    const raw =
      o.defaultValue !== undefined
        ? String(o.defaultValue)
        : (SHOWN_DEFAULTS[o.long] ?? (UNQUOTED.has(key) ? "0" : ""));
    value = UNQUOTED.has(key) || o.long === "--endpoints" ? `=${raw}` : `=${JSON.stringify(raw)}`;
  }
  return { name, line: `${lead}${value}\t${o.description}` };
}

function flagLines(cmd: Command, scope: string, withHelp: boolean): string {
  const lines = (cmd.options as readonly Option[])
    .map((o) => flagLine(o, scope))
    .filter((l): l is FlagLine => l !== undefined);
  if (withHelp) lines.push({ name: "help", line: `  -h, --help[=false]\thelp for ${cmd.name()}` });
  lines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return lines.map((l) => l.line + "\n").join("");
}

function leaves(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => (c.commands.length === 0 ? [c] : [c, ...leaves(c)]));
}

/** The whole usage text of `cmd`, etcdctl's layout. */
export function usageText(cmd: Command): string {
  const root = rootOf(cmd);
  const isRoot = cmd === root;
  const path = commandPath(cmd);
  let t = "NAME:\n";
  t += `\t${isRoot ? cmd.name() : path} - ${cmd.description()}\n\n`;
  const args = USE_ARGS[path] ?? "";
  // Every command has at least --help, so cobra always appends "[flags]".
  const use = [root.name(), path, args].filter((s) => s !== "").join(" ");
  t += `USAGE:\n\t${use} [flags]\n`;
  if (isRoot) t += `\nVERSION:\n\t${ETCD_VERSION}\n`;
  if (cmd.commands.length > 0) {
    t += `\nAPI VERSION:\n\t${API_VERSION}\n`;
    t += "\n\nCOMMANDS:\n";
    const subs = leaves(cmd)
      .filter((c) => c.commands.length === 0)
      .map((c) => ({ name: commandPath(c).slice(isRoot ? 0 : path.length + 1), c }));
    if (isRoot) subs.push({ name: "help", c: cmd }, { name: "server", c: cmd });
    subs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const s of subs) {
      const short =
        s.name === "help"
          ? "Help about any command"
          : s.name === "server" && s.c === cmd
            ? SERVER_SUMMARY
            : s.c.description();
      t += `\t${s.name}\t${short}\n`;
    }
  }
  t += "\nOPTIONS:\n" + flagLines(cmd, path, true);
  if (!isRoot) {
    // Inherited flags: the root's and any persistent ones of parent groups (endpoint --cluster).
    let inherited = "";
    for (let p = cmd.parent; p !== null; p = p.parent) {
      inherited += flagLines(p, p === root ? "" : commandPath(p), false);
    }
    const sorted = inherited
      .split("\n")
      .filter((l) => l !== "")
      .sort((x, y) => {
        const nx = /--([\w-]+)/.exec(x)?.[1] ?? "";
        const ny = /--([\w-]+)/.exec(y)?.[1] ?? "";
        return nx < ny ? -1 : nx > ny ? 1 : 0;
      });
    t += "\nGLOBAL OPTIONS:\n" + sorted.map((l) => l + "\n").join("");
  }
  return tabwrite(t + "\n");
}
