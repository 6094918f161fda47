// One etcd member: the raft node, its WAL and snapshots, the applied state machine and the
// peer transport, driven by a single Ready loop on the event loop. Client-facing services
// call propose()/linearizableRead() and get answers after their entry is applied.
import { mkdirSync, existsSync } from "node:fs";
import {
  RawNode,
  MemoryStorage,
  ErrProposalDropped,
  sendableBeforePersist,
  encodeConfChange,
  decodeConfChange,
  type Ready,
  type SoftState,
} from "../raft/index.js";
import {
  ConfChangeType,
  EntryType,
  MessageType,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type Snapshot,
} from "../raft/types.js";
import { Wal } from "../wal/index.js";
import { lockDir, type DirLock } from "../wal/lock.js";
import { Snapshotter } from "../snap/index.js";
import { PeerTransport } from "../transport/index.js";
import { ClusterMembership, type MemberInfo } from "../membership/cluster.js";
import type { Logger } from "../log/logger.js";
import { EtcdError, GrpcCode, etcdError } from "../errors.js";
import { WaitRegistry } from "./wait.js";
import { ReadIndexBatcher } from "./read-index.js";
import { decodeEnvelope, encodeEnvelope, RequestKind } from "./envelope.js";
import { decodeSnapshotData, encodeSnapshotData } from "./snapshot-data.js";
import {
  bootstrapNewCluster,
  decodeWalMetadata,
  encodeWalMetadata,
  memberPaths,
  planNewCluster,
} from "./data-dir.js";
import type { MemberConfig } from "./member-config.js";
import { validateJoin } from "./join-validation.js";
import { forceNewClusterLog } from "./force-new-cluster.js";
import type { StateMachine, ApplyResult } from "./state-machine.js";

/** The leader's lease on its own clock for proposals (no waiting for a leader forever). */
function requestTimeoutMs(cfg: MemberConfig): number {
  return 5000 + 2 * cfg.electionTimeoutMs;
}

export interface MemberDeps {
  openStateMachine(dbPath: string): StateMachine;
  createTransport(localId: bigint, clusterId: bigint, handlers: TransportHandlers): PeerTransport;
  /** For --initial-cluster-state existing: the cluster as the running members see it. */
  fetchExistingCluster?(): Promise<{ clusterId: bigint; members: MemberInfo[] }>;
}

interface ProposeOptions {
  /** Reject with this error instead of waiting when there is no leader. */
  failFastWithoutLeader?: boolean;
}

export class Member {
  readonly id: bigint;
  readonly clusterId: bigint;
  readonly cluster: ClusterMembership;
  readonly raftStorage: MemoryStorage;
  private readonly raft: RawNode;
  private readonly dbLock: DirLock;
  private readonly waits = new WaitRegistry<ApplyResult>();
  private readonly readIndex: ReadIndexBatcher;
  private readonly appliedWaiters: Array<{ index: number; resolve(): void }> = [];
  private readonly leaderWaiters: Array<() => void> = [];
  private tickTimer: NodeJS.Timeout | undefined;
  private readyScheduled = false;
  private readyRunning = false;
  private stopped = false;
  private softState: SoftState;
  private hardState: HardState;
  private confState: ConfState;
  private appliedIndex: number;
  private snapshotIndex: number;
  private leaderChangedCount = 0;
  /** Resolvers of in-flight conf-change proposals, keyed by ConfChange.id. */
  private readonly confChangeWaiters = new Map<bigint, (members: MemberInfo[]) => void>();
  private nextConfChangeId = 1n;
  /** Called once this member has applied its own removal; the owner stops it. */
  onRemoved: () => void = () => void this.stop();

