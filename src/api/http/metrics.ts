// The member's Prometheus metrics under etcd 3.4's names, in a registry of their own (not
// prom-client's global one, so several members can live in one process). The member holds
// the typed handles and updates them; GET /metrics renders the registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { CLUSTER_VERSION, ETCD_VERSION } from "../../version.js";

/** etcd's latency buckets: 1 ms doubling 14 times (up to ~8 s). */
const DISK_BUCKETS_S = Array.from({ length: 14 }, (_, i) => 0.001 * 2 ** i);

export interface ServerMetrics {
  readonly registry: Registry;
  readonly hasLeader: Gauge;
  readonly isLeader: Gauge;
  readonly isLearner: Gauge;
  readonly leaderChangesSeen: Counter;
  readonly proposalsCommitted: Gauge;
  readonly proposalsApplied: Gauge;
  readonly proposalsPending: Gauge;
  readonly proposalsFailed: Counter;
  readonly heartbeatSendFailures: Counter;
  readonly slowApply: Counter;
  readonly readIndexesFailed: Counter;
  readonly slowReadIndexes: Counter;
  readonly quotaBackendBytes: Gauge;
  readonly healthSuccess: Counter;
  readonly healthFailures: Counter;
  readonly snapshotApplyInProgress: Gauge;
  readonly learnerPromoteSuccesses: Counter;
  readonly walFsyncSeconds: Histogram;
  readonly walWriteBytes: Gauge;
  readonly backendCommitSeconds: Histogram;
  readonly backendDefragSeconds: Histogram;
  readonly backendSnapshotSeconds: Histogram;
  readonly snapFsyncSeconds: Histogram;
  readonly dbTotalSizeBytes: Gauge;
  readonly dbTotalSizeInUseBytes: Gauge;
  readonly debuggingDbTotalSizeBytes: Gauge;
  readonly mvccPutTotal: Counter;
  readonly mvccRangeTotal: Counter;
  readonly mvccDeleteTotal: Counter;
  readonly mvccTxnTotal: Counter;
  readonly keysTotal: Gauge;
  readonly currentRevision: Gauge;
  readonly compactRevision: Gauge;
  readonly watchStreamTotal: Gauge;
  readonly watcherTotal: Gauge;
  readonly slowWatcherTotal: Gauge;
  readonly leaseGranted: Counter;
  readonly leaseRevoked: Counter;
  readonly leaseRenewed: Counter;
  readonly leaseExpired: Counter;
  readonly grpcReceivedBytes: Counter;
  readonly grpcSentBytes: Counter;
  /** Sets etcd_server_id{server_id="<hex>"} 1 (replacing a previous id). */
  setServerId(hexId: string): void;
  /** Sets etcd_cluster_version{cluster_version="3.4"} 1 once the cluster version is decided. */
  setClusterVersion(majorMinor: string): void;
  /** Prometheus text format. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Adds process_* / nodejs_* collectors (default true). */
  processMetrics?: boolean;
}

