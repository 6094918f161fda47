// The typed `ServerConfig` a member starts from, built from resolved flag values (whatever
// their source: flags, ETCD_* env or YAML), and etcd's validation rules with its error texts.
import type { FlagValue } from "./flags.js";
import { SERVER_FLAGS } from "./definitions.js";
import { checkBindUrls, checkHostUrls } from "./urls.js";
import { isLogLevel } from "../log/logger.js";
import type { LogLevel } from "../log/logger.js";
import { parseGoDurationMs } from "../util/duration.js";

export interface TlsConfig {
  certFile: string;
  keyFile: string;
  clientCertAuth: boolean;
  trustedCaFile: string;
  crlFile: string;
  allowedHostname: string;
  /** Peer side only. */
  allowedCn: string;
  autoTls: boolean;
  /** Peer side only. */
  skipClientSanVerification: boolean;
}

export type AutoCompaction =
  | { mode: "periodic"; retentionText: string; periodMs: number }
  | { mode: "revision"; retentionText: string; revisions: number };

export interface ServerConfig {
  /** Path of the YAML file the configuration came from, "" for flags/env. */
  configFile: string;
  name: string;
  dataDir: string;
  /** True when --data-dir was empty and `${name}.etcd` was used. */
  dataDirDefaulted: boolean;
  walDir: string;
  snapshotCount: number;
  maxSnapshots: number;
  maxWals: number;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  /** electionTimeoutMs / heartbeatIntervalMs, rounded down (raft's election ticks). */
  electionTicks: number;
  initialElectionTickAdvance: boolean;
  /** 0 means the default quota (2 GiB). */
  quotaBackendBytes: number;
  backendBatchIntervalMs: number;
  backendBatchLimit: number;
  maxTxnOps: number;
  maxRequestBytes: number;
  maxConcurrentStreams: number;
  grpcKeepaliveMinTimeMs: number;
  grpcKeepaliveIntervalMs: number;
  grpcKeepaliveTimeoutMs: number;

  listenPeerUrls: string[];
  listenClientUrls: string[];
  listenMetricsUrls: string[];
  initialAdvertisePeerUrls: string[];
  /** Empty only for a v2 proxy / discovery fallback. */
  advertiseClientUrls: string[];
  /** Raw `--initial-cluster` text ("" with discovery); see parseInitialCluster. */
  initialCluster: string;
  initialClusterState: "new" | "existing";
  initialClusterToken: string;
  discovery: string;
  discoveryFallback: "proxy" | "exit";
  discoveryProxy: string;
  discoverySrv: string;
  discoverySrvName: string;
  strictReconfigCheck: boolean;
  preVote: boolean;
  enableV2: boolean;
  /** Raw --auto-compaction-retention text and mode. */
  autoCompactionRetention: string;
  autoCompactionMode: "periodic" | "revision";
  /** Undefined when auto compaction is off (retention 0); set by loadServerConfig. */
  autoCompaction: AutoCompaction | undefined;

  clientTls: TlsConfig;
  peerTls: TlsConfig;
  cipherSuites: string[];
  cors: string[];
  hostWhitelist: string[];

  authToken: string;
  bcryptCost: number;
  authTokenTtlSeconds: number;

  enablePprof: boolean;
  metrics: string;
  enableGrpcGateway: boolean;

  logger: "zap" | "capnslog";
  logOutputs: string[];
  logLevel: LogLevel;
  logPackageLevels: string;
  debug: boolean;

  proxy: "off" | "readonly" | "on";
  proxyFailureWaitMs: number;
  proxyRefreshIntervalMs: number;
  proxyDialTimeoutMs: number;
  proxyWriteTimeoutMs: number;
  proxyReadTimeoutMs: number;

  experimentalInitialCorruptCheck: boolean;
  experimentalCorruptCheckTimeMs: number;
  experimentalEnableV2V3: string;
  experimentalBackendFreelistType: string;
  experimentalEnableLeaseCheckpoint: boolean;
  experimentalEnableLeaseCheckpointPersist: boolean;
  experimentalCompactionBatchLimit: number;
  experimentalWatchProgressNotifyIntervalMs: number;
  experimentalWarningApplyDurationMs: number;

  unsafeNoFsync: boolean;
  forceNewCluster: boolean;
}

