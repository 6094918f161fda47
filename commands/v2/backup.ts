// etcdctl v2's `backup` command: its flags and help page. Copying a data dir into a backup (and
// rewriting its member and cluster identity) is not implemented in tsctl yet.
import type { CommandDef } from "./cli-kit.js";
import { fail } from "./context.js";

export const backupCommand: CommandDef = {
  name: "backup",
  usage: "backup an etcd directory",
  argsUsage: " ",
  flags: [
    { names: ["data-dir"], kind: "string", value: "", usage: "Path to the etcd data dir" },
    { names: ["wal-dir"], kind: "string", value: "", usage: "Path to the etcd wal dir" },
    { names: ["backup-dir"], kind: "string", value: "", usage: "Path to the backup dir" },
    { names: ["backup-wal-dir"], kind: "string", value: "", usage: "Path to the backup wal dir" },
    { names: ["with-v3"], kind: "bool", usage: "Backup v3 backend data" },
  ],
  action: () =>
    Promise.resolve(fail(1, "backup: not supported by tsctl (use ETCDCTL_API=3 snapshot save)")),
};