  private constructor(
    readonly cfg: MemberConfig,
    readonly logger: Logger,
    readonly wal: Wal,
    readonly snapshotter: Snapshotter,
    readonly state: StateMachine,
    readonly transport: PeerTransport,
    init: {
      dbLock: DirLock;
      id: bigint;
      clusterId: bigint;
      cluster: ClusterMembership;
      storage: MemoryStorage;
      applied: number;
      snapshotIndex: number;
      confState: ConfState;
      hardState: HardState;
    },
  ) {
    this.dbLock = init.dbLock;
    this.id = init.id;
    this.clusterId = init.clusterId;
    this.cluster = init.cluster;
    this.raftStorage = init.storage;
    this.appliedIndex = init.applied;
    this.snapshotIndex = init.snapshotIndex;
    this.confState = init.confState;
    this.hardState = init.hardState;
    const electionTick = Math.max(1, Math.round(cfg.electionTimeoutMs / cfg.heartbeatIntervalMs));
    this.raft = new RawNode({
      id: this.id,
      electionTick,
      heartbeatTick: 1,
      storage: init.storage,
      applied: init.applied,
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 4096 / 8,
      preVote: cfg.preVote,
      checkQuorum: true,
      readOnlyOption: "safe",
      random: Math.random,
      logger: {
        info: (msg) => logger.info(msg),
        warn: (msg) => logger.warn(msg),
      },
    });
    this.softState = this.raft.status().softState;
    this.readIndex = new ReadIndexBatcher(
      {
        requestReadIndex: (ctx) => {
          this.raft.readIndex(ctx);
          this.scheduleReady();
        },
        waitApplied: (index) => this.waitApplied(index),
      },
      cfg.electionTimeoutMs,
    );
    for (const m of this.cluster.list()) {
      if (m.id !== this.id) this.transport.addPeer(m.id, m.peerURLs);
    }
  }

  /**
   * Opens (or creates) the member's data dir and starts raft: a new member of a new cluster
   * bootstraps from --initial-cluster; a restarted member replays its snapshot and WAL.
   */
  static async start(cfg: MemberConfig, logger: Logger, deps: MemberDeps): Promise<Member> {
    const { snapDir } = memberPaths(cfg.dataDir, cfg.walDir);
    mkdirSync(snapDir, { recursive: true });
    // Held for the member's life, next to the database: offline tools (defrag --data-dir)
    // wait for it, so they never rewrite a database a running member has open.
    const dbLock = lockDir(snapDir);
    try {
      return await Member.startLocked(cfg, logger, deps, dbLock);
    } catch (err) {
      dbLock.release();
      throw err;
    }
  }

