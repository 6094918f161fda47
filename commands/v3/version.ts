// `tsctl version`: the etcdctl version lines (tsctl speaks etcd 3.4's API).
import type { Command } from "commander";
import { API_VERSION, ETCD_VERSION } from "../../src/version.js";

/** What `tsctl version` prints. */
export function versionText(): string {
  return `etcdctl version: ${ETCD_VERSION}\nAPI version: ${API_VERSION}\n`;
}

export function registerVersion(program: Command): void {
  program
    .command("version")
    .description("Prints the version of etcdctl")
    .action(() => {
      process.stdout.write(versionText());
    });
}