export function createServerMetrics(opts: MetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers });
  const counter = (name: string, help: string) => new Counter({ name, help, registers });
  const histogram = (name: string, help: string) =>
    new Histogram({ name, help, buckets: DISK_BUCKETS_S, registers });

  const serverId = gauge(
    "etcd_server_id",
    "This member's id in hex, as the server_id label (value 1).",
    ["server_id"],
  );
  const serverVersion = gauge(
    "etcd_server_version",
    "Server version, as the server_version label (value 1).",
    ["server_version"],
  );
  serverVersion.labels({ server_version: ETCD_VERSION }).set(1);
  const goVersion = gauge(
    "etcd_server_go_version",
    "Runtime version, as the server_go_version label (value 1).",
    ["server_go_version"],
  );
  goVersion.labels({ server_go_version: `node${process.versions.node}` }).set(1);
  const clusterVersion = gauge(
    "etcd_cluster_version",
    "Cluster version, as the cluster_version label (value 1).",
    ["cluster_version"],
  );

  const metrics: ServerMetrics = {
    registry,
    hasLeader: gauge("etcd_server_has_leader", "1 while this member knows a leader, else 0."),
    isLeader: gauge("etcd_server_is_leader", "1 while this member is the leader, else 0."),
    isLearner: gauge("etcd_server_is_learner", "1 while this member is a learner, else 0."),
    leaderChangesSeen: counter(
      "etcd_server_leader_changes_seen_total",
      "Leader changes this member saw.",
    ),
    proposalsCommitted: gauge("etcd_server_proposals_committed_total", "Raft proposals committed."),
    proposalsApplied: gauge("etcd_server_proposals_applied_total", "Raft proposals applied."),
    proposalsPending: gauge("etcd_server_proposals_pending", "Proposals waiting to commit."),
    proposalsFailed: counter("etcd_server_proposals_failed_total", "Proposals that failed."),
    heartbeatSendFailures: counter(
      "etcd_server_heartbeat_send_failures_total",
      "Heartbeats the leader could not send.",
    ),
    slowApply: counter(
      "etcd_server_slow_apply_total",
      "Applies slower than the warning threshold.",
    ),
    readIndexesFailed: counter(
      "etcd_server_read_indexes_failed_total",
      "ReadIndex requests that failed.",
    ),
    slowReadIndexes: counter(
      "etcd_server_slow_read_indexes_total",
      "ReadIndex requests that timed out or lagged the leader.",
    ),
    quotaBackendBytes: gauge("etcd_server_quota_backend_bytes", "Backend size quota in bytes."),
    healthSuccess: counter("etcd_server_health_success", "Health checks that passed."),
    healthFailures: counter("etcd_server_health_failures", "Health checks that failed."),
    snapshotApplyInProgress: gauge(
      "etcd_server_snapshot_apply_in_progress_total",
      "1 while an incoming snapshot is being applied.",
    ),
    learnerPromoteSuccesses: counter(
      "etcd_server_learner_promote_successes",
      "Learners promoted while this member led.",
    ),
    walFsyncSeconds: histogram("etcd_disk_wal_fsync_duration_seconds", "Time taken by WAL fsyncs."),
    walWriteBytes: gauge("etcd_disk_wal_write_bytes_total", "Bytes written to the WAL."),
    backendCommitSeconds: histogram(
      "etcd_disk_backend_commit_duration_seconds",
      "Time taken by backend commits.",
    ),
    backendDefragSeconds: histogram(
      "etcd_disk_backend_defrag_duration_seconds",
      "Time taken by backend defragmentation.",
    ),
    backendSnapshotSeconds: histogram(
      "etcd_disk_backend_snapshot_duration_seconds",
      "Time taken to send a backend snapshot.",
    ),
    snapFsyncSeconds: histogram(
      "etcd_snap_fsync_duration_seconds",
      "Time taken by snapshot fsyncs.",
    ),
    dbTotalSizeBytes: gauge("etcd_mvcc_db_total_size_in_bytes", "Backend size on disk in bytes."),
    dbTotalSizeInUseBytes: gauge(
      "etcd_mvcc_db_total_size_in_use_in_bytes",
      "Backend bytes holding live data.",
    ),
    debuggingDbTotalSizeBytes: gauge(
      "etcd_debugging_mvcc_db_total_size_in_bytes",
      "Backend size on disk in bytes (older name).",
    ),
    mvccPutTotal: counter("etcd_mvcc_put_total", "Puts applied."),
    mvccRangeTotal: counter("etcd_mvcc_range_total", "Ranges served."),
    mvccDeleteTotal: counter("etcd_mvcc_delete_total", "Deletes applied."),
    mvccTxnTotal: counter("etcd_mvcc_txn_total", "Transactions applied."),
    keysTotal: gauge("etcd_debugging_mvcc_keys_total", "Keys in the store."),
    currentRevision: gauge("etcd_debugging_mvcc_current_revision", "Current store revision."),
    compactRevision: gauge("etcd_debugging_mvcc_compact_revision", "Last compacted revision."),
    watchStreamTotal: gauge("etcd_debugging_mvcc_watch_stream_total", "Open watch streams."),
    watcherTotal: gauge("etcd_debugging_mvcc_watcher_total", "Active watchers."),
    slowWatcherTotal: gauge("etcd_debugging_mvcc_slow_watcher_total", "Watchers behind the store."),
    leaseGranted: counter("etcd_debugging_lease_granted_total", "Leases granted."),
    leaseRevoked: counter("etcd_debugging_lease_revoked_total", "Leases revoked."),
    leaseRenewed: counter("etcd_debugging_lease_renewed_total", "Lease renewals."),
    leaseExpired: counter("etcd_debugging_server_lease_expired_total", "Leases that expired."),
    grpcReceivedBytes: counter(
      "etcd_network_client_grpc_received_bytes_total",
      "Bytes received from gRPC clients.",
    ),
    grpcSentBytes: counter(
      "etcd_network_client_grpc_sent_bytes_total",
      "Bytes sent to gRPC clients.",
    ),
    setServerId(hexId: string) {
      serverId.reset();
      serverId.labels({ server_id: hexId }).set(1);
    },
    setClusterVersion(majorMinor: string) {
      clusterVersion.reset();
      clusterVersion.labels({ cluster_version: majorMinor }).set(1);
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
  metrics.quotaBackendBytes.set(2 * 1024 * 1024 * 1024);
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return metrics;
}

/** "3.4.0" -> "3.4", the label etcd_cluster_version carries. */
export function clusterVersionLabel(version: string = CLUSTER_VERSION): string {
  return version.split(".").slice(0, 2).join(".");
}
