// The settings the member needs, in the member's own terms (units in names). The server
// command maps the parsed etcd configuration onto this.

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
