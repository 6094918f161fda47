// The v3 command tree (ETCDCTL_API=3, the default): the root command with etcdctl's global
// flags, and every subcommand registered from its own module.
import { Command } from "commander";
import { addGlobalOptions } from "./globals.js";
import { registerVersion } from "./version.js";

export function buildV3Program(): Command {
  const program = new Command("tsctl");
  program
    .description("A simple command line client for etcd3.")
    .helpOption("-h, --help", "help for tsctl")
    .showSuggestionAfterError(false)
    .allowExcessArguments(false);
  addGlobalOptions(program);
  registerVersion(program);
  return program;
}

export async function runV3(args: string[]): Promise<void> {
  const program = buildV3Program();
  await program.parseAsync(args, { from: "user" });
}
