// `tsctl defrag [--cluster]`: defragments each member's backend, one endpoint at a time;
// `--data-dir` instead defragments a stopped member's database offline.
import type { Command } from "commander";
import { CommandError, ExitCode } from "../errors.js";
import { errorText, run } from "./context.js";
import { endpointsFromCluster } from "./endpoint.js";
import { withSpinner } from "./spinner.js";

/** Like etcdctl: nothing on stdout on success; waits while a member holds the database. */
async function defragOffline(dataDir: string): Promise<void> {
  const { defragDataDir, BackendOpenError } = await import("../../src/server/data-dir.js");
  const { goQuote } = await import("../../src/printer/text.js");
  try {
    await defragDataDir(dataDir, {
      onWaiting: (dbPath) =>
        process.stderr.write(
          `waiting for etcd to close and release its lock on ${goQuote(dbPath)}. To defrag a running etcd instance, omit --data-dir.\n`,
        ),
    });
  } catch (err) {
    if (err instanceof BackendOpenError) {
      const { goPanic } = await import("./panic.js");
      goPanic("mvcc/backend", err.message);
    }
    throw new CommandError(ExitCode.Error, errorText(err));
  }
}

export function registerDefrag(program: Command): void {
  program
    .command("defrag")
    .description("Defragments the storage of the etcd members with given endpoints")
    .argument("[args...]")
    .option("--cluster", "use all endpoints from the cluster member list")
    .option(
      "--data-dir <dir>",
      "Optional. If present, defragments a data directory not in use by etcd.",
    )
    .action((_a: string[], flags: { cluster?: boolean; dataDir?: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (flags.dataDir !== undefined && flags.dataDir !== "") {
          await defragOffline(flags.dataDir);
          return;
        }
        const eps = await endpointsFromCluster(ctx, flags.cluster === true);
        const client = await ctx.client();
        let failures = 0;
        for (const ep of eps) {
          try {
            await withSpinner(`Defragmenting ${ep}`, () =>
              client.forEndpoint(ep).maintenance.defragment(),
            );
            process.stdout.write(`Finished defragmenting etcd member[${ep}]\n`);
          } catch (err) {
            failures++;
            process.stderr.write(`Failed to defragment etcd member[${ep}] (${errorText(err)})\n`);
          }
        }
        if (failures !== 0) process.exitCode = ExitCode.Error;
      }),
    );
}
