// PeerTransport: raft messages between the members of one cluster. Outbound, messages for a
// peer are coalesced per event-loop turn into one frame on that peer's long-lived HTTP/2
// stream, and MsgSnap travels on its own request; inbound, handler() serves the /raft/*
// endpoints that the other members' transports write to.
import type { Message, NodeId } from "../raft/types.js";
import { MessageType } from "../raft/types.js";
import * as raftCodec from "../raft/codec.js";
import { ETCD_VERSION } from "../version.js";
import {
  DEFAULTS,
  HEADER_CLUSTER_ID,
  HEADER_FROM,
  HEADER_SERVER_VERSION,
  HEADER_TO,
  emptyStats,
  idToHex,
} from "./common.js";
import type { MessageCodec, PeerTransportOptions, TransportStats } from "./common.js";
import { OutboundPeer } from "./outbound.js";
import { sendSnapshot } from "./snapshot.js";
import type { SnapshotTransfer } from "./snapshot.js";
import { handleRaftRequest } from "./inbound.js";
import type { InboundContext, PeerRequest, PeerResponse } from "./inbound.js";
import type { OutboundContext } from "./outbound.js";

export class PeerTransport {
  /** Counters since start; read-only for callers. */
  readonly stats: TransportStats = emptyStats();
  private readonly codec: MessageCodec;
  private readonly peers = new Map<NodeId, OutboundPeer>();
  private readonly outbound: OutboundContext;
  private readonly inbound: InboundContext;
  private readonly snapshots = new Map<NodeId, SnapshotTransfer>();
  private readonly dirty = new Set<OutboundPeer>();
  private readonly warnedUnknown = new Set<NodeId>();
  private flushScheduled = false;
  private stopped = false;

  constructor(private readonly opts: PeerTransportOptions) {
    this.codec = opts.codec ?? raftCodec;
    this.outbound = {
      localId: opts.localId,
      clusterId: opts.clusterId,
      logger: opts.logger,
      codec: this.codec,
      tls: opts.tls,
      stats: this.stats,
      maxQueueMessages: opts.maxQueueMessages ?? DEFAULTS.maxQueueMessages,
      maxQueueBytes: opts.maxQueueBytes ?? DEFAULTS.maxQueueBytes,
      maxBatchBytes: opts.maxBatchBytes ?? DEFAULTS.maxBatchBytes,
      dialTimeoutMs: opts.dialTimeoutMs ?? DEFAULTS.dialTimeoutMs,
      pingIntervalMs: opts.pingIntervalMs ?? DEFAULTS.pingIntervalMs,
      backoffInitialMs: opts.backoffInitialMs ?? DEFAULTS.backoffInitialMs,
      backoffMaxMs: opts.backoffMaxMs ?? DEFAULTS.backoffMaxMs,
      reportUnreachable: (id) => this.opts.onUnreachable?.(id),
      reportRemoved: (by) => this.opts.onRemovedFromCluster?.(by),
    };
    this.inbound = {
      localId: opts.localId,
      clusterId: opts.clusterId,
      logger: opts.logger,
      codec: this.codec,
      stats: this.stats,
      maxBatchBytes: opts.maxBatchBytes ?? DEFAULTS.maxBatchBytes,
      maxSnapshotBytes: opts.maxSnapshotBytes ?? DEFAULTS.maxSnapshotBytes,
      onMessages: (msgs) => this.opts.onMessages(msgs),
      isStopped: () => this.stopped,
      isRemoved: (id) => this.opts.isRemovedMember?.(id) ?? false,
      live: new Set(),
      liveFrom: new Map(),
    };
  }

  get localId(): NodeId {
    return this.opts.localId;
  }

  get clusterId(): bigint {
    return this.opts.clusterId;
  }

  /** Starts connecting to a peer. Adding a known peer updates its URLs. */
  addPeer(id: NodeId, urls: string[]): void {
    if (id === this.opts.localId)
      throw new Error(`cannot add the local member ${idToHex(id)} as a peer`);
    if (this.stopped) return;
    const existing = this.peers.get(id);
    if (existing !== undefined) {
      existing.setUrls(urls);
      return;
    }
    this.peers.set(id, new OutboundPeer(id, urls, this.outbound));
    this.warnedUnknown.delete(id);
    this.opts.logger.info("added remote peer", {
      "local-member-id": idToHex(this.opts.localId),
      "remote-peer-id": idToHex(id),
      "remote-peer-urls": urls,
    });
  }

  updatePeer(id: NodeId, urls: string[]): void {
    const peer = this.peers.get(id);
    if (peer === undefined) {
      this.addPeer(id, urls);
      return;
    }
    peer.setUrls(urls);
  }

