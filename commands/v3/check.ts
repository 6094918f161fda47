// `tsctl check perf|datascale`: etcdctl's cluster checks. perf writes at the model's rate for
// its duration and judges throughput, slowest request and spread; datascale writes the
// model's key count and reports the member's resident memory growth (from /metrics).
import { Option } from "commander";
import type { Command } from "commander";
import type { EtcdClient } from "../../src/client/v3/index.js";
import { prefixRangeEnd } from "../../src/printer/text.js";
import { CommandError, ExitCode } from "../errors.js";
import type { CommandContext } from "./context.js";
import { run } from "./context.js";
import { withSpinner } from "./spinner.js";

const ALIASES: Record<string, string> = {
  s: "s",
  small: "s",
  m: "m",
  medium: "m",
  l: "l",
  large: "l",
  xl: "xl",
  xLarge: "xl",
};
const PERF: Record<string, { limit: number; clients: number; durationS: number }> = {
  s: { limit: 150, clients: 50, durationS: 60 },
  m: { limit: 1000, clients: 200, durationS: 60 },
  l: { limit: 8000, clients: 500, durationS: 60 },
  xl: { limit: 15000, clients: 1000, durationS: 60 },
};
const DATASCALE: Record<string, { limit: number; kvSize: number; clients: number }> = {
  s: { limit: 10000, kvSize: 1024, clients: 50 },
  m: { limit: 100000, kvSize: 1024, clients: 200 },
  l: { limit: 1000000, kvSize: 1024, clients: 500 },
  xl: { limit: 3000000, kvSize: 1024, clients: 1000 },
};

interface CheckFlags {
  load: string;
  prefix: string;
  autoCompact?: boolean;
  autoDefrag?: boolean;
  durationSeconds?: string;
}

function model(load: string): string {
  const m = ALIASES[load];
  if (m === undefined) throw new CommandError(ExitCode.BadFeature, `unknown load option ${load}`);
  return m;
}

async function ensureEmpty(client: EtcdClient, prefix: string): Promise<void> {
  const key = Buffer.from(prefix);
  const resp = await client.kv.range({ key, rangeEnd: prefixRangeEnd(key), limit: 1n });
  if (resp.kvs.length > 0)
    throw new CommandError(
      ExitCode.InvalidInput,
      `prefix ${JSON.stringify(prefix)} has keys. Delete with etcdctl del --prefix ${prefix} first`,
    );
}

function randomKey(prefix: string, size: number): Buffer {
  const k = Buffer.alloc(size);
  k.writeBigUInt64LE(BigInt(Math.floor(Math.random() * 2 ** 53)));
  return Buffer.concat([Buffer.from(prefix), k]);
}

/** Deletes the check's keys, then compacts/defragments when asked, printing as etcdctl. */
async function cleanUp(ctx: CommandContext, client: EtcdClient, prefix: string, f: CheckFlags) {
  const key = Buffer.from(prefix);
  const del = await client.kv.deleteRange(
    { key, rangeEnd: prefixRangeEnd(key) },
    { timeoutMs: 30_000 },
  );
  if (f.autoCompact) {
    const rev = del.header?.revision ?? 0n;
    process.stdout.write(`Compacting with revision ${rev}\n`);
    await client.kv.compact({ revision: rev, physical: true }, { timeoutMs: 30_000 });
    process.stdout.write(`Compacted with revision ${rev}\n`);
  }
  if (f.autoDefrag) {
    for (const ep of ctx.globals.endpoints) {
      process.stdout.write(`Defragmenting ${JSON.stringify(ep)}\n`);
      await client.forEndpoint(ep).maintenance.defragment({ timeoutMs: 30_000 });
      process.stdout.write(`Defragmented ${JSON.stringify(ep)}\n`);
    }
  }
}

interface Stats {
  latenciesS: number[];
  errors: Map<string, number>;
  elapsedS: number;
}

