// The leader-side (and candidate-side) view of the whole membership: one Progress per
// voter and learner, the votes of the current election, and quorum questions over them.
import { Progress } from "./progress.js";
import { committedIndex, voteResult } from "./quorum.js";
import type { VoteResult } from "./quorum.js";
import type { ConfState, NodeId } from "./types.js";
import { sortIds } from "./util.js";

export class ProgressTracker {
  readonly progress = new Map<NodeId, Progress>();
  /** Sorted, so iteration (and so message order) is deterministic. */
  voters: NodeId[] = [];
  learners: NodeId[] = [];
  /** Voters and learners, sorted; rebuilt on membership change (hot in bcastAppend). */
  private allIds: NodeId[] = [];
  readonly votes = new Map<NodeId, boolean>();

  constructor(readonly maxInflight: number) {}

  confState(): ConfState {
    return { voters: [...this.voters], learners: [...this.learners] };
  }

  isVoter(id: NodeId): boolean {
    const pr = this.progress.get(id);
    return pr !== undefined && !pr.isLearner;
  }

  /** Adds a member (or promotes a learner); next starts optimistically after `lastIndex`. */
  addNode(id: NodeId, isLearner: boolean, lastIndex: number): void {
    const pr = this.progress.get(id);
    if (pr) {
      if (pr.isLearner === isLearner) return;
      if (isLearner) throw new Error(`raft: cannot demote voter ${id} to learner`);
      pr.isLearner = false;
    } else {
      const fresh = new Progress(lastIndex + 1, this.maxInflight, isLearner);
      // A new member has not had a chance to talk to us yet: don't count it as dead.
      fresh.recentActive = true;
      this.progress.set(id, fresh);
    }
    this.rebuildLists();
  }

  removeNode(id: NodeId): void {
    this.progress.delete(id);
    this.votes.delete(id);
    this.rebuildLists();
  }

  private rebuildLists(): void {
    const v: NodeId[] = [];
    const l: NodeId[] = [];
    for (const [id, pr] of this.progress) (pr.isLearner ? l : v).push(id);
    this.voters = sortIds(v);
    this.learners = sortIds(l);
    this.allIds = sortIds([...v, ...l]);
  }

  /** All members in id order, learners included. */
  ids(): readonly NodeId[] {
    return this.allIds;
  }

  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)!.match);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voters, this.votes) };
  }

  voteResultOf(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    return voteResult(this.voters, votes);
  }

  /** Whether a quorum of voters was recently active (self counts as active). */
  quorumActive(self: NodeId): boolean {
    const active = new Map<NodeId, boolean>();
    for (const id of this.voters) {
      active.set(id, id === self || this.progress.get(id)!.recentActive);
    }
    return voteResult(this.voters, active) === "won";
  }
}
