// `tsctl migrate`: etcdctl 3.4's offline v2-store-to-mvcc migration of a stopped member's
// data directory. Declared with etcdctl's flags so scripts get a clear answer (etcdctl's exit
// code for a failed migrate, 1), but not done: a tsctl member's v2 keys live in its raft
// snapshots and WAL, and moving them into the KV database offline means applying every
// committed entry the database has not seen yet, identically on every member, i.e. running
// the member's replay outside the member. The v2 and v3 APIs of a running member do it safely.
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
      throw new CommandError(
        ExitCode.Error,
        "migrate is not supported by tsctl (tsctl keeps v2 keys in its raft log, not in an etcd 2 data dir: read them with the v2 API of a running member and put them with v3)",
      );
    });
}
