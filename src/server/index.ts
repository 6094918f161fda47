// Starts a member from a validated ServerConfig: data dir, raft member, state machine, peer
// transport and listeners, the v3 gRPC services and HTTP endpoints on the client URLs.
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as pb from "../proto/index.js";
import type { ServerConfig } from "../config/server-config.js";
import type { Logger } from "../log/logger.js";
import {
  PeerTransport,
  startPeerListener,
  fetchClusterMembers,
  type PeerListener,
} from "../transport/index.js";
import { startClientListener, type ClientListener } from "../api/listener.js";
import { kvService, clusterService, maintenanceService } from "../api/grpc/services.js";
import { KVServiceWithDirectRange } from "../api/grpc/kv-encode.js";
import { watchService } from "../api/grpc/watch.js";
import { WatchServiceWithRawResponses } from "../api/grpc/watch-encode.js";
import { leaseService } from "../api/grpc/lease.js";
import { lockService } from "../api/grpc/lock.js";
import { electionService } from "../api/grpc/election.js";
import { authService } from "../api/grpc/auth.js";
import { AuthApi } from "../auth/api.js";
import { guardMaintenance, guardServer, guardWatch, withAuthContext } from "../auth/guard.js";
import { createClientHttp } from "./http.js";
import { leasePeerRoute } from "./lease-forward.js";
import { Member } from "./member.js";
import { EtcdServer, GRPC_OVERHEAD_BYTES } from "./etcd-server.js";
import { KvStateMachine } from "./kv-state-machine.js";
import { toMemberConfig } from "./member-config.js";
import {
  checkListenTls,
  clientListenerTls,
  listenTarget,
  peerClientTls,
  peerServerTls,
} from "./listen-targets.js";
import { checkIntervalFromEnv, startAutoCompaction } from "./auto-compaction.js";
import { resolveDiscovery } from "./discovery.js";
import { resolveDiscoverySrv } from "./discovery-srv.js";
import { alreadyBootstrapped } from "./bootstrap-check.js";

export interface RunningMember {
  readonly member: Member;
  readonly server: EtcdServer;
  /** Bound client ports, in --listen-client-urls order. */
  readonly clientPorts: number[];
  readonly peerPorts: number[];
  /** Bound --listen-metrics-urls ports. */
  readonly metricsPorts: number[];
  stop(): Promise<void>;
}

export interface StartOptions {
  /** End the process once this member is removed from the cluster (the CLI does). */
  exitOnRemoval?: boolean;
}

