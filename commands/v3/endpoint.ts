// `tsctl endpoint health|status|hashkv [--cluster]`: per-endpoint checks, each endpoint asked
// on its own connection, with etcdctl's stderr lines and exit codes for failures.
import { Option } from "commander";
import type { Command } from "commander";
import type { EpHashKV, EpHealth, EpStatus } from "../../src/printer/index.js";
import { formatGoDuration } from "../../src/util/duration.js";
import { CommandError, ExitCode } from "../errors.js";
import type { CommandContext } from "./context.js";
import { errorText, newClient, run } from "./context.js";
import { intFlag } from "./flags.js";

/** --endpoints, or with --cluster every client URL of the member list. */
export async function endpointsFromCluster(ctx: CommandContext, cluster: boolean) {
  if (!cluster) return ctx.globals.endpoints;
  const client = await ctx.client();
  const resp = await client.cluster.memberList().catch((err: unknown) => {
    throw new CommandError(
      ExitCode.Error,
      `failed to fetch endpoints from etcd cluster member list: ${errorText(err)}`,
    );
  });
  return resp.members.flatMap((m) => m.clientURLs);
}

function clusterFlag(cmd: Command): boolean {
  return (cmd.optsWithGlobals() as { cluster?: boolean }).cluster === true;
}

async function health(ctx: CommandContext, endpoint: string): Promise<EpHealth> {
  const client = await newClient({ ...ctx.globals }, [endpoint]);
  let started = process.hrtime.bigint();
  try {
    // etcdctl times the request only, after its client has connected.
    await client.connect(ctx.globals.dialTimeoutMs).catch(() => undefined);
    started = process.hrtime.bigint();
    await client.kv.range({ key: Buffer.from("health") });
    return { endpoint, health: true, took: took(started), error: "" };
  } catch (err) {
    const text = errorText(err);
    // Permission denied still proves the member commits proposals.
    if (text === "etcdserver: permission denied")
      return { endpoint, health: true, took: took(started), error: "" };
    return { endpoint, health: false, took: took(started), error: text };
  } finally {
    client.close();
  }
}

function took(started: bigint): string {
  return formatGoDuration(Number(process.hrtime.bigint() - started) / 1e6);
}

export function registerEndpoint(program: Command): void {
  const endpoint = program
    .command("endpoint")
    .description("Endpoint related commands")
    .option("--cluster", "use all endpoints from the cluster member list");

  endpoint
    .command("health")
    .description("Checks the healthiness of endpoints specified in `--endpoints` flag")
    .argument("[args...]")
    .addOption(new Option("--cluster", "use all endpoints from the cluster member list").hideHelp())
    .action((_a: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        const eps = await endpointsFromCluster(ctx, clusterFlag(cmd));
        const list = await Promise.all(eps.map((ep) => health(ctx, ep)));
        ctx.printer.endpointHealth(list);
        if (list.some((h) => h.error !== ""))
          throw new CommandError(ExitCode.Error, "unhealthy cluster");
      }),
    );

  endpoint
    .command("status")
    .description("Prints out the status of endpoints specified in `--endpoints` flag")
    .argument("[args...]")
    .addOption(new Option("--cluster", "use all endpoints from the cluster member list").hideHelp())
    .action((_a: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        const eps = await endpointsFromCluster(ctx, clusterFlag(cmd));
        const client = await ctx.client();
        const list: EpStatus[] = [];
        let failed = false;
        for (const ep of eps) {
          try {
            list.push({ endpoint: ep, resp: await client.forEndpoint(ep).maintenance.status() });
          } catch (err) {
            failed = true;
            process.stderr.write(
              `Failed to get the status of endpoint ${ep} (${errorText(err)})\n`,
            );
          }
        }
        ctx.printer.endpointStatus(list);
        if (failed) process.exitCode = ExitCode.Error;
      }),
    );

  endpoint
    .command("hashkv")
    .description("Prints the KV history hash for each endpoint in --endpoints")
    .argument("[args...]")
    .addOption(new Option("--cluster", "use all endpoints from the cluster member list").hideHelp())
    .option("--rev <revision>", "maximum revision to hash (default: all revisions)")
    .action((_a: string[], flags: { rev?: string }, cmd: Command) => {
      const revision = intFlag("rev", flags.rev, cmd);
      return run(cmd, async (ctx) => {
        const eps = await endpointsFromCluster(ctx, clusterFlag(cmd));
        const client = await ctx.client();
        const list: EpHashKV[] = [];
        let lastError: string | undefined;
        for (const ep of eps) {
          try {
            const resp = await client.forEndpoint(ep).maintenance.hashKV({ revision });
            list.push({ endpoint: ep, resp });
          } catch (err) {
            lastError = errorText(err);
            process.stderr.write(`Failed to get the hash of endpoint ${ep} (${lastError})\n`);
          }
        }
        ctx.printer.endpointHashKV(list);
        if (lastError !== undefined) throw new CommandError(ExitCode.Error, lastError);
      });
    });
}
