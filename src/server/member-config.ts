// The settings the member needs, in the member's own terms (units in names), and the
// mapping of the parsed etcd configuration onto them.
import type { ServerConfig } from "../config/server-config.js";
import { DEFAULT_QUOTA_BACKEND_BYTES } from "../config/server-config.js";
import { parseInitialCluster } from "../config/initial-cluster.js";

export interface MemberConfig {
  name: string;
  dataDir: string;
  /** Dedicated WAL directory; default <dataDir>/member/wal. */
  walDir?: string;
  snapshotCount: number;
  /** Entries kept in the raft log behind a snapshot, for slow followers. */
  snapshotCatchUpEntries: number;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  /** name → peer URLs, from --initial-cluster. */
  initialCluster: Map<string, string[]>;
  initialClusterToken: string;
  initialClusterState: "new" | "existing";
  initialAdvertisePeerUrls: string[];
  advertiseClientUrls: string[];
  listenClientUrls: string[];
  listenPeerUrls: string[];
  maxRequestBytes: number;
  maxTxnOps: number;
  quotaBackendBytes: number;
  preVote: boolean;
  strictReconfigCheck: boolean;
  maxSnapshots: number;
  maxWals: number;
  enableV2: boolean;
  autoCompactionMode: "periodic" | "revision";
  /** Raw retention text ("1", "5m", "1000"); "" or "0" disables auto compaction. */
  autoCompactionRetention: string;
  /** bcrypt cost of password hashes (--bcrypt-cost); default 10. */
  bcryptCost?: number;
  /** Life of an unused simple auth token (--auth-token-ttl); default 300. */
  authTokenTtlSeconds?: number;
  /** --auth-token: "simple" (the only kind served; others fall back to it). */
  authToken?: string;
  /** Member ids of the initial cluster computed by the caller (identical on every member). */
  forceNewCluster?: boolean;
}

export const DEFAULT_SNAPSHOT_CATCH_UP_ENTRIES = 5000;

/**
 * Entries kept behind a snapshot for slow followers. Not an etcd 3.4 flag; the chaos tests
 * lower it (TSCTL_SNAPSHOT_CATCHUP_ENTRIES) so lagging followers catch up by snapshot.
 */
function snapshotCatchUpEntries(): number {
  const text = process.env.TSCTL_SNAPSHOT_CATCHUP_ENTRIES;
  const n = text === undefined ? NaN : Number(text);
  return Number.isSafeInteger(n) && n >= 1 ? n : DEFAULT_SNAPSHOT_CATCH_UP_ENTRIES;
}

export function toMemberConfig(cfg: ServerConfig): MemberConfig {
  return {
    name: cfg.name,
    dataDir: cfg.dataDir,
    walDir: cfg.walDir === "" ? undefined : cfg.walDir,
    snapshotCount: cfg.snapshotCount,
    snapshotCatchUpEntries: snapshotCatchUpEntries(),
    heartbeatIntervalMs: cfg.heartbeatIntervalMs,
    electionTimeoutMs: cfg.electionTimeoutMs,
    initialCluster: parseInitialCluster(cfg.initialCluster),
    initialClusterToken: cfg.initialClusterToken,
    initialClusterState: cfg.initialClusterState,
    initialAdvertisePeerUrls: cfg.initialAdvertisePeerUrls,
    advertiseClientUrls: cfg.advertiseClientUrls,
    listenClientUrls: cfg.listenClientUrls,
    listenPeerUrls: cfg.listenPeerUrls,
    maxRequestBytes: cfg.maxRequestBytes,
    maxTxnOps: cfg.maxTxnOps,
    quotaBackendBytes:
      cfg.quotaBackendBytes === 0 ? DEFAULT_QUOTA_BACKEND_BYTES : cfg.quotaBackendBytes,
    preVote: cfg.preVote,
    strictReconfigCheck: cfg.strictReconfigCheck,
    maxSnapshots: cfg.maxSnapshots,
    maxWals: cfg.maxWals,
    enableV2: cfg.enableV2,
    autoCompactionMode: cfg.autoCompactionMode,
    autoCompactionRetention: cfg.autoCompactionRetention,
    forceNewCluster: cfg.forceNewCluster,
    bcryptCost: cfg.bcryptCost,
    authTokenTtlSeconds: cfg.authTokenTtlSeconds,
    authToken: cfg.authToken,
  };
}
