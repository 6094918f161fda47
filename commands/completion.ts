// Shell completion for tsctl, generated from the commander command tree (subcommands and
// their flags): `tsctl completion bash|zsh|fish|powershell` prints a script, and
// `node --import tsx commands/completion.ts --write` refreshes completions/tsctl.*.
import type { Command, Option } from "commander";

interface Node {
  /** Space-joined command path below the root ("" for the root, "member add"). */
  path: string;
  subcommands: string[];
  flags: { name: string; description: string }[];
}

function flagsOf(cmd: Command): Node["flags"] {
  const out: Node["flags"] = [];
  for (const o of cmd.options as readonly Option[]) {
    if (o.hidden) continue;
    if (o.long !== undefined) out.push({ name: o.long, description: o.description });
    if (o.short !== undefined) out.push({ name: o.short, description: o.description });
  }
  out.push({ name: "--help", description: "help" });
  return out;
}

function walk(cmd: Command, path: string, out: Node[]): Node[] {
  const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  out.push({ path, subcommands: subs.map((c) => c.name()), flags: flagsOf(cmd) });
  for (const c of subs) walk(c, path === "" ? c.name() : `${path} ${c.name()}`, out);
  return out;
}

function bashWords(words: string[]): string {
  return words.join(" ").replace(/"/g, "");
}

export function bashCompletion(root: Command): string {
  const name = root.name();
  const nodes = walk(root, "", []);
  const globals = nodes[0]!.flags.map((f) => f.name);
  const subCases = nodes
    .filter((n) => n.subcommands.length > 0)
    .map((n) => `    "${n.path}") echo "${bashWords(n.subcommands)}" ;;`)
    .join("\n");
  const flagCases = nodes
    .filter((n) => n.path !== "")
    .map((n) => `    "${n.path}") echo "${bashWords(n.flags.map((f) => f.name))}" ;;`)
    .join("\n");
  return `# bash completion for ${name} (generated from its command tree)
_${name}_subcommands() {
  case "$1" in
${subCases}
  esac
}
_${name}_flags() {
  case "$1" in
${flagCases}
  esac
}
_${name}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    case " $(_${name}_subcommands "$path") " in
      *" $w "*) path="\${path:+$path }$w" ;;
    esac
  done
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_${name}_flags "$path") ${bashWords(globals)}" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(_${name}_subcommands "$path")" -- "$cur"))
  fi
}
complete -F _${name} ${name}
`;
}

export function zshCompletion(root: Command): string {
  return `#compdef ${root.name()}
# zsh completion for ${root.name()}: the bash completion through bashcompinit.
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(root)}`;
}

function fishQuote(s: string): string {
  return "'" + s.replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";
}

export function fishCompletion(root: Command): string {
  const name = root.name();
  const lines = [`# fish completion for ${name} (generated from its command tree)`];
  lines.push(`complete -c ${name} -f`);
  for (const n of walk(root, "", [])) {
    const words = n.path === "" ? [] : n.path.split(" ");
    const cond =
      words.length === 0
        ? "__fish_use_subcommand"
        : words.map((w) => `__fish_seen_subcommand_from ${w}`).join("; and ");
    for (const s of n.subcommands) lines.push(`complete -c ${name} -n ${fishQuote(cond)} -a ${s}`);
    for (const f of n.flags) {
      const flag = f.name.startsWith("--") ? `-l ${f.name.slice(2)}` : `-s ${f.name.slice(1)}`;
      const scope = words.length === 0 ? "" : ` -n ${fishQuote(cond)}`;
      lines.push(`complete -c ${name}${scope} ${flag} -d ${fishQuote(f.description)}`);
    }
  }
  return lines.join("\n") + "\n";
}

function psQuote(s: string): string {
  return "'" + s.replace(/'/g, "''") + "'";
}

export function powershellCompletion(root: Command): string {
  const name = root.name();
  const nodes = walk(root, "", []);
  const entries = nodes
    .map((n) => {
      const words = [...n.subcommands, ...n.flags.map((f) => f.name)];
      return `  ${psQuote(n.path)} = @(${words.map(psQuote).join(", ")})`;
    })
    .join("\n");
  return `# powershell completion for ${name} (generated from its command tree)
$__${name}Words = @{
${entries}
}
Register-ArgumentCompleter -Native -CommandName ${name} -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $path = ''
  foreach ($e in $commandAst.CommandElements | Select-Object -Skip 1) {
    $w = $e.ToString()
    if ($w -eq $wordToComplete) { break }
    if ($w.StartsWith('-')) { continue }
    $next = if ($path -eq '') { $w } else { "$path $w" }
    if ($__${name}Words.ContainsKey($next)) { $path = $next }
  }
  $words = $__${name}Words[$path] + $__${name}Words['']
  $words | Where-Object { $_ -like "$wordToComplete*" } | Sort-Object -Unique | ForEach-Object {
    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
  }
}
`;
}

export const SHELLS = {
  bash: bashCompletion,
  zsh: zshCompletion,
  fish: fishCompletion,
  powershell: powershellCompletion,
} as const;

/** Adds `completion bash|zsh|fish` to the program (the tree is read when it runs). */
export function registerCompletion(program: Command): void {
  const completion = program
    .command("completion")
    .description("Generate the autocompletion script for the specified shell");
  for (const [shell, render] of Object.entries(SHELLS)) {
    completion
      .command(shell)
      .description(`Generate the autocompletion script for ${shell}`)
      .action(() => {
        process.stdout.write(render(program));
      });
  }
}

async function writeFiles(): Promise<void> {
  const fs = await import("node:fs");
  const path = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const { buildV3Program } = await import("./v3/program.js");
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "completions");
  const program = await buildV3Program();
  for (const [shell, render] of Object.entries(SHELLS)) {
    fs.writeFileSync(path.join(dir, `tsctl.${shell}`), render(program));
  }
}

// Not awaited at top level: program.js imports this module, so it must finish loading first.
if (process.argv.includes("--write") && process.argv[1]?.endsWith("completion.ts")) {
  writeFiles().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
