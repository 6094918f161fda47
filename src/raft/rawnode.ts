// The application's handle on a raft node: feed it ticks, proposals and peer messages,
// then drain a Ready (persist entries + hard state, send messages, apply committed
// entries) and acknowledge it with advance(). Single-threaded and synchronous.
import { encodeConfChange } from "./confchange.js";
import { ErrStepLocalMsg, ErrStepPeerNotFound, ProposalDroppedError } from "./errors.js";
import { Raft, type RaftConfig, type ReadState, type SoftState, type StateType } from "./raft.js";
import type { ProgressState } from "./progress.js";
import { isEmptyHardState } from "./storage.js";
import {
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
import { isLocalMsg, isResponseMsg, newMessage } from "./util.js";

export interface Ready {
  /** Present only when it changed since the previous Ready. */
  softState?: SoftState;
  /** Present only when it changed; persist together with `entries`. */
  hardState?: HardState;
  readStates: ReadState[];
  /** Persist before sending `messages` (a leader may send those for which
   * sendableBeforePersist() holds in parallel with the write). */
  entries: Entry[];
  /** Persist (and restore the state machine from) before applying committedEntries. */
  snapshot?: Snapshot;
  /** Apply in order, after persisting this Ready's entries. */
  committedEntries: Entry[];
  messages: Message[];
  /** Whether the hard state and entries must be fsynced before messages go out. */
  mustSync: boolean;
}

/**
 * Whether a leader may send `m` while the same Ready's entries and hard state are still
 * being written (the leader counts its own entries only after advance()). Anything else,
 * vote responses and acknowledgements in particular, must wait for the write.
 */
export function sendableBeforePersist(m: Message): boolean {
  switch (m.type) {
    case MessageType.App:
    case MessageType.Snap:
    case MessageType.Heartbeat:
    case MessageType.TimeoutNow:
    case MessageType.ReadIndexResp:
      return true;
    default:
      return false;
  }
}

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  isLearner: boolean;
  recentActive: boolean;
}

export interface Status {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  progress?: Map<NodeId, ProgressStatus>;
  leadTransferee: NodeId;
}

