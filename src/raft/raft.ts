// The consensus state machine: roles (follower, pre-candidate, candidate, leader), terms
// and votes, log replication and commitment, snapshots, membership, leadership transfer
// and ReadIndex. Input is step() (messages) and tick() (time); output is the `msgs`
// outbox and the log's unstable/committed state, which RawNode turns into Ready batches.
import {
  CompactedError,
  ErrProposalDropped,
  SnapshotTemporarilyUnavailableError,
  UnavailableError,
  invariant,
} from "./errors.js";
import { RaftLog } from "./log.js";
import { ReadOnly, type ReadOnlyOption } from "./readonly.js";
import type { RaftStorage } from "./storage.js";
import { isEmptyHardState } from "./storage.js";
import { ProgressTracker } from "./tracker.js";
import {
  ConfChangeType,
  EntryType,
  MessageType,
  NONE,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type Snapshot,
} from "./types.js";
import { bytesEqual, newMessage, payloadSizeBytes, voteRespType } from "./util.js";

export type StateType = "follower" | "candidate" | "leader" | "preCandidate";

export interface SoftState {
  lead: NodeId;
  raftState: StateType;
}

export interface ReadState {
  index: number;
  requestCtx: Uint8Array;
}

export interface RaftLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface RaftConfig {
  id: NodeId;
  electionTick: number;
  heartbeatTick: number;
  storage: RaftStorage;
  applied?: number;
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
  maxUncommittedEntriesSize?: number;
  /** Bytes of committed entries handed out per Ready (default: no limit). */
  maxCommittedSizePerReady?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  readOnlyOption?: ReadOnlyOption;
  disableProposalForwarding?: boolean;
  random: () => number;
  logger?: RaftLogger;
}

/** Vote context marking an election started by leadership transfer (bypasses leases). */
export const CAMPAIGN_TRANSFER = new TextEncoder().encode("CampaignTransfer");

const DEFAULT_MAX_SIZE_PER_MSG = 1024 * 1024;
const DEFAULT_MAX_INFLIGHT = 256;

type CampaignType = "preElection" | "election" | "transfer";