/** Issues `total` (or until `untilMs`) puts with `clients` in flight, at most `perSecond`. */
async function load(
  client: EtcdClient,
  next: () => Buffer | undefined,
  value: Buffer,
  clients: number,
  perSecond: number,
): Promise<Stats> {
  const stats: Stats = { latenciesS: [], errors: new Map(), elapsedS: 0 };
  const started = Date.now();
  let issued = 0;
  const worker = async () => {
    for (;;) {
      if (perSecond > 0) {
        const dueMs = started + (issued * 1000) / perSecond;
        if (dueMs > Date.now()) await new Promise((r) => setTimeout(r, dueMs - Date.now()));
      }
      const key = next();
      if (key === undefined) return;
      issued++;
      const t0 = process.hrtime.bigint();
      try {
        await client.kv.put({ key, value }, { timeoutMs: 0 });
        stats.latenciesS.push(Number(process.hrtime.bigint() - t0) / 1e9);
      } catch (err) {
        const text = err instanceof Error ? err.message : String(err);
        stats.errors.set(text, (stats.errors.get(text) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  stats.elapsedS = (Date.now() - started) / 1000;
  return stats;
}

function reportErrors(errors: Map<string, number>): boolean {
  if (errors.size === 0) return true;
  process.stdout.write("FAIL: too many errors\n");
  for (const [text, n] of errors) process.stdout.write(`FAIL: ERROR(${text}) -> ${n}\n`);
  return false;
}

async function perf(ctx: CommandContext, f: CheckFlags): Promise<void> {
  const cfg = PERF[model(f.load)]!;
  const durationS = f.durationSeconds !== undefined ? Number(f.durationSeconds) : cfg.durationS;
  const client = await ctx.client();
  await ensureEmpty(client, f.prefix);
  const endMs = Date.now() + durationS * 1000;
  const value = Buffer.alloc(1024);
  const stats = await withSpinner(`Checking performance for ${durationS}s`, () =>
    load(
      client,
      () => (Date.now() < endMs ? randomKey(f.prefix, 256) : undefined),
      value,
      cfg.clients,
      cfg.limit,
    ),
  );
  await cleanUp(ctx, client, f.prefix, f);
  const lat = stats.latenciesS;
  const rps = lat.length / Math.max(stats.elapsedS, 1e-9);
  const slowest = lat.reduce((a, b) => Math.max(a, b), 0);
  const mean = lat.reduce((a, b) => a + b, 0) / Math.max(lat.length, 1);
  const stddev = Math.sqrt(lat.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(lat.length, 1));
  let ok = reportErrors(stats.errors);
  if (rps / cfg.limit <= 0.9) {
    process.stdout.write(`FAIL: Throughput too low: ${Math.floor(rps) + 1} writes/s\n`);
    ok = false;
  } else process.stdout.write(`PASS: Throughput is ${Math.floor(rps) + 1} writes/s\n`);
  if (slowest > 0.5) {
    process.stdout.write(`Slowest request took too long: ${slowest.toFixed(6)}s\n`);
    ok = false;
  } else process.stdout.write(`PASS: Slowest request took ${slowest.toFixed(6)}s\n`);
  if (stddev > 0.1) {
    process.stdout.write(`Stddev too high: ${stddev.toFixed(6)}s\n`);
    ok = false;
  } else process.stdout.write(`PASS: Stddev is ${stddev.toFixed(6)}s\n`);
  process.stdout.write(ok ? "PASS\n" : "FAIL\n");
  if (!ok) process.exitCode = ExitCode.Error;
}

async function residentMemoryBytes(endpoint: string): Promise<number> {
  const url = (/^https?:\/\//.test(endpoint) ? endpoint : `http://${endpoint}`) + "/metrics";
  try {
    const text = await (await fetch(url)).text();
    const line = text.split("\n").find((l) => l.startsWith("process_resident_memory_bytes"));
    if (line === undefined) {
      process.stdout.write("could not find: process_resident_memory_bytes\n");
      return 0;
    }
    return Number(line.slice("process_resident_memory_bytes".length).trim());
  } catch (err) {
    process.stdout.write(`fetch error: ${(err as Error).message}\n`);
    return 0;
  }
}

async function datascale(ctx: CommandContext, f: CheckFlags): Promise<void> {
  const cfg = DATASCALE[model(f.load)]!;
  const client = await ctx.client();
  await ensureEmpty(client, f.prefix);
  const ep = ctx.globals.endpoints[0]!;
  const before = await residentMemoryBytes(ep);
  if (before === 0) {
    process.stdout.write(
      "FAIL: Could not read process_resident_memory_bytes before the put operations.\n",
    );
    process.exit(ExitCode.Error);
  }
  process.stdout.write(
    `Start data scale check for work load [${cfg.limit} key-value pairs, ${cfg.kvSize} bytes per key-value, ${cfg.clients} concurrent clients].\n`,
  );
  let left = cfg.limit;
  const stats = await withSpinner(`Writing ${cfg.limit} keys`, () =>
    load(
      client,
      () => (left-- > 0 ? randomKey(f.prefix, 512) : undefined),
      Buffer.alloc(512),
      cfg.clients,
      0,
    ),
  );
  const after = await residentMemoryBytes(ep);
  await cleanUp(ctx, client, f.prefix, f);
  if (after === 0) {
    process.stdout.write(
      "FAIL: Could not read process_resident_memory_bytes after the put operations.\n",
    );
    process.exit(ExitCode.Error);
  }
  if (!reportErrors(stats.errors)) process.exit(ExitCode.Error);
  const mb = (after - before) / (1024 * 1024);
  process.stdout.write(`PASS: Approximate system memory used : ${mb.toFixed(2)} MB.\n`);
}

function addCheckFlags(c: Command, prefix: string, what: string): Command {
  return c
    .argument("[args...]")
    .option(
      "--load <model>",
      `The ${what} check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)`,
      "s",
    )
    .option("--prefix <prefix>", `The prefix for writing the ${what} check's keys.`, prefix)
    .option("--auto-compact", "Compact storage with last revision after test is finished.")
    .option("--auto-defrag", "Defragment storage after test is finished.");
}

export function registerCheck(program: Command): void {
  const check = program
    .command("check")
    .description("commands for checking properties of the etcd cluster");

  addCheckFlags(
    check.command("perf").description("Check the performance of the etcd cluster"),
    "/etcdctl-check-perf/",
    "performance",
  )
    // Shortens the fixed 60 s run (tests); not an etcdctl flag.
    .addOption(new Option("--duration-seconds <n>").hideHelp())
    .action((_a: string[], flags: CheckFlags, cmd: Command) => run(cmd, (ctx) => perf(ctx, flags)));

  addCheckFlags(
    check
      .command("datascale")
      .description(
        "Check the memory usage of holding data for different workloads on a given server endpoint.",
      ),
    "/etcdctl-check-datascale/",
    "datascale",
  ).action((_a: string[], flags: CheckFlags, cmd: Command) =>
    run(cmd, (ctx) => datascale(ctx, flags)),
  );
}
