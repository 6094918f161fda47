// The v2 command tree (ETCDCTL_API=2): etcdctl 3.4's v2 global flags and commands.
import { Command } from "commander";
import { ETCD_VERSION } from "../../src/version.js";

export function buildV2Program(): Command {
  const program = new Command("tsctl");
  program
    .description("A simple command line client for etcd.")
    .option("-v, --version", "print the version")
    .action((opts: { version?: boolean }) => {
      if (opts.version) {
        process.stdout.write(`etcdctl version: ${ETCD_VERSION}\nAPI version: 2\n`);
        return;
      }
      program.help();
    });
  return program;
}

export async function runV2(args: string[]): Promise<void> {
  await buildV2Program().parseAsync(args, { from: "user" });
}
