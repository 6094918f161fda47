// --debug: the ETCDCTL_* settings etcdctl lists on stderr as it builds its client, compared
// line for line with tsctl's, for commands that build a client and commands that do not.
// No server is needed: the endpoint is unreachable, and only the settings lines count (the
// gRPC library's own log lines that follow them in etcdctl are not reproduced).
import { test } from "node:test";
import assert from "node:assert/strict";
import { freePort, runCli, skipWithoutEtcd } from "../helpers/index.js";

const settingsLines = (stderr: string) =>
  stderr.split("\n").filter((l) => l.startsWith("ETCDCTL_"));

test(
  "--debug lists the same ETCDCTL_* settings as etcdctl",
  { skip: skipWithoutEtcd },
  async () => {
    const ep = `127.0.0.1:${await freePort()}`;
    const timeouts = ["--dial-timeout=200ms", "--command-timeout=300ms"];
    const common = ["--debug", `--endpoints=${ep}`, ...timeouts];
    const cases = [
      [...common, "get", "foo"],
      [...common, "put", "foo", "bar"],
      [...common, "del", "foo", "--prefix"],
      [...common, "-w", "json", "--hex", "get", "foo"],
      [...common, "--keepalive-time=1500ms", "--user=u:p", "member", "list"],
      [...common, "endpoint", "status"],
      [...common, "endpoint", "status", "--cluster"],
      [...common, "endpoint", "hashkv"],
      [...common, "endpoint", "health"],
      [...common, "watch", "foo"],
      [...common, "lease", "grant", "10"],
      [...common, "alarm", "list"],
      [...common, "version"],
      [...common, "snapshot", "status", "/nonexistent.db"],
      // Several endpoints print as a list.
      ["--debug", `--endpoints=${ep},127.0.0.1:1`, ...timeouts, "alarm", "list"],
    ];
    // Side by side: each run waits out its timeouts, and watch retries until it is killed.
    const results = await Promise.all(
      cases.map(async (argv) => {
        const [real, ours] = await Promise.all([
          runCli("etcdctl", argv, { timeoutMs: 4_000 }),
          runCli("tsctl", argv, { timeoutMs: 4_000 }),
        ]);
        return { argv, real, ours };
      }),
    );
    for (const { argv, real, ours } of results) {
      assert.deepEqual(settingsLines(ours.stderr), settingsLines(real.stderr), argv.join(" "));
    }
  },
);