export class RawNode {
  /** The state machine itself; exposed for tests and the simulator, not for servers. */
  readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoftState = this.raft.softState();
    this.prevHardState = config.storage.initialState().hardState;
  }

  tick(): void {
    this.raft.tick();
  }

  campaign(): void {
    this.raft.step(newMessage(MessageType.Hup, NONE, { from: this.raft.id }));
  }

  /** Proposes data for the log; throws ErrProposalDropped if it cannot be accepted now. */
  propose(data: Uint8Array): void {
    this.raft.step(
      newMessage(MessageType.Prop, NONE, {
        from: this.raft.id,
        entries: [{ term: 0, index: 0, type: EntryType.Normal, data }],
      }),
    );
  }

  /** Proposes several entries in one message (cheaper than one propose() each). */
  proposeBatch(datas: Uint8Array[]): void {
    if (datas.length === 0) return;
    const entries: Entry[] = datas.map((data) => ({
      term: 0,
      index: 0,
      type: EntryType.Normal,
      data,
    }));
    this.raft.step(newMessage(MessageType.Prop, NONE, { from: this.raft.id, entries }));
  }

  proposeConfChange(cc: ConfChange): void {
    this.raft.step(
      newMessage(MessageType.Prop, NONE, {
        from: this.raft.id,
        entries: [{ term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) }],
      }),
    );
  }

  /** Applies a committed conf change (call when applying its entry); returns the new config. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /** Steps a message received from a peer. */
  step(m: Message): void {
    if (isLocalMsg(m.type)) throw ErrStepLocalMsg;
    if (!this.raft.prs.progress.has(m.from) && isResponseMsg(m.type)) throw ErrStepPeerNotFound;
    try {
      this.raft.step(m);
    } catch (err) {
      // A proposal forwarded by a peer that we cannot take: the peer's client retries.
      if (err instanceof ProposalDroppedError) return;
      throw err;
    }
  }

  /** Asks for a linearizable read point; the answer arrives as a ReadState in a Ready. */
  readIndex(requestCtx: Uint8Array): void {
    this.raft.step(
      newMessage(MessageType.ReadIndex, NONE, {
        entries: [{ term: 0, index: 0, type: EntryType.Normal, data: requestCtx }],
      }),
    );
  }

  transferLeader(transferee: NodeId): void {
    this.raft.step(newMessage(MessageType.TransferLeader, NONE, { from: transferee }));
  }

  reportUnreachable(id: NodeId): void {
    this.raft.step(newMessage(MessageType.Unreachable, NONE, { from: id }));
  }

  reportSnapshot(id: NodeId, status: "finish" | "failure"): void {
    this.raft.step(
      newMessage(MessageType.SnapStatus, NONE, { from: id, reject: status === "failure" }),
    );
  }

  hasReady(): boolean {
    const r = this.raft;
    if (!softStateEqual(r.softState(), this.prevSoftState)) return true;
    const hs = r.hardState();
    if (!isEmptyHardState(hs) && !hardStateEqual(hs, this.prevHardState)) return true;
    if (r.raftLog.unstable.snapshot) return true;
    if (r.msgs.length > 0 || r.raftLog.unstable.entries.length > 0 || r.raftLog.hasNextEnts())
      return true;
    if (r.readStates.length > 0 || r.hasUnsentReadIndex()) return true;
    return false;
  }

  /** The pending work; the caller must process it and then call advance(rd). */
  ready(): Ready {
    const r = this.raft;
    r.flushReadIndex();
    const committedEntries = r.raftLog.nextEnts();
    const rd: Ready = {
      readStates: r.readStates,
      entries: r.raftLog.unstableEntries(),
      committedEntries,
      messages: r.msgs,
      mustSync: false,
    };
    r.msgs = [];
    r.readStates = [];
    const ss = r.softState();
    if (!softStateEqual(ss, this.prevSoftState)) rd.softState = ss;
    const hs = r.hardState();
    if (!hardStateEqual(hs, this.prevHardState)) rd.hardState = hs;
    const snap = r.raftLog.unstable.snapshot;
    if (snap) rd.snapshot = snap;
    rd.mustSync =
      rd.entries.length > 0 ||
      (rd.hardState !== undefined &&
        (rd.hardState.term !== this.prevHardState.term ||
          rd.hardState.vote !== this.prevHardState.vote));
    // Entries handed out for applying no longer count against the uncommitted budget.
    r.reduceUncommittedSize(committedEntries);
    return rd;
  }

  /** Acknowledges that `rd` was persisted and applied. */
  advance(rd: Ready): void {
    const r = this.raft;
    if (rd.softState) this.prevSoftState = rd.softState;
    if (rd.hardState) this.prevHardState = rd.hardState;
    if (rd.snapshot) {
      r.raftLog.stableSnapTo(rd.snapshot.metadata.index);
      // The application restored its state machine from the snapshot.
      if (rd.snapshot.metadata.index > r.raftLog.applied)
        r.raftLog.appliedTo(rd.snapshot.metadata.index);
    }
    if (rd.committedEntries.length > 0) {
      r.raftLog.appliedTo(rd.committedEntries[rd.committedEntries.length - 1]!.index);
    }
    if (rd.entries.length > 0) {
      const e = rd.entries[rd.entries.length - 1]!;
      r.raftLog.stableTo(e.index, e.term);
    }
    r.onPersisted();
  }

  status(): Status {
    const r = this.raft;
    const s: Status = {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.raftLog.applied,
      leadTransferee: r.leadTransferee,
    };
    if (r.state === "leader") {
      const progress = new Map<NodeId, ProgressStatus>();
      for (const [id, pr] of r.prs.progress) {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          isLearner: pr.isLearner,
          recentActive: pr.recentActive,
        });
      }
      s.progress = progress;
    }
    return s;
  }
}

export type { StateType };

function softStateEqual(a: SoftState, b: SoftState): boolean {
  return a.lead === b.lead && a.raftState === b.raftState;
}

function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