  removePeer(id: NodeId): void {
    const peer = this.peers.get(id);
    if (peer === undefined) return;
    this.peers.delete(id);
    this.dirty.delete(peer);
    this.snapshots.get(id)?.abort("peer removed");
    void peer.stop();
    // Its open streams to us go too: when it reconnects it is refused with 410 and learns
    // it was removed (a member cut off when its removal committed never applies it).
    for (const cancel of this.inbound.liveFrom.get(id) ?? []) cancel();
    this.inbound.liveFrom.delete(id);
    this.opts.logger.info("removed remote peer", {
      "local-member-id": idToHex(this.opts.localId),
      "remote-peer-id": idToHex(id),
    });
  }

  /** True while the stream to the peer is open. */
  isActive(id: NodeId): boolean {
    return this.peers.get(id)?.active ?? false;
  }

  /**
   * Queues messages; never blocks. Messages for one peer sent during one event-loop turn go
   * out as one frame. A message that cannot be queued (peer down, queue full) is dropped and
   * the peer reported unreachable: raft retransmits.
   */
  send(msgs: Message[]): void {
    if (this.stopped) return;
    let unreachable: Set<NodeId> | undefined;
    for (const msg of msgs) {
      if (msg.type === MessageType.Snap) {
        this.startSnapshot(msg);
        continue;
      }
      const peer = this.peers.get(msg.to);
      if (peer === undefined) {
        this.stats.messagesDropped++;
        this.warnUnknown(msg.to);
        continue;
      }
      if (peer.enqueue(msg)) {
        this.dirty.add(peer);
      } else {
        this.stats.messagesDropped++;
        (unreachable ??= new Set()).add(msg.to);
      }
    }
    if (unreachable !== undefined) {
      for (const id of unreachable) this.opts.onUnreachable?.(id);
    }
    if (this.dirty.size > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** The peer-side receive endpoints (/raft/...), to mount on the peer listener. */
  handler(): (req: PeerRequest, res: PeerResponse) => void {
    return (req, res) => handleRaftRequest(this.inbound, req, res);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.dirty.clear();
    for (const transfer of this.snapshots.values()) transfer.abort("transport stopped");
    for (const cancel of this.inbound.live) cancel();
    this.inbound.live.clear();
    const peers = [...this.peers.values()];
    this.peers.clear();
    await Promise.all(peers.map((p) => p.stop()));
  }

  private flush(): void {
    this.flushScheduled = false;
    const peers = [...this.dirty];
    this.dirty.clear();
    for (const peer of peers) peer.flush();
  }

  private startSnapshot(msg: Message): void {
    const id = msg.to;
    const peer = this.peers.get(id);
    const report = (ok: boolean): void => this.opts.onSnapshotStatus?.(id, ok);
    if (peer === undefined || msg.snapshot === undefined) {
      this.warnUnknown(id);
      this.stats.snapshotsFailed++;
      report(false);
      return;
    }
    if (this.snapshots.has(id)) {
      this.opts.logger.warn("dropped a snapshot: one is already being sent to this peer", {
        "remote-peer-id": idToHex(id),
      });
      this.stats.snapshotsFailed++;
      report(false);
      return;
    }
    const fields = {
      "remote-peer-id": idToHex(id),
      "snapshot-index": msg.snapshot.metadata.index,
      "snapshot-size": msg.snapshot.data.length,
    };
    this.opts.logger.info("sending database snapshot", fields);
    const transfer = sendSnapshot({
      url: peer.currentUrl,
      msg,
      codec: this.codec,
      tls: this.opts.tls,
      idleTimeoutMs: this.opts.snapshotIdleTimeoutMs ?? DEFAULTS.snapshotIdleTimeoutMs,
      headers: {
        "content-type": "application/octet-stream",
        [HEADER_CLUSTER_ID]: idToHex(this.opts.clusterId),
        [HEADER_FROM]: idToHex(this.opts.localId),
        [HEADER_TO]: idToHex(id),
        [HEADER_SERVER_VERSION]: ETCD_VERSION,
      },
    });
    this.snapshots.set(id, transfer);
    transfer.done.then(
      () => {
        this.snapshots.delete(id);
        this.stats.snapshotsSent++;
        this.opts.logger.info("sent database snapshot", fields);
        report(true);
      },
      (err: Error) => {
        this.snapshots.delete(id);
        this.stats.snapshotsFailed++;
        if (this.stopped) return;
        this.opts.logger.warn("failed to send database snapshot", {
          ...fields,
          error: err.message,
        });
        this.opts.onUnreachable?.(id);
        report(false);
      },
    );
  }

  private warnUnknown(id: NodeId): void {
    if (this.warnedUnknown.has(id)) return;
    this.warnedUnknown.add(id);
    this.opts.logger.warn("ignored message send request; unknown remote peer target", {
      "local-member-id": idToHex(this.opts.localId),
      "remote-peer-id": idToHex(id),
    });
  }
}
