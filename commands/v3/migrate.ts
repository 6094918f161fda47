// `tsctl migrate`: etcdctl 3.4's offline v2-store-to-mvcc migration of a stopped member's
// data directory. Declared with etcdctl's flags so scripts get a clear answer; tsctl does not
// rewrite etcd data directories.
import type { Command } from "commander";
import { CommandError, ExitCode } from "../errors.js";

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("Migrates keys in a v2 store to a mvcc store")
    .argument("[args...]")
    .option("--data-dir <dir>", "Path to the data directory")
    .option("--no-ttl", "Do not convert TTL keys")
    .option("--transformer <path>", "Path to the user-provided transformer program")
    .option("--wal-dir <dir>", "Path to the WAL directory")
    .action(() => {
      throw new CommandError(ExitCode.Error, "migrate is not supported by tsctl");
    });
}
