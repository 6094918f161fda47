// A deterministic simulated raft cluster: a seeded network that drops, delays, duplicates
// and reorders messages and partitions nodes (also one-way), nodes that crash (losing all
// they had not persisted) and restart from their MemoryStorage "disk", snapshots with log
// compaction, membership changes and leadership transfers mid-run. The Checker asserts the
// safety properties after every step; after the faults heal the cluster must converge.
import {
  ConfChangeType,
  EntryType,
  MemoryStorage,
  MessageType,
  ProposalDroppedError,
  RawNode,
  StepPeerNotFoundError,
  decodeConfChange,
  sendableBeforePersist,
  type ConfState,
  type Message,
  type NodeId,
  type Ready,
} from "../../src/raft/index.js";
import { Checker, Violation, dataKey } from "./checker.js";
import { Prng } from "./prng.js";

export interface SimOptions {
  seed: number;
  /** Steps with faults (each step is one tick of every node plus message exchange). */
  steps: number;
  voters: number;
  learners: number;
  /** Steps allowed, after healing, for a leader to emerge and every member to catch up. */
  settleSteps?: number;
  trace?: (line: string) => void;
}

export interface SimResult {
  seed: number;
  violation?: string;
  stats: {
    committed: number;
    proposals: number;
    acked: number;
    leaders: number;
    snapshotsSent: number;
    confChanges: number;
    transfers: number;
    crashes: number;
    reads: number;
  };
}

interface SimNode {
  id: NodeId;
  storage: MemoryStorage;
  rn: RawNode | undefined;
  appliedIndex: number;
  confState: ConfState;
  removed: boolean;
  commitChecked: number;
  /** A leader's Ready whose messages went out while its disk write is still running. */
  writing: Ready | undefined;
}

interface InFlight {
  m: Message;
  at: number;
}

const enc = new TextEncoder();

export class SimWorld {
  private readonly rng: Prng;
  private readonly checker = new Checker();
  private readonly nodes = new Map<NodeId, SimNode>();
  private network: InFlight[] = [];
  private readonly blocked = new Set<string>();
  private now = 0;
  private chaos = true;
  private nextNodeId: bigint;
  private nextProposal = 1;
  private readonly reads = new Map<string, { node: NodeId; commitAtRequest: number }>();
  private readonly acked = new Set<string>();
  private ackedMaxIndex = 0;
  private barrierIndex = 0;
  private readonly toStop = new Set<NodeId>();
  private readonly stats: SimResult["stats"] = {
    committed: 0,
    proposals: 0,
    acked: 0,
    leaders: 0,
    snapshotsSent: 0,
    confChanges: 0,
    transfers: 0,
    crashes: 0,
    reads: 0,
  };

  // Per-seed knobs.
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly maxSizePerMsg: number;
  private readonly maxInflightMsgs: number;
  private readonly dropP: number;
  private readonly dupP: number;
  private readonly delayP: number;
  private readonly minVoters: number;

  constructor(private readonly opts: SimOptions) {
    this.rng = new Prng(opts.seed * 2654435761 + 1);
    const r = this.rng;
    this.preVote = r.chance(0.5);
    this.checkQuorum = r.chance(0.5);
    this.maxSizePerMsg = r.pick([64, 512, 1 << 20]);
    this.maxInflightMsgs = r.pick([1, 4, 256]);
    this.dropP = r.pick([0, 0.01, 0.05, 0.15]);
    this.dupP = r.pick([0, 0.02, 0.1]);
    this.delayP = r.pick([0, 0.1, 0.3]);
    this.minVoters = Math.max(2, opts.voters - 1);
    const voters: NodeId[] = [];
    const learners: NodeId[] = [];
    for (let i = 1; i <= opts.voters; i++) voters.push(BigInt(i));
    for (let i = 1; i <= opts.learners; i++) learners.push(BigInt(opts.voters + i));
    this.nextNodeId = BigInt(opts.voters + opts.learners + 1);
    for (const id of [...voters, ...learners]) this.createNode(id, { voters, learners });
    this.trace(
      `seed ${opts.seed}: preVote=${this.preVote} checkQuorum=${this.checkQuorum} maxSizePerMsg=${this.maxSizePerMsg} inflight=${this.maxInflightMsgs} drop=${this.dropP} dup=${this.dupP} delay=${this.delayP}`,
    );
  }

