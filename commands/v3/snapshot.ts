// `tsctl snapshot save|status|restore`: save streams a member's backend to a file (through
// `<file>.part`, checking the SHA-256 trailer etcd appends); status reads etcd's bbolt
// backend files (src/mvcc/bbolt.ts) and tsctl's own (src/mvcc/snapshot-status.ts); restore writes a new member's data dir offline from a
// tsctl or etcd snapshot (src/server/restore.ts).
import type { Command } from "commander";
import { CommandError, ExitCode } from "../errors.js";
import { errorText, run } from "./context.js";
import { withSpinner } from "./spinner.js";
import { goPathError } from "../../src/util/go-errors.js";

const SHA256_BYTES = 32;

/** A zap-style JSON log line on stderr, as etcdctl's snapshot commands print. */
function logInfo(
  msg: string,
  fields: Record<string, unknown>,
  caller = "snapshot/v3_snapshot.go",
): void {
  const ts = Date.now() / 1000;
  process.stderr.write(JSON.stringify({ level: "info", ts, caller, msg, ...fields }) + "\n");
}

/** The client library's own log lines around the stream (their logger prints ISO times). */
function logClient(msg: string): void {
  const ts = new Date().toISOString();
  const caller = "clientv3/maintenance.go";
  process.stderr.write(JSON.stringify({ level: "info", ts, caller, msg }) + "\n");
}

interface RestoreFlags {
  dataDir?: string;
  walDir?: string;
  initialCluster: string;
  initialClusterToken: string;
  initialAdvertisePeerUrls: string;
  name: string;
  skipHashCheck?: boolean;
}

async function restore(path: string, flags: RestoreFlags): Promise<void> {
  const { restoreSnapshot, RestoreError, BackendOpenError } =
    await import("../../src/server/restore.js");
  try {
    await restoreSnapshot({
      snapshotPath: path,
      name: flags.name,
      dataDir:
        flags.dataDir === undefined || flags.dataDir === "" ? `${flags.name}.etcd` : flags.dataDir,
      walDir: flags.walDir ?? "",
      initialCluster: flags.initialCluster,
      initialClusterToken: flags.initialClusterToken,
      initialAdvertisePeerUrls: flags.initialAdvertisePeerUrls,
      skipHashCheck: flags.skipHashCheck === true,
      log: (caller, msg, fields) => logInfo(msg, fields, caller),
    });
  } catch (err) {
    if (err instanceof BackendOpenError) {
      const { goPanic } = await import("./panic.js");
      goPanic("mvcc/backend", err.message);
    }
    if (err instanceof RestoreError) throw new CommandError(ExitCode.Error, err.message);
    throw new CommandError(ExitCode.Error, errorText(err));
  }
}

async function save(
  endpoints: string[],
  path: string,
  fetch: () => Promise<AsyncIterable<{ blob: Buffer }>>,
) {
  const fs = await import("node:fs");
  const { createHash } = await import("node:crypto");
  if (endpoints.length !== 1)
    throw new Error(
      `snapshot must be requested to one selected node, not multiple [${endpoints.join(" ")}]`,
    );
  const part = `${path}.part`;
  let fd: number;
  try {
    fd = fs.openSync(part, "w", 0o600);
  } catch (err) {
    throw new Error(`could not open ${part} (${goPathError("open", part, err)})`);
  }
  try {
    logInfo("created temporary db file", { path: part });
    const started = Date.now();
    const stream = await fetch();
    logClient("opened snapshot stream; downloading");
    logInfo("fetching snapshot", { endpoint: endpoints[0]! });
    // The last 32 bytes are a SHA-256 of everything before them: hash all but the tail.
    const hash = createHash("sha256");
    let tail = Buffer.alloc(0);
    let size = 0;
    for await (const r of stream) {
      fs.writeSync(fd, r.blob);
      size += r.blob.length;
      const joined = Buffer.concat([tail, r.blob]);
      const keep = Math.min(SHA256_BYTES, joined.length);
      hash.update(joined.subarray(0, joined.length - keep));
      tail = joined.subarray(joined.length - keep);
    }
    logClient("completed snapshot read; closing");
    if (size % 512 !== SHA256_BYTES) throw new Error(`sha256 checksum not found [bytes: ${size}]`);
    if (!hash.digest().equals(tail)) throw new Error("snapshot sha256 checksum mismatch");
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    const { humanBytes } = await import("../../src/printer/text.js");
    // zap logs a duration field as seconds (a number), as etcdctl's line shows.
    logInfo("fetched snapshot", {
      endpoint: endpoints[0]!,
      size: humanBytes(size),
      took: (Date.now() - started) / 1000,
    });
    try {
      fs.renameSync(part, path);
    } catch (err) {
      throw new Error(`could not rename ${part} to ${path} (${(err as Error).message})`);
    }
    logInfo("saved", { path });
  } finally {
    if (fd >= 0) fs.closeSync(fd);
    fs.rmSync(part, { force: true });
  }
}