  private static async startLocked(
    cfg: MemberConfig,
    logger: Logger,
    deps: MemberDeps,
    dbLock: DirLock,
  ): Promise<Member> {
    const { memberDir, walDir, snapDir, dbPath } = memberPaths(cfg.dataDir, cfg.walDir);
    const snapshotter = new Snapshotter(snapDir, { maxSnapshots: cfg.maxSnapshots });
    const handlers = new TransportHandlers();
    const storage = new MemoryStorage();

    let id: bigint;
    let freshCluster = false;
    let clusterId: bigint;
    let cluster: ClusterMembership;
    let wal: Wal;
    let applied = 0;
    let snapshotIndex = 0;
    let confState: ConfState = { voters: [], learners: [] };
    let hardState: HardState = { term: 0, vote: 0n, commit: 0 };
    let state: StateMachine;

    if (Wal.exists(walDir)) {
      // Only snapshots the WAL has a marker for: a crash between writing a snapshot file
      // and its WAL marker leaves a file the log cannot continue from.
      const snapshot = await snapshotter.loadNewestAvailable(
        await Wal.validSnapshotMarkers(walDir),
      );
      const opened = await Wal.open(walDir, {
        logger,
        maxWals: cfg.maxWals,
        fromSnapshot: snapshot
          ? { index: snapshot.metadata.index, term: snapshot.metadata.term }
          : undefined,
      });
      wal = opened.wal;
      ({ memberId: id, clusterId } = decodeWalMetadata(opened.metadata));
      logger.info("restarting member", {
        "member-id": id.toString(16),
        "cluster-id": clusterId.toString(16),
      });
      state = deps.openStateMachine(dbPath);
      cluster = new ClusterMembership(clusterId);
      if (snapshot) {
        const decoded = decodeSnapshotData(snapshot.data);
        cluster = ClusterMembership.fromJSON(
          decoded.state.cluster as Parameters<typeof ClusterMembership.fromJSON>[0],
        );
        if (state.consistentIndex() < snapshot.metadata.index) {
          if (!decoded.db) {
            throw new Error(
              `data dir ${cfg.dataDir}: the KV database (consistent index ${state.consistentIndex()}) is behind snapshot ${snapshot.metadata.index}, which carries no database to restore from`,
            );
          }
          state = state.restoreFrom(decoded.db);
        }
        state.restoreAuxiliary(decoded.state);
        storage.applySnapshot(snapshot);
        applied = snapshot.metadata.index;
        snapshotIndex = snapshot.metadata.index;
        confState = snapshot.metadata.confState;
      }
      let entries = opened.entries;
      hardState = opened.hardState;
      if (cfg.forceNewCluster) {
        const forced = forceNewClusterLog({
          selfId: id,
          confState,
          entries,
          hardState,
          snapshotIndex,
          snapshotTerm: snapshot?.metadata.term ?? 0,
        });
        await wal.save(forced.hardState, forced.appended);
        entries = forced.entries;
        hardState = forced.hardState;
        logger.warn("forcing restart as a single-member cluster", {
          "removed-member-ids": forced.removed.map((m) => m.toString(16)),
        });
      }
      storage.append(entries);
      storage.setHardState(hardState);
    } else {
      state = deps.openStateMachine(dbPath);
      if (cfg.initialClusterState === "existing") {
        if (!deps.fetchExistingCluster)
          throw new Error("joining an existing cluster needs its peer URLs");
        const existing = await deps.fetchExistingCluster();
        clusterId = existing.clusterId;
        const joinProblem = validateJoin(clusterId, existing.members, cfg.initialCluster);
        if (joinProblem !== undefined) throw new Error(joinProblem);
        const self = existing.members.find(
          (m) =>
            m.peerURLs.slice().sort().join(",") ===
            cfg.initialAdvertisePeerUrls.slice().sort().join(","),
        );
        if (!self) {
          throw new EtcdError(
            GrpcCode.NOT_FOUND,
            `error validating peerURLs {ClusterID:${clusterId.toString(16)} Members:[...] RemovedMemberIDs:[]}: member count is unequal`,
          );
        }
        id = self.id;
        cluster = new ClusterMembership(clusterId);
        for (const m of existing.members) cluster.add(m);
        // A joining member starts with an empty log; the leader sends it a snapshot.
        wal = await Wal.create(walDir, encodeWalMetadata(id, clusterId), {
          maxWals: cfg.maxWals,
        });
      } else {
        const plan = planNewCluster(
          cfg.initialCluster,
          cfg.initialClusterToken,
          cfg.initialAdvertisePeerUrls,
        );
        id = plan.selfId;
        clusterId = plan.clusterId;
        freshCluster = true;
        const boot = await bootstrapNewCluster(plan, state, {
          walDir,
          snapshotter,
          maxWals: cfg.maxWals,
        });
        wal = boot.wal;
        cluster = boot.cluster;
        storage.applySnapshot(boot.snapshot);
        applied = boot.snapshot.metadata.index;
        snapshotIndex = boot.snapshot.metadata.index;
        confState = boot.confState;
        hardState = boot.hardState;
        storage.setHardState(hardState);
      }
      logger.info("starting new member", {
        "member-id": id.toString(16),
        "cluster-id": clusterId.toString(16),
      });
    }
    if (!existsSync(memberDir)) mkdirSync(memberDir, { recursive: true });

    const transport = deps.createTransport(id, clusterId, handlers);
    const member = new Member(cfg, logger, wal, snapshotter, state, transport, {
      dbLock,
      id,
      clusterId,
      cluster,
      storage,
      applied,
      snapshotIndex,
      confState,
      hardState,
    });
    handlers.bind(member);
    member.startTicking(freshCluster);
    return member;
  }

  // ---- client-facing API ---------------------------------------------------------------

  get leaderId(): bigint {
    return this.softState.lead;
  }

  get isLeader(): boolean {
    return this.softState.raftState === "leader";
  }

  get term(): number {
    return this.hardState.term;
  }

  get raftIndex(): number {
    return this.raftStorage.lastIndex();
  }

  get committedIndex(): number {
    return this.hardState.commit;
  }

  get applied(): number {
    return this.appliedIndex;
  }

  get isLearner(): boolean {
    return this.cluster.get(this.id)?.isLearner ?? false;
  }