const silentLogger: RaftLogger = { info() {}, warn() {} };

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state: StateType = "follower";
  isLearner = false;
  readonly raftLog: RaftLog;
  readonly prs: ProgressTracker;
  readOnly: ReadOnly;
  readStates: ReadState[] = [];
  msgs: Message[] = [];

  readonly maxMsgSizeBytes: number;
  readonly maxUncommittedSizeBytes: number;
  uncommittedSizeBytes = 0;
  /** Index of the latest conf change proposed by this leader; one may be pending at a time. */
  pendingConfIndex = 0;
  leadTransferee: NodeId = NONE;
  /** ReadIndex requests held until this leader commits an entry of its own term. */
  private pendingReadIndexMessages: Message[] = [];

  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly disableProposalForwarding: boolean;
  readonly heartbeatTimeout: number;
  readonly electionTimeout: number;
  randomizedElectionTimeout = 0;
  electionElapsed = 0;
  heartbeatElapsed = 0;
  private readonly random: () => number;
  readonly logger: RaftLogger;

  constructor(c: RaftConfig) {
    invariant(c.id !== NONE, () => "cannot use none as id");
    invariant(c.heartbeatTick > 0, () => "heartbeat tick must be greater than 0");
    invariant(
      c.electionTick > c.heartbeatTick,
      () => "election tick must be greater than heartbeat tick",
    );
    const readOnlyOption = c.readOnlyOption ?? "safe";
    if (readOnlyOption === "leaseBased" && !c.checkQuorum) {
      throw new Error("CheckQuorum must be enabled when ReadOnlyOption is leaseBased");
    }
    this.id = c.id;
    this.random = c.random;
    this.logger = c.logger ?? silentLogger;
    this.maxMsgSizeBytes = c.maxSizePerMsg ?? DEFAULT_MAX_SIZE_PER_MSG;
    this.maxUncommittedSizeBytes = c.maxUncommittedEntriesSize || Number.MAX_SAFE_INTEGER;
    this.raftLog = new RaftLog(c.storage, c.maxCommittedSizePerReady || undefined);
    this.prs = new ProgressTracker(c.maxInflightMsgs ?? DEFAULT_MAX_INFLIGHT);
    this.readOnly = new ReadOnly(readOnlyOption);
    this.checkQuorum = c.checkQuorum ?? false;
    this.preVote = c.preVote ?? false;
    this.disableProposalForwarding = c.disableProposalForwarding ?? false;
    this.heartbeatTimeout = c.heartbeatTick;
    this.electionTimeout = c.electionTick;

    const { hardState, confState } = c.storage.initialState();
    this.applyConfState(confState);
    if (!isEmptyHardState(hardState)) this.loadState(hardState);
    if (c.applied && c.applied > 0) this.raftLog.appliedTo(c.applied);
    this.becomeFollower(this.term, NONE);
    this.logger.info(
      `raft ${this.id} [peers: [${this.prs.ids().join(",")}], term: ${this.term}, commit: ${this.raftLog.committed}, applied: ${this.raftLog.applied}, lastindex: ${this.raftLog.lastIndex()}, lastterm: ${this.raftLog.lastTerm()}]`,
    );
  }

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  private loadState(hs: HardState): void {
    invariant(
      hs.commit >= this.raftLog.committed && hs.commit <= this.raftLog.lastIndex(),
      () =>
        `${this.id} state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`,
    );
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  private applyConfState(cs: ConfState): void {
    const last = this.raftLog.lastIndex();
    for (const id of [...this.prs.progress.keys()]) this.prs.removeNode(id);
    for (const id of cs.voters) this.prs.addNode(id, false, last);
    for (const id of cs.learners) this.prs.addNode(id, true, last);
    const self = this.prs.progress.get(this.id);
    this.isLearner = self !== undefined && self.isLearner;
  }

  // ---- sending -------------------------------------------------------------------

  private send(m: Message): void {
    // A forwarded message keeps its origin, so the leader answers the right node.
    if (m.from === NONE) m.from = this.id;
    const t = m.type;
    if (
      t === MessageType.Vote ||
      t === MessageType.VoteResp ||
      t === MessageType.PreVote ||
      t === MessageType.PreVoteResp
    ) {
      // Campaign messages carry the term of the election, which may differ from ours.
      invariant(m.term !== 0, () => `term should be set when sending ${MessageType[t]}`);
    } else {
      invariant(
        m.term === 0,
        () => `term should not be set when sending ${MessageType[t]} (was ${m.term})`,
      );
      // Proposals and read requests forwarded to the leader are not tied to a term.
      if (t !== MessageType.Prop && t !== MessageType.ReadIndex) m.term = this.term;
    }
    this.msgs.push(m);
  }

  /** Sends an append (or a snapshot if the follower needs compacted entries). */
  sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    let prevTerm = 0;
    let ents: Entry[] = [];
    let needSnapshot = false;
    try {
      prevTerm = this.raftLog.term(pr.next - 1);
      ents = this.raftLog.entries(pr.next, this.maxMsgSizeBytes);
    } catch (err) {
      if (!(err instanceof CompactedError || err instanceof UnavailableError)) throw err;
      needSnapshot = true;
    }
    if (!needSnapshot && ents.length === 0 && !sendIfEmpty) return false;

    if (needSnapshot) {
      if (!pr.recentActive) return false;
      let snap: Snapshot;
      try {
        snap = this.raftLog.snapshot();
      } catch (err) {
        if (err instanceof SnapshotTemporarilyUnavailableError) return false;
        throw err;
      }
      invariant(snap.metadata.index !== 0, () => "need non-empty snapshot");
      this.send(newMessage(MessageType.Snap, to, { snapshot: snap }));
      pr.becomeSnapshot(snap.metadata.index);
      return true;
    }

    this.send(
      newMessage(MessageType.App, to, {
        index: pr.next - 1,
        logTerm: prevTerm,
        entries: ents,
        commit: this.raftLog.committed,
      }),
    );
    if (ents.length > 0) {
      const last = ents[ents.length - 1]!.index;
      if (pr.state === "replicate") {
        pr.optimisticUpdate(last);
        pr.inflights.add(last);
      } else if (pr.state === "probe") {
        pr.probeSent = true;
      } else {
        invariant(false, () => `${this.id} is sending append in unhandled state ${pr.state}`);
      }
    }
    return true;
  }

  private sendHeartbeat(to: NodeId, ctx: Uint8Array | undefined): void {
    const pr = this.prs.progress.get(to)!;
    // Never tell a follower to commit past what it is known to hold.
    const commit = Math.min(pr.match, this.raftLog.committed);
    this.send(newMessage(MessageType.Heartbeat, to, { commit, context: ctx }));
  }

  bcastAppend(): void {
    for (const id of this.prs.ids()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(): void {
    this.bcastHeartbeatWithCtx(this.readOnly.lastPendingRequestCtx());
  }

  private bcastHeartbeatWithCtx(ctx: Uint8Array | undefined): void {
    this.readOnly.unsentCtx = undefined;
    for (const id of this.prs.ids()) if (id !== this.id) this.sendHeartbeat(id, ctx);
  }

  /**
   * Sends one heartbeat round for the read requests queued since the last round: many
   * ReadIndex calls between two Ready batches share a single round trip.
   */
  flushReadIndex(): void {
    if (this.state !== "leader" || this.readOnly.unsentCtx === undefined) return;
    this.bcastHeartbeatWithCtx(this.readOnly.unsentCtx);
  }

  hasUnsentReadIndex(): boolean {
    return this.state === "leader" && this.readOnly.unsentCtx !== undefined;
  }

  // ---- commitment --------------------------------------------------------------------

  /** Advances the commit index to what a quorum holds, if that entry is of our term. */
  maybeCommit(): boolean {
    const ok = this.raftLog.maybeCommit(this.prs.committed(), this.term);
    if (ok) this.releasePendingReadIndexMessages();
    return ok;
  }

  /**
   * The leader's own entries count toward a quorum only once persisted (the application
   * calls this after writing a Ready's entries), so a leader that crashes before its
   * write completes never has counted an entry it lost.
   */
  onPersisted(): void {
    if (this.state !== "leader") return;
    const pr = this.prs.progress.get(this.id);
    if (!pr) return;
    if (pr.maybeUpdate(this.raftLog.persistedLastIndex()) && this.maybeCommit()) this.bcastAppend();
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.raftLog.termOrZero(this.raftLog.committed) === this.term;
  }

  // ---- role transitions --------------------------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.prs.resetVotes();
    const last = this.raftLog.lastIndex();
    for (const [id, pr] of this.prs.progress) {
      pr.match = 0;
      pr.next = last + 1;
      pr.state = "probe";
      pr.probeSent = false;
      pr.pendingSnapshot = 0;
      pr.inflights.reset();
      pr.recentActive = false;
      if (id === this.id) pr.match = this.raftLog.persistedLastIndex();
    }
    this.pendingConfIndex = 0;
    this.uncommittedSizeBytes = 0;
    this.readOnly = new ReadOnly(this.readOnly.option);
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = "follower";
    this.logger.info(`${this.id} became follower at term ${this.term}`);
  }

  becomeCandidate(): void {
    invariant(this.state !== "leader", () => "invalid transition [leader -> candidate]");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = "candidate";
    this.logger.info(`${this.id} became candidate at term ${this.term}`);
  }

  becomePreCandidate(): void {
    invariant(this.state !== "leader", () => "invalid transition [leader -> pre-candidate]");
    // Neither the term nor the vote changes: a pre-election disturbs nobody.
    this.prs.resetVotes();
    this.lead = NONE;
    this.state = "preCandidate";
    this.logger.info(`${this.id} became pre-candidate at term ${this.term}`);
  }

  becomeLeader(): void {
    invariant(this.state !== "follower", () => "invalid transition [follower -> leader]");
    this.reset(this.term);
    this.lead = this.id;
    this.state = "leader";
    const self = this.prs.progress.get(this.id);
    if (self) {
      self.becomeReplicate();
      self.match = this.raftLog.persistedLastIndex();
      self.next = this.raftLog.lastIndex() + 1;
      self.recentActive = true;
    }
    // Any uncommitted entry might be a conf change: allow a new one only after them.
    this.pendingConfIndex = this.raftLog.lastIndex();
    // An empty entry of our term lets us commit everything before it (§5.4.2).
    this.appendEntries(
      [{ term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) }],
      true,
    );
    this.logger.info(`${this.id} became leader at term ${this.term}`);
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout =
      this.electionTimeout + Math.floor(this.random() * this.electionTimeout);
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  promotable(): boolean {
    return this.prs.isVoter(this.id);
  }

  private appendEntries(ents: Entry[], force = false): boolean {
    const li = this.raftLog.lastIndex();
    for (let i = 0; i < ents.length; i++) {
      ents[i]!.term = this.term;
      ents[i]!.index = li + 1 + i;
    }
    if (!force && !this.increaseUncommittedSize(ents)) return false;
    this.raftLog.append(ents);
    return true;
  }

  private increaseUncommittedSize(ents: Entry[]): boolean {
    const s = payloadSizeBytes(ents);
    if (
      this.uncommittedSizeBytes > 0 &&
      s > 0 &&
      this.uncommittedSizeBytes + s > this.maxUncommittedSizeBytes
    ) {
      return false;
    }
    this.uncommittedSizeBytes += s;
    return true;
  }

  reduceUncommittedSize(ents: Entry[]): void {
    if (this.uncommittedSizeBytes === 0) return;
    const s = payloadSizeBytes(ents);
    this.uncommittedSizeBytes = s > this.uncommittedSizeBytes ? 0 : this.uncommittedSizeBytes - s;
  }

  // ---- time ---------------------------------------------------------------------------

  tick(): void {
    if (this.state === "leader") this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.pastElectionTimeout()) {
      this.electionElapsed = 0;
      this.step(newMessage(MessageType.Hup, NONE, { from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(newMessage(MessageType.CheckQuorum, NONE, { from: this.id }));
      // A transfer that did not complete within an election timeout is abandoned.
      if (this.state === "leader" && this.leadTransferee !== NONE) this.abortLeaderTransfer();
    }
    if (this.state !== "leader") return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step(newMessage(MessageType.Beat, NONE, { from: this.id }));
    }
  }

  // ---- elections -----------------------------------------------------------------------

  private hup(t: CampaignType): void {
    if (this.state === "leader") return;
    if (!this.promotable()) {
      this.logger.warn(`${this.id} is unpromotable and can not campaign`);
      return;
    }
    // A committed but unapplied conf change may change who we ask for votes: wait for it.
    const firstUnapplied = Math.max(this.raftLog.applied + 1, this.raftLog.firstIndex());
    if (this.raftLog.committed >= firstUnapplied) {
      const ents = this.raftLog.slice(
        firstUnapplied,
        this.raftLog.committed + 1,
        Number.MAX_SAFE_INTEGER,
      );
      if (ents.some((e) => e.type === EntryType.ConfChange)) {
        this.logger.warn(
          `${this.id} cannot campaign at term ${this.term} since there are still pending configuration changes to apply`,
        );
        return;
      }
    }
    this.campaign(t);
  }

  private campaign(t: CampaignType): void {
    let term: number;
    let voteMsg: MessageType;
    if (t === "preElection") {
      this.becomePreCandidate();
      voteMsg = MessageType.PreVote;
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteMsg = MessageType.Vote;
      term = this.term;
    }
    this.prs.recordVote(this.id, true);
    if (this.prs.tallyVotes().result === "won") {
      if (t === "preElection") this.campaign("election");
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.raftLog.lastIndex();
    const lastTerm = this.raftLog.lastTerm();
    for (const id of this.prs.voters) {
      if (id === this.id) continue;
      this.send(
        newMessage(voteMsg, id, {
          term,
          index: lastIndex,
          logTerm: lastTerm,
          context: t === "transfer" ? CAMPAIGN_TRANSFER : undefined,
        }),
      );
    }
  }

  // ---- the state machine --------------------------------------------------------------

  step(m: Message): void {
    if (m.term === 0) {
      // local message (or a forwarded proposal / read request)
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = bytesEqual(m.context, CAMPAIGN_TRANSFER);
        const inLease =
          this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        // We heard from a live leader within the minimum election timeout: the candidate
        // is probably partitioned or removed, don't let it disrupt us.
        if (!force && inLease) return;
      }
      if (m.type === MessageType.PreVote) {
        // A pre-vote never changes our term.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // The term in a granted pre-vote is the one we will campaign in, not ours yet.
      } else if (
        m.type === MessageType.App ||
        m.type === MessageType.Heartbeat ||
        m.type === MessageType.Snap
      ) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if (
        (this.checkQuorum || this.preVote) &&
        (m.type === MessageType.Heartbeat || m.type === MessageType.App)
      ) {
        // A stale leader: tell it our term so it steps down, otherwise it would stay leader
        // of a partition forever while we (never winning pre-votes) cannot depose it.
        this.send(newMessage(MessageType.AppResp, m.from));
      } else if (m.type === MessageType.PreVote) {
        this.send(newMessage(MessageType.PreVoteResp, m.from, { term: this.term, reject: true }));
      }
      return;
    }

    switch (m.type) {
      case MessageType.Hup:
        this.hup(this.preVote ? "preElection" : "election");
        return;
      case MessageType.Vote:
      case MessageType.PreVote: {
        const canVote =
          this.vote === m.from ||
          (this.vote === NONE && this.lead === NONE) ||
          (m.type === MessageType.PreVote && m.term > this.term);
        if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
          this.send(newMessage(voteRespType(m.type), m.from, { term: m.term }));
          if (m.type === MessageType.Vote) {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          this.send(newMessage(voteRespType(m.type), m.from, { term: this.term, reject: true }));
        }
        return;
      }
    }
    switch (this.state) {
      case "leader":
        this.stepLeader(m);
        return;
      case "candidate":
      case "preCandidate":
        this.stepCandidate(m);
        return;
      case "follower":
        this.stepFollower(m);
        return;
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.Beat:
        this.bcastHeartbeat();
        return;
      case MessageType.CheckQuorum: {
        const self = this.prs.progress.get(this.id);
        if (self) self.recentActive = true;
        if (!this.prs.quorumActive(this.id)) {
          this.logger.warn(`${this.id} stepped down to follower since quorum is not active`);
          this.becomeFollower(this.term, NONE);
          return;
        }
        for (const [id, pr] of this.prs.progress) if (id !== this.id) pr.recentActive = false;
        return;
      }
      case MessageType.Prop:
        this.handleProposal(m);
        return;
      case MessageType.ReadIndex:
        if (!this.committedEntryInCurrentTerm()) {
          // Our commit index may lag the true one until we commit in our term (§6.4).
          this.pendingReadIndexMessages.push(m);
          return;
        }
        this.handleReadIndex(m);
        return;
    }

    const pr = this.prs.progress.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case MessageType.AppResp:
        this.handleAppendResponse(m);
        return;
      case MessageType.HeartbeatResp: {
        pr.recentActive = true;
        pr.probeSent = false;
        if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.raftLog.lastIndex()) this.sendAppend(m.from);
        if (this.readOnly.option !== "safe" || !m.context || m.context.byteLength === 0) return;
        const acks = this.readOnly.recvAck(m.from, m.context);
        if (!acks) return;
        const votes = new Map<NodeId, boolean>();
        for (const id of acks) votes.set(id, true);
        votes.set(this.id, true);
        if (this.prs.voteResultOf(votes) !== "won") return;
        for (const rs of this.readOnly.advance(m.context))
          this.respondToReadIndex(rs.req, rs.index);
        return;
      }
      case MessageType.SnapStatus:
        if (pr.state !== "snapshot") return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for a heartbeat response (or the append response) before probing again.
        pr.probeSent = true;
        return;
      case MessageType.Unreachable:
        if (pr.state === "replicate") pr.becomeProbe();
        return;
      case MessageType.TransferLeader: {
        if (pr.isLearner) return;
        const transferee = m.from;
        if (this.leadTransferee !== NONE) {
          if (this.leadTransferee === transferee) return;
          this.abortLeaderTransfer();
        }
        if (transferee === this.id) return;
        this.electionElapsed = 0;
        this.leadTransferee = transferee;
        if (pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(transferee);
        else this.sendAppend(transferee);
        return;
      }
    }
  }

  private handleProposal(m: Message): void {
    invariant(m.entries.length > 0, () => `${this.id} stepped empty MsgProp`);
    if (!this.prs.progress.has(this.id)) throw ErrProposalDropped; // removed from the cluster
    if (this.leadTransferee !== NONE) throw ErrProposalDropped;
    const li = this.raftLog.lastIndex();
    let newPendingConfIndex = this.pendingConfIndex;
    // Fresh entry objects: the log never shares (and so never mutates) a message's entries.
    const ents: Entry[] = new Array<Entry>(m.entries.length);
    for (let i = 0; i < m.entries.length; i++) {
      const e = m.entries[i]!;
      let type = e.type;
      let data = e.data;
      if (type === EntryType.ConfChange) {
        if (this.pendingConfIndex > this.raftLog.applied) {
          // Only one membership change may be in flight: this one becomes a no-op.
          this.logger.info(`${this.id} ignoring conf change: one is already pending`);
          type = EntryType.Normal;
          data = new Uint8Array(0);
        } else {
          newPendingConfIndex = li + i + 1;
        }
      }
      ents[i] = { term: this.term, index: li + 1 + i, type, data };
    }
    if (!this.appendEntries(ents)) throw ErrProposalDropped;
    this.pendingConfIndex = newPendingConfIndex;
    this.bcastAppend();
  }

  private handleAppendResponse(m: Message): void {
    const pr = this.prs.progress.get(m.from)!;
    pr.recentActive = true;
    if (m.reject) {
      let nextProbeIdx = m.rejectHint;
      if (m.logTerm > 0) nextProbeIdx = this.raftLog.findConflictByTerm(m.rejectHint, m.logTerm);
      if (pr.maybeDecrTo(m.index, nextProbeIdx)) {
        if (pr.state === "replicate") pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const oldPaused = pr.isPaused();
    if (pr.maybeUpdate(m.index)) {
      if (pr.state === "probe") pr.becomeReplicate();
      else if (pr.state === "snapshot" && pr.match >= pr.pendingSnapshot) {
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === "replicate") pr.inflights.freeLE(m.index);

      if (this.maybeCommit()) this.bcastAppend();
      else if (oldPaused) this.sendAppend(m.from);
      // Keep the pipeline full while there is something to send.
      while (this.maybeSendAppend(m.from, false)) {
        /* loop */
      }
      if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) {
        this.sendTimeoutNow(m.from);
      }
    }
  }

  private handleReadIndex(m: Message): void {
    if (this.prs.voters.length <= 1) {
      this.respondToReadIndex(m, this.raftLog.committed);
      return;
    }
    if (this.readOnly.option === "safe") {
      // Batched: the heartbeat round goes out with the next Ready (flushReadIndex).
      this.readOnly.addRequest(this.raftLog.committed, m);
      return;
    }
    this.respondToReadIndex(m, this.raftLog.committed);
  }

  private respondToReadIndex(req: Message, index: number): void {
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index, requestCtx: req.entries[0]!.data });
      return;
    }
    this.send(newMessage(MessageType.ReadIndexResp, req.from, { index, entries: req.entries }));
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.handleReadIndex(m);
  }

  private stepCandidate(m: Message): void {
    const myVoteResp =
      this.state === "preCandidate" ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.Prop:
        throw ErrProposalDropped;
      case MessageType.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case myVoteResp: {
        this.prs.recordVote(m.from, !m.reject);
        const { result } = this.prs.tallyVotes();
        if (result === "won") {
          if (this.state === "preCandidate") this.campaign("election");
          else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === "lost") {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      case MessageType.TimeoutNow:
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Prop:
        if (this.lead === NONE || this.disableProposalForwarding) throw ErrProposalDropped;
        m.to = this.lead;
        this.send(m);
        return;
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        if (this.lead === NONE) return;
        m.to = this.lead;
        this.send(m);
        return;
      case MessageType.TimeoutNow:
        if (this.promotable()) {
          this.logger.info(
            `${this.id} [term ${this.term}] received MsgTimeoutNow from ${m.from} and starts an election to get leadership`,
          );
          // Leadership transfer never uses pre-vote: we know the leader wants us to win.
          this.hup("transfer");
        }
        return;
      case MessageType.ReadIndex:
        if (this.lead === NONE) return;
        m.to = this.lead;
        this.send(m);
        return;
      case MessageType.ReadIndexResp:
        if (m.entries.length !== 1) return;
        this.readStates.push({ index: m.index, requestCtx: m.entries[0]!.data });
        return;
    }
  }

  private handleAppendEntries(m: Message): void {
    if (m.index < this.raftLog.committed) {
      this.send(newMessage(MessageType.AppResp, m.from, { index: this.raftLog.committed }));
      return;
    }
    const lastNew = this.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send(newMessage(MessageType.AppResp, m.from, { index: lastNew }));
      return;
    }
    // Reject with a hint: the last index at or below m.index whose term is <= m.logTerm.
    // The leader can then skip every entry of terms it knows we cannot match.
    const hintIndex = this.raftLog.findConflictByTerm(
      Math.min(m.index, this.raftLog.lastIndex()),
      m.logTerm,
    );
    const hintTerm = this.raftLog.termOrZero(hintIndex);
    this.send(
      newMessage(MessageType.AppResp, m.from, {
        index: m.index,
        reject: true,
        rejectHint: hintIndex,
        logTerm: hintTerm,
      }),
    );
  }

  private handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(m.commit);
    this.send(newMessage(MessageType.HeartbeatResp, m.from, { context: m.context }));
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot!;
    if (this.restore(s)) {
      this.logger.info(
        `${this.id} [commit: ${this.raftLog.committed}] restored snapshot [index: ${s.metadata.index}, term: ${s.metadata.term}]`,
      );
      this.send(newMessage(MessageType.AppResp, m.from, { index: this.raftLog.lastIndex() }));
    } else {
      this.send(newMessage(MessageType.AppResp, m.from, { index: this.raftLog.committed }));
    }
  }

  /** Installs a snapshot newer than our commit index; returns whether it was installed. */
  restore(s: Snapshot): boolean {
    if (s.metadata.index <= this.raftLog.committed) return false;
    // Snapshots come only from a leader, and its message made us its follower.
    invariant(this.state === "follower", () => `${this.id} restoring a snapshot as ${this.state}`);
    if (this.raftLog.matchTerm(s.metadata.index, s.metadata.term)) {
      // We already hold that entry: just fast-forward the commit index.
      this.raftLog.commitTo(s.metadata.index);
      return false;
    }
    this.raftLog.restore(s);
    // A fresh progress table from the snapshot's membership.
    this.applyConfState(s.metadata.confState);
    return true;
  }

  // ---- membership ---------------------------------------------------------------------

  applyConfChange(cc: ConfChange): ConfState {
    switch (cc.type) {
      case ConfChangeType.AddNode:
        this.addNode(cc.nodeId, false);
        break;
      case ConfChangeType.AddLearnerNode:
        this.addNode(cc.nodeId, true);
        break;
      case ConfChangeType.RemoveNode:
        this.removeNode(cc.nodeId);
        break;
      case ConfChangeType.UpdateNode:
        break;
      default:
        throw new Error(`raft: unexpected conf change type ${String(cc.type)}`);
    }
    return this.prs.confState();
  }

  private addNode(id: NodeId, isLearner: boolean): void {
    const isNew = !this.prs.progress.has(id);
    this.prs.addNode(id, isLearner, this.raftLog.lastIndex());
    if (id === this.id) this.isLearner = isLearner;
    if (this.state !== "leader") return;
    // Fewer or more voters can change what a quorum holds.
    if (this.maybeCommit()) this.bcastAppend();
    // Start probing a new member now rather than at the next heartbeat.
    else if (isNew && id !== this.id) this.sendAppend(id);
  }

  private removeNode(id: NodeId): void {
    const wasLeader = this.state === "leader";
    this.prs.removeNode(id);
    if (id === this.id) this.isLearner = false;
    if (this.prs.voters.length === 0) return;
    if (!wasLeader) return;
    if (this.leadTransferee === id) this.abortLeaderTransfer();
    if (this.maybeCommit()) this.bcastAppend();
    if (id === this.id) this.stepDownAfterRemoval();
  }

  /**
   * A leader that applied its own removal leads a cluster it is no longer part of: it
   * makes sure the others learn the commit index, hands leadership to the most
   * up-to-date voter, and steps down.
   */
  private stepDownAfterRemoval(): void {
    this.bcastAppend();
    const last = this.raftLog.lastIndex();
    const heir = this.prs.voters.find((v) => this.prs.progress.get(v)!.match === last);
    if (heir !== undefined) this.sendTimeoutNow(heir);
    this.logger.info(`${this.id} removed from the cluster, stepping down at term ${this.term}`);
    this.becomeFollower(this.term, NONE);
  }

  // ---- leadership transfer ----------------------------------------------------------

  private sendTimeoutNow(to: NodeId): void {
    this.send(newMessage(MessageType.TimeoutNow, to));
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }
}
