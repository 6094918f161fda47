// `tsctl server [etcd flags]`: parse the configuration exactly as etcd 3.4 does (printing its
// texts and exit codes on errors), check the bootstrap settings, then start the member and
// stop it gracefully on SIGINT/SIGTERM.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadServerConfig, printConfigOutputs } from "../src/config/load.js";
import type { ServerConfig } from "../src/config/server-config.js";
import { verifyBootstrap } from "../src/config/initial-cluster.js";
import {
  capnslogLine,
  createLogger,
  sinksForOutputs,
  stderrSink,
  stdoutSink,
} from "../src/log/logger.js";
import type { Logger } from "../src/log/logger.js";

/** What src/server exposes to this command. */
export interface RunningMember {
  stop(): Promise<void>;
}
export type StartMember = (config: ServerConfig, logger: Logger) => Promise<RunningMember>;

export async function runServer(args: string[]): Promise<void> {
  const result = loadServerConfig(args, process.env);
  const sinks = result.logOutputs ? sinksForOutputs(result.logOutputs) : undefined;
  printConfigOutputs(result.outputs, { stdout: stdoutSink, stderr: stderrSink, configured: sinks });
  if (result.exitCode !== undefined) process.exit(result.exitCode);
  const config = result.config!;
  const logger = createLogger({
    level: config.debug ? "debug" : config.logLevel,
    format: config.logger === "zap" ? "json" : "capnslog",
    sinks,
  });

  // etcd checks --initial-cluster only when bootstrapping a member without data.
  const hasData = existsSync(join(config.dataDir, "member"));
  if (!hasData && config.proxy === "off" && config.discovery === "" && config.discoverySrv === "") {
    const problem = await verifyBootstrap(config);
    if (problem) failStart(logger, problem);
  }

  const startMember = await loadStartMember();
  let member: RunningMember;
  try {
    member = await startMember(config, logger.child("etcdserver"));
  } catch (err) {
    failStart(logger, err instanceof Error ? err.message : String(err));
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal while stopping: the operator wants out now.
      logger.child("osutil").warn("received signal again; exiting without waiting", { signal });
      process.exit(1);
    }
    stopping = true;
    logger.child("osutil").info("received signal; shutting down", { signal });
    member.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error("failed to stop member", { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("interrupt"));
  process.on("SIGTERM", () => stop("terminated"));
}

/** etcd's two lines for a member that cannot start, then exit 1. */
function failStart(logger: Logger, message: string): never {
  const main = logger.child("etcdmain");
  if (logger.format === "json") {
    main.warn("failed to start etcd", { error: message });
    return main.fatal("discovery failed", { error: message });
  }
  process.stderr.write(capnslogLine("fatal", Date.now(), "etcdmain", message));
  process.exit(1);
}

/** The member module is loaded lazily: it is heavy, and `tsctl server --help` needs none of it. */
async function loadStartMember(): Promise<StartMember> {
  const { startMember } = await import("../src/server/index.js");
  return startMember;
}
