// The HTTP/1.1 side of the member's client port: /version, /health, /metrics, and the v3
// JSON gateway, wired to this member's state.
import {
  createClientHttpRouter,
  createServerMetrics,
  goError,
  type HealthProbe,
} from "../api/http/index.js";
import type { HttpHandler } from "../api/listener.js";
import { createGatewayHandler } from "../api/http/gateway.js";
import * as pb from "../proto/index.js";
import { CLUSTER_VERSION } from "../version.js";
import type { EtcdServer } from "./etcd-server.js";
import type { MemberConfig } from "./member-config.js";
import { GRPC_OVERHEAD_BYTES } from "./etcd-server.js";
import { createMemberV2Handler } from "./v2-http.js";

/** How long /health waits for a quorum read, as etcd's health handler does. */
const HEALTH_QUORUM_TIMEOUT_MS = 1000;

export interface ClientHttp {
  handler: HttpHandler;
  /** For --listen-metrics-urls listeners: /metrics and /health only. */
  metricsHandler: HttpHandler;
  /** Stops the metrics refresh (before the member's database closes). */
  close(): void;
}

export function createClientHttp(s: EtcdServer, cfg: MemberConfig): ClientHttp {
  const metrics = createServerMetrics();
  metrics.setServerId(s.memberId.toString(16));
  metrics.setClusterVersion(CLUSTER_VERSION.split(".").slice(0, 2).join("."));
  const refresh = () => {
    metrics.hasLeader.set(s.member.leaderId !== 0n ? 1 : 0);
    metrics.isLeader.set(s.member.isLeader ? 1 : 0);
    metrics.isLearner.set(s.member.isLearner ? 1 : 0);
    metrics.proposalsCommitted.set(s.member.committedIndex);
    metrics.proposalsApplied.set(s.member.applied);
    metrics.quotaBackendBytes.set(cfg.quotaBackendBytes);
    metrics.dbTotalSizeBytes.set(s.kv.store.dbSizeBytes());
    metrics.currentRevision.set(s.kv.store.currentRevision);
    metrics.compactRevision.set(Math.max(0, s.kv.store.compactRevision));
  };
  refresh();
  const refreshTimer = setInterval(refresh, 1000);
  refreshTimer.unref();

  const healthProbe: HealthProbe = async ({ excludedAlarms }) => {
    const alarms = s.kv.alarms().filter((a) => !excludedAlarms.has(pb.AlarmType[a.alarm]));
    if (alarms.length > 0)
      return { health: false, reason: `alarm ${pb.AlarmType[alarms[0]!.alarm]}` };
    if (s.member.leaderId === 0n) return { health: false, reason: "no leader" };
    try {
      await Promise.race([
        s.member.linearizableRead(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("quorum read timed out")), HEALTH_QUORUM_TIMEOUT_MS),
        ),
      ]);
    } catch (err) {
      return { health: false, reason: (err as Error).message };
    }
    return { health: true };
  };

  const router = createClientHttpRouter({
    clusterVersion: () => CLUSTER_VERSION,
    healthProbe,
    metrics,
  });
  const gateway = createGatewayHandler(s, cfg.maxRequestBytes + GRPC_OVERHEAD_BYTES);
  const v3: HttpHandler = (req, res) => {
    if (!gateway(req, res)) goError(res, 404, "404 page not found");
  };
  router.mountPrefix("/v3/", v3);
  router.mountPrefix("/v3beta/", v3);
  if (cfg.enableV2) router.mountPrefix("/v2/", createMemberV2Handler(s));
  const metricsRouter = createClientHttpRouter({
    clusterVersion: () => CLUSTER_VERSION,
    healthProbe,
    metrics,
    metricsOnly: true,
  });
  return {
    handler: router.handler,
    metricsHandler: metricsRouter.handler,
    close: () => clearInterval(refreshTimer),
  };
}