  private trace(line: string): void {
    this.opts.trace?.(`[${this.now}] ${line}`);
  }

  /** Founding members share a snapshot at index 1 holding the initial membership, so a
   * member added later learns it from the leader's snapshot. Joiners start empty. */
  private createNode(id: NodeId, initial: ConfState | undefined): SimNode {
    const storage = new MemoryStorage();
    if (initial) {
      storage.applySnapshot({
        data: new Uint8Array(0),
        metadata: { index: 1, term: 1, confState: initial },
      });
      storage.setHardState({ term: 1, vote: 0n, commit: 1 });
    }
    const n: SimNode = {
      id,
      storage,
      rn: undefined,
      appliedIndex: 0,
      confState: { voters: [], learners: [] },
      removed: false,
      commitChecked: 0,
      writing: undefined,
    };
    this.nodes.set(id, n);
    this.start(n);
    return n;
  }

  private start(n: SimNode): void {
    const snap = n.storage.snapshot();
    // The state machine is rebuilt from the snapshot; later entries are re-applied.
    n.appliedIndex = snap.metadata.index;
    n.confState = snap.metadata.confState;
    n.commitChecked = snap.metadata.index;
    n.writing = undefined;
    n.rn = new RawNode({
      id: n.id,
      electionTick: 10,
      heartbeatTick: 1,
      storage: n.storage,
      applied: snap.metadata.index,
      preVote: this.preVote,
      checkQuorum: this.checkQuorum,
      maxSizePerMsg: this.maxSizePerMsg,
      maxInflightMsgs: this.maxInflightMsgs,
      random: this.rng.fork(),
    });
  }