  get leaderChanges(): number {
    return this.leaderChangedCount;
  }

  /**
   * Proposes a request and resolves with its apply result on this member. Rejects with
   * etcd's timeout error if it is not applied in time.
   */
  async propose(
    kind: RequestKind,
    payload: Uint8Array,
    opts: ProposeOptions = {},
  ): Promise<ApplyResult> {
    this.assertRunning();
    if (opts.failFastWithoutLeader && this.leaderId === 0n) throw etcdError("NoLeader");
    const { seq, promise } = this.waits.register();
    const data = encodeEnvelope({ proposer: this.id, seq, kind, nowMs: Date.now(), payload });
    const deadline = Date.now() + requestTimeoutMs(this.cfg);
    const timer = setTimeout(() => {
      this.waits.fail(seq, etcdError("Timeout"));
    }, requestTimeoutMs(this.cfg));
    try {
      await this.proposeUntilAccepted(data, deadline);
      return await promise;
    } catch (err) {
      this.waits.fail(seq, err as Error);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Proposes a conf change and resolves with the membership after it is applied. */
  async proposeConfChange(type: ConfChangeType, member: MemberInfo): Promise<MemberInfo[]> {
    this.assertRunning();
    const ccId = ((this.id & 0xffffn) << 48n) | this.nextConfChangeId++;
    const cc: ConfChange = {
      id: ccId,
      type,
      nodeId: member.id,
      context: Buffer.from(JSON.stringify({ ...member, id: member.id.toString() })),
    };
    const applied = new Promise<MemberInfo[]>((resolve) =>
      this.confChangeWaiters.set(ccId, resolve),
    );
    const deadline = Date.now() + requestTimeoutMs(this.cfg);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(etcdError("Timeout")), requestTimeoutMs(this.cfg));
    });
    try {
      await this.retryUntilAccepted(() => this.raft.proposeConfChange(cc), deadline);
      return await Promise.race([applied, timeout]);
    } finally {
      clearTimeout(timer);
      this.confChangeWaiters.delete(ccId);
    }
  }

  /** Resolves when a read started now can be served from local state linearizably. */
  linearizableRead(): Promise<void> {
    this.assertRunning();
    return this.readIndex.barrier();
  }

  /** Leadership transfer: resolves once `transferee` is leader, or times out. */
  async moveLeader(transferee: bigint): Promise<void> {
    if (!this.isLeader) throw etcdError("NotLeader");
    const target = this.cluster.get(transferee);
    if (!target || target.isLearner) throw etcdError("BadLeaderTransferee");
    this.raft.transferLeader(transferee);
    this.scheduleReady();
    const deadline = Date.now() + requestTimeoutMs(this.cfg);
    while (this.leaderId !== transferee) {
      if (Date.now() > deadline)
        throw new EtcdError(
          GrpcCode.UNAVAILABLE,
          "etcdserver: request timed out, leader transfer took too long",
        );
      await new Promise((r) => setTimeout(r, this.cfg.heartbeatIntervalMs));
    }
  }

  /** Resolves once this member sees a leader (or after timeoutMs, with false). */
  waitLeader(timeoutMs: number): Promise<boolean> {
    if (this.leaderId !== 0n) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.leaderId !== 0n), timeoutMs);
      this.leaderWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Stops the member: the leader first hands leadership to a caught-up voter. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.isLeader && this.cluster.voters().length > 1) {
      const status = this.raft.status();
      let best: bigint | undefined;
      let bestMatch = -1;
      for (const [peer, pr] of status.progress ?? []) {
        if (peer === this.id || pr.isLearner || !pr.recentActive) continue;
        if (pr.match > bestMatch) {
          best = peer;
          bestMatch = pr.match;
        }
      }
      if (best !== undefined) {
        try {
          await Promise.race([
            this.moveLeader(best),
            new Promise((r) => setTimeout(r, this.cfg.electionTimeoutMs * 2)),
          ]);
        } catch (err) {
          this.logger.warn("leadership transfer before stop failed", {
            error: (err as Error).message,
          });
        }
      }
    }
    this.stopped = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    const err = etcdError("Stopped");
    this.waits.failAll(err);
    this.readIndex.failAll(err);
    await this.transport.stop();
    // Let an in-flight Ready finish its fsync before closing files.
    while (this.readyRunning) await new Promise((r) => setTimeout(r, 5));
    await this.wal.close();
    this.state.close();
    this.dbLock.release();
  }

  // ---- raft plumbing -------------------------------------------------------------------

  /** Messages from peers. */
  receive(msgs: Message[]): void {
    if (this.stopped) return;
    for (const m of msgs) {
      if (this.cluster.isRemoved(m.from)) continue;
      try {
        this.raft.step(m);
      } catch (err) {
        this.logger.debug("dropped raft message", {
          type: MessageType[m.type],
          error: (err as Error).message,
        });
      }
    }
    this.scheduleReady();
  }

  reportUnreachable(id: bigint): void {
    if (this.stopped) return;
    this.raft.reportUnreachable(id);
  }

  reportSnapshot(id: bigint, ok: boolean): void {
    if (this.stopped) return;
    this.raft.reportSnapshot(id, ok ? "finish" : "failure");
    this.scheduleReady();
  }

  /** Progress of each peer as the leader sees it (undefined on followers). */
  progress(): ReturnType<RawNode["status"]>["progress"] {
    return this.raft.status().progress;
  }

  /**
   * Starts the raft clock. `freshCluster`: this member just bootstrapped a new cluster, so
   * nobody can be leader yet and waiting out a whole election timeout gains nothing.
   */
  private startTicking(freshCluster = false): void {
    // A lone voter has nobody to wait for, and no vote to split: run its election clock
    // until it campaigns (its randomised timeout only ever delays it), instead of waiting
    // one to two election timeouts before serving writes.
    const electionTick = Math.max(
      1,
      Math.round(this.cfg.electionTimeoutMs / this.cfg.heartbeatIntervalMs),
    );
    if (this.cluster.voters().length === 1 && this.cluster.has(this.id)) {
      for (let i = 0; i < 2 * electionTick; i++) {
        if (this.raft.status().softState.raftState !== "follower") break;
        this.raft.tick();
      }
      this.scheduleReady();
    } else if (freshCluster) {
      this.fastForwardOnceConnected(electionTick);
    }
    this.tickTimer = setInterval(() => {
      this.raft.tick();
      this.readIndex.checkTimeouts(Date.now(), requestTimeoutMs(this.cfg), () =>
        etcdError("Timeout"),
      );
      this.state.onTick(this);
      this.scheduleReady();
    }, this.cfg.heartbeatIntervalMs);
  }

  /**
   * A new cluster's members may all start at once: as soon as this one reaches a peer (so
   * an election can succeed), and still no leader is known, its election clock jumps to two
   * ticks short of the timeout. The randomised part of each member's timeout still spreads
   * the candidates apart. Gives up after one election timeout.
   */
  private fastForwardOnceConnected(electionTick: number): void {
    const deadline = Date.now() + this.cfg.electionTimeoutMs;
    const check = () => {
      if (this.stopped || Date.now() > deadline) return;
      const soft = this.raft.status().softState;
      if (soft.lead !== 0n || soft.raftState !== "follower") return;
      const peerUp = this.cluster
        .voters()
        .some((m) => m.id !== this.id && this.transport.isActive(m.id));
      if (!peerUp) {
        setTimeout(check, this.cfg.heartbeatIntervalMs).unref();
        return;
      }
      for (let i = 0; i < electionTick - 2; i++) this.raft.tick();
      this.scheduleReady();
    };
    check();
  }

  private assertRunning(): void {
    if (this.stopped) throw etcdError("Stopped");
  }

  private async proposeUntilAccepted(data: Uint8Array, deadline: number): Promise<void> {
    await this.retryUntilAccepted(() => this.raft.propose(data), deadline);
  }

  /** Raft drops proposals while there is no leader: wait for one and retry, until the deadline. */
  private async retryUntilAccepted(fn: () => void, deadline: number): Promise<void> {
    for (;;) {
      try {
        fn();
        this.scheduleReady();
        return;
      } catch (err) {
        if (
          err !== ErrProposalDropped &&
          !(err instanceof Error && err.message === ErrProposalDropped.message)
        )
          throw err;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw etcdError("Timeout");
      await new Promise((r) => setTimeout(r, Math.min(left, this.cfg.heartbeatIntervalMs)));
      this.assertRunning();
    }
  }

  private scheduleReady(): void {
    if (this.readyScheduled || this.stopped) return;
    this.readyScheduled = true;
    setImmediate(() => {
      this.readyScheduled = false;
      void this.runReady();
    });
  }

  private async runReady(): Promise<void> {
    if (this.readyRunning || this.stopped) return;
    this.readyRunning = true;
    try {
      while (!this.stopped && this.raft.hasReady()) {
        const rd = this.raft.ready();
        await this.handleReady(rd);
        this.raft.advance(rd);
      }
    } catch (err) {
      // A failed fsync or apply leaves state we cannot trust: stop loudly, never go on.
      this.logger.fatal("raft loop failed", { error: (err as Error).stack ?? String(err) });
      process.exit(1);
    } finally {
      this.readyRunning = false;
    }
  }

  private async handleReady(rd: Ready): Promise<void> {
    if (rd.softState) this.onSoftState(rd.softState);
    for (const rs of rd.readStates) this.readIndex.onReadState(rs.requestCtx, rs.index);

    // Appends and heartbeats may go out while our own write runs (a quorum still needs
    // it); votes and acknowledgements must wait until what they promise is on disk.
    const early: Message[] = [];
    const late: Message[] = [];
    for (const m of rd.messages) (sendableBeforePersist(m) ? early : late).push(m);
    this.send(early);
    const hasSnapshot = rd.snapshot !== undefined && rd.snapshot.metadata.index > 0;
    if (!hasSnapshot) {
      // Committed entries already in stable storage are applied (and answered) while this
      // Ready's writes and fsync run; only those that arrive with it wait for the disk.
      const durable = this.durablePrefix(rd);
      const saving =
        rd.hardState || rd.entries.length > 0 ? this.wal.save(rd.hardState, rd.entries) : undefined;
      if (durable > 0) this.applyEntries(rd.committedEntries.slice(0, durable));
      if (saving) await saving;
      if (rd.hardState) this.hardState = rd.hardState;
      if (rd.entries.length > 0) this.raftStorage.append(rd.entries);
      this.send(late);
      if (durable < rd.committedEntries.length)
        this.applyEntries(rd.committedEntries.slice(durable));
      this.maybeSnapshot();
      return;
    }
    await this.persistIncomingSnapshot(rd.snapshot!);
    if (rd.hardState || rd.entries.length > 0) {
      await this.wal.save(rd.hardState, rd.entries);
    }
    if (rd.hardState) this.hardState = rd.hardState;
    this.applySnapshot(rd.snapshot!);
    if (rd.entries.length > 0) this.raftStorage.append(rd.entries);
    this.send(late);
    if (rd.committedEntries.length > 0) this.applyEntries(rd.committedEntries);
    this.maybeSnapshot();
  }

  /** How many of the Ready's committed entries are already in stable storage. */
  private durablePrefix(rd: Ready): number {
    let stableLast = this.raftStorage.lastIndex();
    if (rd.entries.length > 0) stableLast = Math.min(stableLast, rd.entries[0]!.index - 1);
    let n = 0;
    while (n < rd.committedEntries.length && rd.committedEntries[n]!.index <= stableLast) n++;
    return n;
  }

  private onSoftState(ss: SoftState): void {
    const prevLead = this.softState.lead;
    const wasLeader = this.softState.raftState === "leader";
    this.softState = ss;
    if (ss.lead !== prevLead) {
      if (ss.lead !== 0n) this.leaderChangedCount++;
      this.logger.info(ss.lead === 0n ? "raft lost leader" : "raft elected leader", {
        "local-member-id": this.id.toString(16),
        leader: ss.lead.toString(16),
        term: this.raft.status().hardState.term,
      });
      if (ss.lead !== 0n) {
        this.leaderWaiters.splice(0).forEach((w) => w());
        this.readIndex.retryInFlight();
      }
    }
    const isLeader = ss.raftState === "leader";
    if (isLeader !== wasLeader) this.state.onLeadershipChange(isLeader, this);
  }

  private send(msgs: Message[]): void {
    if (msgs.length === 0) return;
    const out: Message[] = [];
    for (const m of msgs) {
      if (this.cluster.isRemoved(m.to)) continue;
      if (m.type === MessageType.Snap && m.snapshot) {
        // Ship the whole applied database with the snapshot; the receiver skips entries its
        // database already covers (its consistent index is ahead of the snapshot index).
        const decoded = decodeSnapshotData(m.snapshot.data);
        m.snapshot = {
          metadata: m.snapshot.metadata,
          data: encodeSnapshotData(decoded.state, this.state.databaseBytes()),
        };
      }
      out.push(m);
    }
    this.transport.send(out);
  }

  private async persistIncomingSnapshot(snap: Snapshot): Promise<void> {
    await this.snapshotter.save(snap);
    await this.wal.saveSnapshot({ index: snap.metadata.index, term: snap.metadata.term });
  }

  private applySnapshot(snap: Snapshot): void {
    if (snap.metadata.index <= this.appliedIndex) {
      throw new Error(
        `snapshot index ${snap.metadata.index} must be above applied index ${this.appliedIndex}`,
      );
    }
    const decoded = decodeSnapshotData(snap.data);
    if (decoded.db) this.state.replaceWith(decoded.db);
    this.state.restoreAuxiliary(decoded.state);
    const cluster = ClusterMembership.fromJSON(
      decoded.state.cluster as Parameters<typeof ClusterMembership.fromJSON>[0],
    );
    this.replaceMembership(cluster);
    this.raftStorage.applySnapshot(snap);
    this.appliedIndex = snap.metadata.index;
    this.snapshotIndex = snap.metadata.index;
    this.confState = snap.metadata.confState;
    this.logger.info("applied incoming snapshot", { index: snap.metadata.index });
    this.notifyApplied();
  }

  private replaceMembership(next: ClusterMembership): void {
    const before = new Set(this.cluster.list().map((m) => m.id));
    this.cluster.resetFrom(next);
    for (const id of before) {
      if (id !== this.id && !next.has(id)) this.transport.removePeer(id);
    }
    for (const m of next.list()) {
      if (m.id === this.id) continue;
      if (before.has(m.id)) this.transport.updatePeer(m.id, m.peerURLs);
      else this.transport.addPeer(m.id, m.peerURLs);
    }
  }

  private applyEntries(entries: Entry[]): void {
    const first = entries[0]!.index;
    if (first > this.appliedIndex + 1) {
      throw new Error(
        `apply gap: first committed index ${first}, applied index ${this.appliedIndex}`,
      );
    }
    const toApply = entries.filter((e) => e.index > this.appliedIndex);
    if (toApply.length === 0) return;
    const answers: Array<{ seq: number; result: ApplyResult }> = [];
    const confChanges: Array<{ entry: Entry; cc: ConfChange }> = [];
    const normal: Array<{ index: number; env: ReturnType<typeof decodeEnvelope> | undefined }> = [];
    for (const e of toApply) {
      if (e.type === EntryType.ConfChange) {
        confChanges.push({ entry: e, cc: decodeConfChange(e.data) });
        normal.push({ index: e.index, env: undefined });
      } else {
        normal.push({
          index: e.index,
          env: e.data.length === 0 ? undefined : decodeEnvelope(e.data),
        });
      }
    }
    // Conf changes take effect in log order, between the normal entries around them.
    const results = this.state.applyBatch(normal, (index) => {
      const pending = confChanges.find((c) => c.entry.index === index);
      if (pending) this.applyConfChange(pending.cc);
    });
    for (let i = 0; i < normal.length; i++) {
      const env = normal[i]!.env;
      if (env && env.proposer === this.id && env.seq !== 0)
        answers.push({ seq: env.seq, result: results[i]! });
    }
    this.appliedIndex = toApply[toApply.length - 1]!.index;
    for (const a of answers) this.waits.trigger(a.seq, a.result);
    this.notifyApplied();
  }

  private applyConfChange(cc: ConfChange): void {
    this.confState = this.raft.applyConfChange(cc);
    let info: MemberInfo | undefined;
    if (cc.context.length > 0) {
      const raw = JSON.parse(Buffer.from(cc.context).toString("utf8")) as MemberInfo & {
        id: string;
      };
      info = { ...raw, id: BigInt(raw.id) };
    }
    switch (cc.type) {
      case ConfChangeType.AddNode:
      case ConfChangeType.AddLearnerNode:
        if (info) {
          const known = this.cluster.get(info.id);
          this.cluster.add({ ...info, isLearner: cc.type === ConfChangeType.AddLearnerNode });
          if (cc.type === ConfChangeType.AddNode) this.cluster.promote(info.id);
          if (!this.cluster.isRemoved(info.id)) {
            this.state.recordMembership(known ? "update" : "add", this.cluster.get(info.id)!);
          }
          if (info.id !== this.id) this.transport.addPeer(info.id, info.peerURLs);
        }
        break;
      case ConfChangeType.RemoveNode: {
        const removed = this.cluster.get(cc.nodeId);
        this.cluster.remove(cc.nodeId);
        if (removed) this.state.recordMembership("remove", removed);
        if (cc.nodeId === this.id) {
          this.logger.warn("this member was removed from the cluster; stopping");
          setImmediate(() => this.onRemoved());
        } else {
          this.transport.removePeer(cc.nodeId);
        }
        break;
      }
      case ConfChangeType.UpdateNode:
        if (info) {
          this.cluster.updatePeerURLs(info.id, info.peerURLs);
          const updated = this.cluster.get(info.id);
          if (updated) this.state.recordMembership("update", updated);
          if (info.id !== this.id) this.transport.updatePeer(info.id, info.peerURLs);
        }
        break;
    }
    const resolve = this.confChangeWaiters.get(cc.id);
    if (resolve) resolve(this.cluster.list());
  }

  private maybeSnapshot(): void {
    if (this.appliedIndex - this.snapshotIndex <= this.cfg.snapshotCount) return;
    const index = this.appliedIndex;
    // The KV database must be durable up to `index` before the WAL before it may go.
    this.state.syncToDisk();
    const data = encodeSnapshotData({
      cluster: this.cluster.toJSON(),
      ...this.state.auxiliaryState(),
    });
    const snap = this.raftStorage.createSnapshot(index, this.confState, data);
    this.snapshotIndex = index;
    void (async () => {
      await this.snapshotter.save(snap);
      await this.wal.saveSnapshot({ index, term: snap.metadata.term });
      const compactTo = index - this.cfg.snapshotCatchUpEntries;
      if (compactTo > this.raftStorage.firstIndex()) this.raftStorage.compact(compactTo);
      await this.wal.releaseLockTo(index);
      this.logger.info("saved snapshot", { "snapshot-index": index });
    })().catch((err: Error) => {
      this.logger.fatal("saving snapshot failed", { error: err.message });
      process.exit(1);
    });
  }

  waitApplied(index: number): Promise<void> {
    if (this.appliedIndex >= index) return Promise.resolve();
    return new Promise((resolve) => this.appliedWaiters.push({ index, resolve }));
  }

  private notifyApplied(): void {
    if (this.appliedWaiters.length === 0) return;
    for (let i = this.appliedWaiters.length - 1; i >= 0; i--) {
      const w = this.appliedWaiters[i]!;
      if (w.index <= this.appliedIndex) {
        this.appliedWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}

/** Routes transport callbacks to the member once it exists. */
export class TransportHandlers {
  private member: Member | undefined;
  bind(m: Member): void {
    this.member = m;
  }
  onMessages = (msgs: Message[]): void => this.member?.receive(msgs);
  onUnreachable = (id: bigint): void => this.member?.reportUnreachable(id);
  onSnapshotStatus = (id: bigint, ok: boolean): void => this.member?.reportSnapshot(id, ok);
  /** Peers refuse a removed member's traffic; so do we. */
  isRemovedMember = (id: bigint): boolean => this.member?.cluster.isRemoved(id) ?? false;
  /**
   * A peer says we were removed: a member removed while cut off never sees its removal
   * committed, so this is how it learns to stop (as etcd members do).
   */
  onRemovedFromCluster = (by: bigint): void => {
    const m = this.member;
    if (!m) return;
    m.logger.warn("a peer reports this member was removed from the cluster; stopping", {
      "reported-by": by.toString(16),
    });
    m.onRemoved();
  };
}

export { encodeConfChange };