export const DEFAULT_QUOTA_BACKEND_BYTES = 2 * 1024 * 1024 * 1024;
export const MAX_ELECTION_TIMEOUT_MS = 50000;
export const ERR_UNSET_ADVERTISE_CLIENT_URLS =
  "--advertise-client-urls is required when --listen-client-urls is set explicitly";
export const ERR_CONFLICT_BOOTSTRAP_FLAGS =
  'multiple discovery or bootstrap flags are set. Choose one of "initial-cluster", "discovery" or "discovery-srv"';

/** A configuration etcd would refuse: printed as "error verifying flags, <message>...", exit 1. */
export class ConfigInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigInvalidError";
  }
}

/** The flag values before anything is applied (etcd's defaults). */
export function defaultFlagValues(): Map<string, FlagValue> {
  return new Map(SERVER_FLAGS.map((d) => [d.name, d.initial]));
}

/**
 * Builds the typed config from resolved values keyed by flag name. Applies the derived
 * defaults (data dir) but no validation; see validateServerConfig.
 */
export function buildServerConfig(
  values: ReadonlyMap<string, FlagValue>,
  configFile = "",
): ServerConfig {
  const str = (k: string) => get<string>(values, k, "string");
  const bool = (k: string) => get<boolean>(values, k, "boolean");
  const num = (k: string) => get<number>(values, k, "number");
  const list = (k: string) => [...get<string[]>(values, k, "array")];
  const name = str("name");
  const dataDir = str("data-dir");
  const heartbeatIntervalMs = num("heartbeat-interval");
  const electionTimeoutMs = num("election-timeout");
  const mode = str("auto-compaction-mode");
  return {
    configFile,
    name,
    dataDir: dataDir === "" ? `${name}.etcd` : dataDir,
    dataDirDefaulted: dataDir === "",
    walDir: str("wal-dir"),
    snapshotCount: num("snapshot-count"),
    maxSnapshots: num("max-snapshots"),
    maxWals: num("max-wals"),
    heartbeatIntervalMs,
    electionTimeoutMs,
    electionTicks:
      heartbeatIntervalMs > 0 ? Math.floor(electionTimeoutMs / heartbeatIntervalMs) : 0,
    initialElectionTickAdvance: bool("initial-election-tick-advance"),
    quotaBackendBytes: num("quota-backend-bytes"),
    backendBatchIntervalMs: num("backend-batch-interval"),
    backendBatchLimit: num("backend-batch-limit"),
    maxTxnOps: num("max-txn-ops"),
    maxRequestBytes: num("max-request-bytes"),
    maxConcurrentStreams: num("max-concurrent-streams"),
    grpcKeepaliveMinTimeMs: num("grpc-keepalive-min-time"),
    grpcKeepaliveIntervalMs: num("grpc-keepalive-interval"),
    grpcKeepaliveTimeoutMs: num("grpc-keepalive-timeout"),
    listenPeerUrls: list("listen-peer-urls"),
    listenClientUrls: list("listen-client-urls"),
    listenMetricsUrls: list("listen-metrics-urls"),
    initialAdvertisePeerUrls: list("initial-advertise-peer-urls"),
    advertiseClientUrls: list("advertise-client-urls"),
    initialCluster: str("initial-cluster"),
    initialClusterState: str("initial-cluster-state") as "new" | "existing",
    initialClusterToken: str("initial-cluster-token"),
    discovery: str("discovery"),
    discoveryFallback: str("discovery-fallback") as "proxy" | "exit",
    discoveryProxy: str("discovery-proxy"),
    discoverySrv: str("discovery-srv"),
    discoverySrvName: str("discovery-srv-name"),
    strictReconfigCheck: bool("strict-reconfig-check"),
    preVote: bool("pre-vote"),
    enableV2: bool("enable-v2"),
    autoCompactionRetention: str("auto-compaction-retention"),
    autoCompactionMode: (mode === "" ? "periodic" : mode) as "periodic" | "revision",
    autoCompaction: undefined,
    clientTls: {
      certFile: str("cert-file"),
      keyFile: str("key-file"),
      clientCertAuth: bool("client-cert-auth"),
      trustedCaFile: str("trusted-ca-file"),
      crlFile: str("client-crl-file"),
      allowedHostname: str("client-cert-allowed-hostname"),
      allowedCn: "",
      autoTls: bool("auto-tls"),
      skipClientSanVerification: false,
    },
    peerTls: {
      certFile: str("peer-cert-file"),
      keyFile: str("peer-key-file"),
      clientCertAuth: bool("peer-client-cert-auth"),
      trustedCaFile: str("peer-trusted-ca-file"),
      crlFile: str("peer-crl-file"),
      allowedHostname: str("peer-cert-allowed-hostname"),
      allowedCn: str("peer-cert-allowed-cn"),
      autoTls: bool("peer-auto-tls"),
      skipClientSanVerification: bool("experimental-peer-skip-client-san-verification"),
    },
    cipherSuites: list("cipher-suites"),
    cors: list("cors"),
    hostWhitelist: list("host-whitelist"),
    authToken: str("auth-token"),
    bcryptCost: num("bcrypt-cost"),
    authTokenTtlSeconds: num("auth-token-ttl"),
    enablePprof: bool("enable-pprof"),
    metrics: str("metrics"),
    enableGrpcGateway: bool("enable-grpc-gateway"),
    logger: str("logger") as "zap" | "capnslog",
    logOutputs: list("log-outputs"),
    logLevel: str("log-level") as LogLevel,
    logPackageLevels: str("log-package-levels"),
    debug: bool("debug"),
    proxy: str("proxy") as "off" | "readonly" | "on",
    proxyFailureWaitMs: num("proxy-failure-wait"),
    proxyRefreshIntervalMs: num("proxy-refresh-interval"),
    proxyDialTimeoutMs: num("proxy-dial-timeout"),
    proxyWriteTimeoutMs: num("proxy-write-timeout"),
    proxyReadTimeoutMs: num("proxy-read-timeout"),
    experimentalInitialCorruptCheck: bool("experimental-initial-corrupt-check"),
    experimentalCorruptCheckTimeMs: num("experimental-corrupt-check-time"),
    experimentalEnableV2V3: str("experimental-enable-v2v3"),
    experimentalBackendFreelistType: str("experimental-backend-bbolt-freelist-type"),
    experimentalEnableLeaseCheckpoint: bool("experimental-enable-lease-checkpoint"),
    experimentalEnableLeaseCheckpointPersist: bool("experimental-enable-lease-checkpoint-persist"),
    experimentalCompactionBatchLimit: num("experimental-compaction-batch-limit"),
    experimentalWatchProgressNotifyIntervalMs: num("experimental-watch-progress-notify-interval"),
    experimentalWarningApplyDurationMs: num("experimental-warning-apply-duration"),
    unsafeNoFsync: bool("unsafe-no-fsync"),
    forceNewCluster: bool("force-new-cluster"),
  };
}