  private live(): SimNode[] {
    const out: SimNode[] = [];
    for (const n of this.nodes.values()) if (n.rn && !n.removed) out.push(n);
    return out;
  }

  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.live()) {
      if (n.rn!.raft.state === "leader" && (!best || n.rn!.raft.term > best.rn!.raft.term))
        best = n;
    }
    return best;
  }

  run(): SimResult {
    try {
      for (let i = 0; i < this.opts.steps; i++) this.step();
      this.settle();
    } catch (err) {
      if (err instanceof Violation)
        return {
          seed: this.opts.seed,
          violation: `${err.message} (at step ${this.now})`,
          stats: this.stats,
        };
      const e = err as Error;
      return {
        seed: this.opts.seed,
        violation: `exception at step ${this.now}: ${e.stack ?? e.message}`,
        stats: this.stats,
      };
    }
    this.stats.committed = this.checker.maxCommit;
    this.stats.acked = this.acked.size;
    return { seed: this.opts.seed, stats: this.stats };
  }

  // ---- one step ----------------------------------------------------------------------

  private step(): void {
    if (this.chaos) this.injectFaultsAndOps();
    this.now++;
    for (const n of this.live()) {
      if (this.chaos && this.rng.chance(0.03)) continue; // clock skew: a tick comes late
      n.rn!.tick();
    }
    for (let round = 0; round < 50; round++) {
      let progressed = false;
      for (const n of this.rng.shuffle(this.live())) {
        if (n.writing) {
          // The write finishes at some point while messages keep flowing, or never.
          if (this.chaos && this.rng.chance(0.02)) {
            this.trace(
              `crash ${n.id} (leader, while persisting ${n.writing.entries.length} entries)`,
            );
            this.crash(n);
          } else if (!this.chaos || this.rng.chance(0.3)) this.finishReady(n, n.writing);
          progressed = true;
        } else if (n.rn?.hasReady()) {
          this.processReady(n);
          progressed = true;
        }
      }
      if (this.deliverDue()) progressed = true;
      if (!progressed) break;
    }
    for (const id of this.toStop) {
      const n = this.nodes.get(id);
      if (n && !n.removed) {
        this.trace(`stop removed node ${id}`);
        n.removed = true;
        n.rn = undefined;
      }
    }
    this.toStop.clear();
    this.checkInvariants();
  }

  private injectFaultsAndOps(): void {
    const r = this.rng;
    const any = (): SimNode | undefined => {
      const live = this.live();
      return live.length > 0 ? r.pick(live) : undefined;
    };
    const proposals = r.chance(0.4) ? r.int(1, 3) : 0;
    for (let i = 0; i < proposals; i++) {
      const n = any();
      if (n) this.propose(n);
    }
    if (r.chance(0.01)) {
      const n = any();
      if (n) this.crash(n);
    }
    if (r.chance(0.03)) {
      const down = [...this.nodes.values()].filter((n) => !n.rn && !n.removed);
      if (down.length > 0) this.restart(r.pick(down));
    }
    if (r.chance(0.008)) this.partition();
    if (r.chance(0.02) && this.blocked.size > 0) {
      this.trace("heal partitions");
      this.blocked.clear();
    }
    if (r.chance(0.02)) {
      const n = any();
      if (n) this.snapshot(n);
    }
    if (r.chance(0.01)) this.changeMembership();
    if (r.chance(0.008)) this.transferLeader();
    if (r.chance(0.05)) {
      const n = any();
      if (n) this.readIndex(n);
    }
  }

  private propose(n: SimNode, barrier = false): void {
    const id = `${barrier ? "barrier" : "p"}${this.nextProposal++}`;
    try {
      n.rn!.propose(enc.encode(id));
      this.stats.proposals++;
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
    }
  }

  private crash(n: SimNode): void {
    this.trace(`crash ${n.id}`);
    this.stats.crashes++;
    n.rn = undefined;
  }

  private restart(n: SimNode): void {
    this.trace(`restart ${n.id}`);
    this.start(n);
  }

  private partition(): void {
    const ids = [...this.nodes.keys()];
    const side = new Set(ids.filter(() => this.rng.chance(0.5)));
    const oneWay = this.rng.chance(0.3);
    this.blocked.clear();
    for (const a of ids)
      for (const b of ids) {
        if (side.has(a) && !side.has(b)) {
          this.blocked.add(`${a}>${b}`);
          if (!oneWay) this.blocked.add(`${b}>${a}`);
        }
      }
    this.trace(`partition {${[...side].join(",")}} ${oneWay ? "one-way" : "both ways"}`);
  }

  private snapshot(n: SimNode): void {
    const snapIndex = n.storage.snapshot().metadata.index;
    if (n.appliedIndex < snapIndex + 3) return;
    n.storage.createSnapshot(n.appliedIndex, n.confState, enc.encode(`state@${n.appliedIndex}`));
    const compactTo = n.appliedIndex - this.rng.int(0, 3);
    if (compactTo >= n.storage.firstIndex()) n.storage.compact(compactTo);
    this.trace(`snapshot ${n.id} at ${n.appliedIndex}, compact to ${compactTo}`);
  }

  private changeMembership(): void {
    const l = this.leader();
    if (!l) return;
    const prs = l.rn!.raft.prs;
    const choices: (() => void)[] = [];
    const learners = prs.learners;
    const voters = prs.voters;
    if (learners.length + voters.length < this.opts.voters + 3) {
      choices.push(() => {
        const id = this.nextNodeId++;
        this.createNode(id, undefined);
        this.proposeConfChange(l, ConfChangeType.AddLearnerNode, id);
      });
    }
    if (learners.length > 0)
      choices.push(() =>
        this.proposeConfChange(l, ConfChangeType.AddNode, this.rng.pick(learners)),
      );
    if (voters.length > this.minVoters)
      choices.push(() =>
        this.proposeConfChange(l, ConfChangeType.RemoveNode, this.rng.pick(voters)),
      );
    if (learners.length > 0 && this.rng.chance(0.3))
      choices.push(() =>
        this.proposeConfChange(l, ConfChangeType.RemoveNode, this.rng.pick(learners)),
      );
    if (choices.length > 0) this.rng.pick(choices)();
  }

  private proposeConfChange(l: SimNode, type: ConfChangeType, nodeId: NodeId): void {
    this.trace(`propose conf change ${ConfChangeType[type]} ${nodeId} at leader ${l.id}`);
    try {
      l.rn!.proposeConfChange({
        id: BigInt(this.nextProposal++),
        type,
        nodeId,
        context: new Uint8Array(0),
      });
      this.stats.confChanges++;
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
    }
  }

  private transferLeader(): void {
    const l = this.leader();
    if (!l) return;
    const others = l.rn!.raft.prs.voters.filter((v) => v !== l.id);
    if (others.length === 0) return;
    const to = this.rng.pick(others);
    this.trace(`transfer leadership ${l.id} -> ${to}`);
    this.stats.transfers++;
    l.rn!.transferLeader(to);
  }

  private readIndex(n: SimNode): void {
    const ctx = `r${this.nextProposal++}`;
    this.reads.set(ctx, { node: n.id, commitAtRequest: this.checker.maxCommit });
    this.stats.reads++;
    n.rn!.readIndex(enc.encode(ctx));
  }

  // ---- Ready handling and the network -----------------------------------------------

  private processReady(n: SimNode): void {
    const rn = n.rn!;
    const rd = rn.ready();
    if (rn.raft.state === "leader" && rd.entries.length > 0) {
      // A leader sends its appends in parallel with its own write (raft counts its own
      // entries only once advance() says they are persisted). It may die mid-write.
      this.send(rd.messages.filter(sendableBeforePersist));
      if (this.chaos && this.rng.chance(0.01)) {
        this.trace(`crash ${n.id} (leader, before persisting ${rd.entries.length} entries)`);
        this.crash(n);
        return;
      }
      n.writing = rd;
      return;
    }
    this.finishReady(n, rd, true);
  }

  /** Persists a Ready, sends its messages (unless already sent), applies, advances. */
  private finishReady(n: SimNode, rd: Ready, sendMessages = false): void {
    const rn = n.rn!;
    n.writing = undefined;
    if (rd.snapshot) {
      const meta = rd.snapshot.metadata;
      n.storage.applySnapshot(rd.snapshot);
      n.appliedIndex = meta.index;
      n.confState = meta.confState;
      const c = this.checker.canonical.get(meta.index);
      if (c && c.term !== meta.term)
        this.checker.fail(
          `snapshot at ${meta.index} has term ${meta.term}, committed entry has term ${c.term}`,
        );
    }
    if (rd.entries.length > 0) {
      n.storage.append(rd.entries);
      this.checker.observePersisted(n.id, rd.entries, (i) => {
        try {
          return n.storage.term(i);
        } catch {
          return undefined;
        }
      });
    }
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    this.send(sendMessages ? rd.messages : rd.messages.filter((m) => !sendableBeforePersist(m)));
    for (const e of rd.committedEntries) {
      if (e.index <= n.appliedIndex) continue;
      if (e.index !== n.appliedIndex + 1)
        this.checker.fail(`node ${n.id} applies ${e.index} after ${n.appliedIndex}`);
      n.appliedIndex = e.index;
      this.checker.observeCommitted(n.id, e.index, e.term, dataKey(e), rn.raft.term);
      if (e.type === EntryType.ConfChange) {
        const cc = decodeConfChange(e.data);
        n.confState = rn.applyConfChange(cc);
        // Like a real member that sees itself removed: it shuts down.
        if (cc.type === ConfChangeType.RemoveNode) this.toStop.add(cc.nodeId);
      } else if (e.data.byteLength > 0) {
        const id = new TextDecoder().decode(e.data);
        if (!this.acked.has(id)) {
          this.acked.add(id);
          if (e.index > this.ackedMaxIndex) this.ackedMaxIndex = e.index;
          if (id.startsWith("barrier") && this.barrierIndex === 0) this.barrierIndex = e.index;
        }
      }
    }
    for (const rs of rd.readStates) {
      const key = new TextDecoder().decode(rs.requestCtx);
      const req = this.reads.get(key);
      if (!req) continue;
      if (req.node !== n.id)
        this.checker.fail(`read state ${key} delivered to ${n.id}, requested on ${req.node}`);
      this.checker.observeReadState(n.id, rs.index, req.commitAtRequest);
      this.reads.delete(key);
    }
    if (rd.softState?.raftState === "leader") this.stats.leaders++;
    rn.advance(rd);
  }

  private blockedLink(from: NodeId, to: NodeId): boolean {
    return this.blocked.size > 0 && this.blocked.has(`${from}>${to}`);
  }

  private send(messages: Message[]): void {
    for (const m of messages) {
      if (this.chaos && (this.blockedLink(m.from, m.to) || this.rng.chance(this.dropP))) {
        this.dropped(m);
        continue;
      }
      const delay = this.chaos && this.rng.chance(this.delayP) ? this.rng.int(1, 3) : 0;
      this.network.push({ m: { ...m }, at: this.now + delay });
      if (this.chaos && this.rng.chance(this.dupP))
        this.network.push({ m: { ...m }, at: this.now + this.rng.int(0, 3) });
    }
  }

  private dropped(m: Message): void {
    if (m.type !== MessageType.Snap) return;
    const sender = this.nodes.get(m.from);
    sender?.rn?.reportSnapshot(m.to, "failure");
  }

  /** Delivers every message due by now, in random order; returns whether any was. */
  private deliverDue(): boolean {
    if (this.network.length === 0) return false;
    const due: InFlight[] = [];
    const later: InFlight[] = [];
    for (const f of this.network) (f.at <= this.now ? due : later).push(f);
    this.network = later;
    if (due.length === 0) return false;
    this.rng.shuffle(due);
    for (const { m } of due) {
      const n = this.nodes.get(m.to);
      if (!n?.rn || n.removed || (this.chaos && this.blockedLink(m.from, m.to))) {
        this.dropped(m);
        continue;
      }
      try {
        n.rn.step(m);
      } catch (err) {
        if (err instanceof StepPeerNotFoundError) continue;
        throw err;
      }
      if (m.type === MessageType.Snap) {
        this.stats.snapshotsSent++;
        this.nodes.get(m.from)?.rn?.reportSnapshot(m.to, "finish");
      }
    }
    return true;
  }

  // ---- invariants and convergence ------------------------------------------------------

  private checkInvariants(): void {
    for (const n of this.live()) {
      const r = n.rn!.raft;
      if (r.state === "leader") this.checker.observeLeader(r);
      const log = r.raftLog;
      if (log.committed > n.commitChecked) {
        const lo = Math.max(n.commitChecked + 1, log.firstIndex());
        if (lo <= log.committed) {
          for (const e of log.slice(lo, log.committed + 1, Number.MAX_SAFE_INTEGER)) {
            this.checker.observeCommitted(n.id, e.index, e.term, dataKey(e), r.term);
          }
        }
        n.commitChecked = log.committed;
      }
    }
  }

  private settle(): void {
    this.chaos = false;
    this.blocked.clear();
    this.trace("heal everything");
    for (const n of this.nodes.values()) if (!n.rn && !n.removed) this.restart(n);
    const settleSteps = this.opts.settleSteps ?? 600;
    let lastBarrierAt = -Infinity;
    for (let i = 0; i < settleSteps; i++) {
      this.step();
      const l = this.leader();
      if (!l) continue;
      if (this.barrierIndex === 0 && i - lastBarrierAt >= 40) {
        this.propose(l, true);
        lastBarrierAt = i;
      }
      if (this.barrierIndex === 0) continue;
      const need = Math.max(this.barrierIndex, this.ackedMaxIndex);
      const members = [...l.rn!.raft.prs.voters, ...l.rn!.raft.prs.learners];
      if (members.every((id) => (this.nodes.get(id)?.appliedIndex ?? -1) >= need)) {
        this.trace(`converged: leader ${l.id}, ${members.length} members applied through ${need}`);
        return;
      }
    }
    const l = this.leader();
    const where = [...this.nodes.values()].map(
      (n) =>
        `${n.id}:${n.removed ? "removed" : n.rn ? `${n.rn.raft.state}/t${n.rn.raft.term}/applied${n.appliedIndex}/commit${n.rn.raft.raftLog.committed}/last${n.rn.raft.raftLog.lastIndex()}` : "down"}`,
    );
    this.checker.fail(
      `liveness: no convergence ${settleSteps} steps after healing (leader ${l?.id ?? "none"}, barrier ${this.barrierIndex}, acked max ${this.ackedMaxIndex}) [${where.join(" ")}]`,
    );
  }
}

export function runSeed(opts: SimOptions): SimResult {
  return new SimWorld(opts).run();
}