export async function startMember(
  cfg: ServerConfig,
  logger: Logger,
  opts: StartOptions = { exitOnRemoval: true },
): Promise<RunningMember> {
  checkListenTls(cfg);
  cfg = await resolveDiscoverySrv(await resolveDiscovery(cfg, logger));
  const mcfg = toMemberConfig(cfg);
  const peerListeners: PeerListener[] = [];
  const clientListeners: ClientListener[] = [];
  let transport: PeerTransport | undefined;
  const peerDialTls = peerClientTls(cfg.peerTls);
  if (
    mcfg.initialClusterState === "new" &&
    !existsSync(mcfg.walDir ?? join(mcfg.dataDir, "member", "wal"))
  ) {
    const problem = await alreadyBootstrapped(mcfg, peerDialTls);
    if (problem !== undefined) throw new Error(problem);
  }

  const member = await Member.start(mcfg, logger, {
    openStateMachine: (dbPath) => KvStateMachine.open(dbPath, mcfg, logger),
    createTransport: (localId, clusterId, handlers) => {
      transport = new PeerTransport({
        localId,
        clusterId,
        logger: logger.child("rafthttp"),
        onMessages: handlers.onMessages,
        onUnreachable: handlers.onUnreachable,
        onSnapshotStatus: handlers.onSnapshotStatus,
        isRemovedMember: handlers.isRemovedMember,
        onRemovedFromCluster: handlers.onRemovedFromCluster,
        tls: peerDialTls,
      });
      return transport;
    },
    fetchExistingCluster: async () => {
      const peers = [...mcfg.initialCluster.values()]
        .flat()
        .filter((u) => !mcfg.initialAdvertisePeerUrls.includes(u));
      const fetched = await fetchClusterMembers(peers, 5000, peerDialTls);
      return {
        clusterId: fetched.clusterId,
        members: fetched.members.map((m) => ({ ...m, isLearner: m.isLearner ?? false })),
      };
    },
  });
  const kv = member.state as KvStateMachine;
  const server = new EtcdServer(member, kv);
  kv.attach(member);

  for (const url of mcfg.listenPeerUrls) {
    const { host, port, secure } = listenTarget(url);
    peerListeners.push(
      await startPeerListener({
        host,
        port,
        tls: secure ? peerServerTls(cfg.peerTls, url) : undefined,
        transport: transport!,
        routes: {
          members: () => member.cluster.list(),
          promote: async (id) => {
            await server.memberPromote({ ID: id });
            return member.cluster.list();
          },
          other: leasePeerRoute({
            keepAlive: (req) => server.leaseKeepAlive(req),
            timeToLive: (req) => server.leaseTimeToLive(req),
          }),
        },
        logger,
      }),
    );
  }

  const grpcServer = new grpc.Server({
    "grpc.max_receive_message_length": mcfg.maxRequestBytes + GRPC_OVERHEAD_BYTES,
    "grpc.max_send_message_length": 2 ** 31 - 1,
    "grpc.max_concurrent_streams": Math.min(cfg.maxConcurrentStreams, 2 ** 31 - 1),
    "grpc.keepalive_permit_without_calls": 1,
  });
  // Clients reach the member through `guarded`, which enforces auth (src/auth/guard.ts).
  const authApi = new AuthApi(server, mcfg.bcryptCost);
  const guarded = guardServer(server, authApi);
  grpcServer.addService(KVServiceWithDirectRange, withAuthContext(kvService(guarded)));
  grpcServer.addService(
    WatchServiceWithRawResponses,
    guardWatch(watchService(guarded, cfg.experimentalWatchProgressNotifyIntervalMs), authApi),
  );
  grpcServer.addService(pb.LeaseService, withAuthContext(leaseService(guarded)));
  grpcServer.addService(pb.ClusterService, withAuthContext(clusterService(guarded)));
  grpcServer.addService(
    pb.MaintenanceService,
    guardMaintenance(maintenanceService(guarded), authApi),
  );
  grpcServer.addService(pb.LockService, withAuthContext(lockService(guarded)));
  grpcServer.addService(pb.ElectionService, withAuthContext(electionService(guarded)));
  grpcServer.addService(pb.AuthService, authService(authApi));
  const clientHttp = createClientHttp(guarded, mcfg);
  const httpHandler = clientHttp.handler;

  for (const url of mcfg.listenClientUrls) {
    const { host, port, socketPath, secure } = listenTarget(url);
    const tls = secure ? clientListenerTls(cfg.clientTls, url) : undefined;
    clientListeners.push(
      await startClientListener({ host, port, socketPath, tls, grpcServer, httpHandler }),
    );
  }
  const metricsListeners: ClientListener[] = [];
  for (const url of cfg.listenMetricsUrls) {
    const { host, port, socketPath, secure } = listenTarget(url);
    const tls = secure ? clientListenerTls(cfg.clientTls, url) : undefined;
    metricsListeners.push(
      await startClientListener({
        host,
        port,
        socketPath,
        tls,
        httpHandler: clientHttp.metricsHandler,
      }),
    );
  }
  const autoCompaction = startAutoCompaction(cfg.autoCompaction, {
    isLeader: () => member.isLeader,
    currentRevision: () => kv.store.currentRevision,
    compact: async (revision) => {
      await server.compact({ revision: BigInt(revision), physical: false });
    },
    logger: logger.child("compactor"),
    checkIntervalMs: checkIntervalFromEnv(),
  });
  // Tell the cluster our name and client URLs (etcd publishes member attributes after start).
  void kv.publishAttributes(member, mcfg.name, mcfg.advertiseClientUrls);
  logger.info("serving client traffic", { urls: mcfg.listenClientUrls });

  let stopping: Promise<void> | undefined;
  const running: RunningMember = {
    member,
    server,
    clientPorts: clientListeners.map((l) => l.port),
    peerPorts: peerListeners.map((l) => l.port),
    metricsPorts: metricsListeners.map((l) => l.port),
    stop() {
      stopping ??= (async () => {
        autoCompaction.stop();
        clientHttp.close();
        await member.stop();
        grpcServer.forceShutdown();
        await Promise.all(
          [...clientListeners, ...metricsListeners, ...peerListeners].map((l) => l.close()),
        );
      })();
      return stopping;
    },
  };
  // A removed member has nothing left to serve: stop, and end the process if we own it.
  member.onRemoved = () => {
    void running.stop().then(() => {
      if (opts.exitOnRemoval) process.exit(0);
    });
  };
  return running;
}