function get<T>(values: ReadonlyMap<string, FlagValue>, key: string, type: string): T {
  const v = values.get(key);
  const actual = Array.isArray(v) ? "array" : typeof v;
  if (actual !== type) throw new Error(`config: ${key} holds ${actual}, expected ${type}`);
  return v as T;
}

/** Is the v2 proxy (or a fallback to it) possible? Then advertise URLs are optional. */
export function mayBeProxy(cfg: ServerConfig): boolean {
  return cfg.proxy !== "off" || (cfg.discovery !== "" && cfg.discoveryFallback === "proxy");
}

/** The logging checks etcd runs first; throws ConfigInvalidError. */
export function validateLogging(cfg: ServerConfig): void {
  if (cfg.logger !== "zap" && cfg.logger !== "capnslog") {
    throw new ConfigInvalidError(`unknown logger option ${JSON.stringify(cfg.logger)}`);
  }
  if (cfg.logger === "capnslog") {
    if (cfg.logOutputs.length !== 1) {
      throw new ConfigInvalidError(
        `--logger=capnslog supports only 1 value in '--log-outputs', got [${cfg.logOutputs.map((o) => JSON.stringify(o)).join(" ")}]`,
      );
    }
    const out = cfg.logOutputs[0]!;
    if (!["stderr", "stdout", "default"].includes(out)) {
      throw new ConfigInvalidError(
        `unknown log-output ${JSON.stringify(out)} (only supports "default", "stderr", "stdout")`,
      );
    }
  } else if (cfg.logOutputs.length > 1 && cfg.logOutputs.includes("default")) {
    throw new ConfigInvalidError(`multi logoutput for "default" is not supported yet`);
  }
}

/** Is the level text one the logger accepts? etcd panics otherwise (see load.ts). */
export function logLevelKnown(cfg: ServerConfig): boolean {
  return isLogLevel(cfg.logLevel);
}