export function registerSnapshot(program: Command): void {
  const snapshot = program.command("snapshot").description("Manages etcd node snapshots");

  snapshot
    .command("restore")
    .description("Restores an etcd member snapshot to an etcd directory")
    .usage("<filename> [options]")
    .argument("[args...]")
    .option("--data-dir <dir>", "Path to the data directory")
    .option("--wal-dir <dir>", "Path to the WAL directory (use --data-dir if none given)")
    .option(
      "--initial-cluster <cluster>",
      "Initial cluster configuration for restore bootstrap",
      "default=http://localhost:2380",
    )
    .option(
      "--initial-cluster-token <token>",
      "Initial cluster token for the etcd cluster during restore bootstrap",
      "etcd-cluster",
    )
    .option(
      "--initial-advertise-peer-urls <urls>",
      "List of this member's peer URLs to advertise to the rest of the cluster",
      "http://localhost:2380",
    )
    .option("--name <name>", "Human-readable name for this member", "default")
    .option(
      "--skip-hash-check",
      "Ignore snapshot integrity hash value (required if copied from data directory)",
    )
    .action((args: string[], flags: RestoreFlags, cmd: Command) =>
      run(cmd, async () => {
        if (args.length !== 1)
          throw new CommandError(
            ExitCode.BadArgs,
            "snapshot restore requires exactly one argument",
          );
        await restore(args[0]!, flags);
      }),
    );

  snapshot
    .command("status")
    .description("Gets backend snapshot status of a given file")
    .usage("<filename>")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length !== 1)
          throw new CommandError(ExitCode.BadArgs, "snapshot status requires exactly one argument");
        const fs = await import("node:fs");
        const { snapshotStatus } = await import("../../src/mvcc/bbolt.js");
        const { isSqliteFile, sqliteSnapshotStatus } =
          await import("../../src/mvcc/snapshot-status.js");
        const path = args[0]!;
        let file: Buffer;
        try {
          file = fs.readFileSync(path);
        } catch (err) {
          throw new CommandError(ExitCode.Error, goPathError("stat", path, err));
        }
        let status;
        try {
          if (isSqliteFile(file)) status = sqliteSnapshotStatus(path, file.length);
          else status = snapshotStatus(file);
        } catch (err) {
          throw new CommandError(ExitCode.Error, errorText(err));
        }
        ctx.printer.dbStatus(status);
      }),
    );

  snapshot
    .command("save")
    .description("Stores an etcd node backend snapshot to a given file")
    .usage("<filename>")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length !== 1)
          throw new CommandError(ExitCode.BadArgs, "snapshot save expects one argument");
        const path = args[0]!;
        try {
          await withSpinner(`Saving snapshot to ${path}`, () =>
            save(ctx.globals.endpoints, path, async () => {
              const client = await ctx.client();
              return client.maintenance.snapshot({ timeoutMs: 0 });
            }),
          );
        } catch (err) {
          if (err instanceof CommandError) throw err;
          throw new CommandError(ExitCode.Interrupted, errorText(err));
        }
        process.stdout.write(`Snapshot saved at ${path}\n`);
      }),
    );
}
