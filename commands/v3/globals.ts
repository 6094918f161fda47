// The etcdctl v3 global flags on the root commander command (the table and their resolution
// live in global-flags.ts).
import { Command, Option } from "commander";
import { GLOBAL_FLAGS, resolveGlobalValues } from "./global-flags.js";
import type { GivenGlobals, GlobalOptions } from "./global-flags.js";

export type { GlobalOptions, OutputFormat } from "./global-flags.js";

/** Adds the global flags to the root v3 command. */
export function addGlobalOptions(program: Command): void {
  for (const f of GLOBAL_FLAGS) {
    program.addOption(new Option(f.flags, f.description));
    // pflag's `--flag=false` turns a default-true switch off; runV3 rewrites it to --no-flag.
    if (f.boolean && f.defaultText === "true") {
      program.addOption(new Option(f.flags.replace("--", "--no-"), f.description).hideHelp());
    }
  }
}

/** Resolves the global flags of `cmd`, wherever on the command line they were typed. */
export function resolveGlobals(cmd: Command): GlobalOptions {
  // Global flags live on the root command wherever they were typed; a subcommand's own flag
  // of the same name (user add --no-password) must not shadow them.
  let root = cmd;
  while (root.parent !== null) root = root.parent;
  return resolveGlobalValues(root.opts() as GivenGlobals);
}