/**
 * etcd's Config.Validate after logging: URLs, bootstrap flags, timing, advertise URLs,
 * compaction mode, lease checkpoint flags. Throws ConfigInvalidError with etcd's text.
 * `proxyAllowed` (flags/env only) lets a possible proxy skip the advertise-client rule.
 */
export function validateServerConfig(cfg: ServerConfig, proxyAllowed: boolean): void {
  const fail = (m: string): never => {
    throw new ConfigInvalidError(m);
  };
  for (const urls of [cfg.listenPeerUrls, cfg.listenClientUrls, cfg.listenMetricsUrls]) {
    try {
      checkBindUrls(urls);
    } catch (err) {
      fail((err as Error).message);
    }
  }
  const apWhy = checkHostUrls(cfg.initialAdvertisePeerUrls);
  if (apWhy) {
    fail(
      `--initial-advertise-peer-urls ${JSON.stringify(cfg.initialAdvertisePeerUrls.join(","))} must be "host:port" (${apWhy})`,
    );
  }
  const acWhy = checkHostUrls(cfg.advertiseClientUrls);
  if (acWhy) {
    fail(
      `--advertise-client-urls ${JSON.stringify(cfg.advertiseClientUrls.join(","))} must be "host:port" (${acWhy})`,
    );
  }
  if (cfg.initialClusterState !== "new" && cfg.initialClusterState !== "existing") {
    fail(`unexpected clusterState ${JSON.stringify(cfg.initialClusterState)}`);
  }
  const bootstrapSources = [cfg.discovery, cfg.initialCluster, cfg.discoverySrv].filter(
    (s) => s !== "",
  );
  if (bootstrapSources.length > 1) fail(ERR_CONFLICT_BOOTSTRAP_FLAGS);
  if (cfg.heartbeatIntervalMs <= 0) {
    fail(`--heartbeat-interval must be >0 (set to ${cfg.heartbeatIntervalMs}ms)`);
  }
  if (cfg.electionTimeoutMs <= 0) {
    fail(`--election-timeout must be >0 (set to ${cfg.electionTimeoutMs}ms)`);
  }
  if (5 * cfg.heartbeatIntervalMs > cfg.electionTimeoutMs) {
    fail(
      `--election-timeout[${cfg.electionTimeoutMs}ms] should be at least as 5 times as --heartbeat-interval[${cfg.heartbeatIntervalMs}ms]`,
    );
  }
  if (cfg.electionTimeoutMs > MAX_ELECTION_TIMEOUT_MS) {
    fail(
      `--election-timeout[${cfg.electionTimeoutMs}ms] is too long, and should be set less than ${MAX_ELECTION_TIMEOUT_MS}ms`,
    );
  }
  if (
    cfg.listenClientUrls.length > 0 &&
    cfg.advertiseClientUrls.length === 0 &&
    !(proxyAllowed && mayBeProxy(cfg))
  ) {
    fail(ERR_UNSET_ADVERTISE_CLIENT_URLS);
  }
  if (cfg.autoCompactionMode !== "periodic" && cfg.autoCompactionMode !== "revision") {
    fail(`unknown auto-compaction-mode ${JSON.stringify(cfg.autoCompactionMode)}`);
  }
  if (cfg.experimentalEnableLeaseCheckpointPersist && !cfg.experimentalEnableLeaseCheckpoint) {
    fail(
      "setting experimental-enable-lease-checkpoint-persist requires experimental-enable-lease-checkpoint",
    );
  }
}

/**
 * --auto-compaction-retention: a bare integer is hours (periodic) or a revision count
 * (revision); anything else must be a Go duration. 0 turns compaction off.
 */
export function parseAutoCompaction(
  mode: "periodic" | "revision",
  retentionText: string,
): AutoCompaction | undefined {
  if (/^[+-]?\d+$/.test(retentionText) && Number(retentionText) >= 0) {
    const n = Number(retentionText);
    if (n === 0) return undefined;
    return mode === "revision"
      ? { mode, retentionText, revisions: n }
      : { mode, retentionText, periodMs: n * 3_600_000 };
  }
  let ms: number;
  try {
    ms = parseGoDurationMs(retentionText);
  } catch (err) {
    throw new ConfigInvalidError(`error parsing CompactionRetention: ${(err as Error).message}`);
  }
  if (ms === 0) return undefined;
  // A duration given in revision mode counts nanoseconds as revisions, as etcd does.
  return mode === "revision"
    ? { mode, retentionText, revisions: Math.round(ms * 1e6) }
    : { mode, retentionText, periodMs: ms };
}
