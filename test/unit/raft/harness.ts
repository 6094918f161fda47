// A small in-process cluster for raft unit tests: every node has a MemoryStorage as its
// "disk", Readies are persisted/applied/sent synchronously, and the network can be cut
// per direction. Deterministic: one seeded PRNG per node.
import {
  EntryType,
  MemoryStorage,
  MessageType,
  RawNode,
  decodeConfChange,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type RaftConfig,
  type ReadState,
} from "../../../src/raft/index.js";

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type NodeOptions = Partial<Omit<RaftConfig, "id" | "storage" | "random">>;

export interface TestNode {
  id: NodeId;
  storage: MemoryStorage;
  rn: RawNode | undefined;
  applied: Entry[];
  confState: ConfState;
  readStates: ReadState[];
  /** Index of the last entry applied to `applied` (or restored from a snapshot). */
  appliedIndex: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
export const bytes = (s: string): Uint8Array => enc.encode(s);
export const text = (b: Uint8Array): string => dec.decode(b);

export class Cluster {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages in flight, delivered by stabilize()/deliver(). */
  pending: Message[] = [];
  /** Directed links that drop everything: "from>to". */
  private readonly cut = new Set<string>();
  /** Message types dropped everywhere (e.g. to freeze replication in a test). */
  readonly dropTypes = new Set<MessageType>();
  readonly opts: NodeOptions;
  private seed = 1;

  constructor(voters: NodeId[], learners: NodeId[] = [], opts: NodeOptions = {}) {
    this.opts = opts;
    for (const id of [...voters, ...learners]) this.add(id, { voters, learners });
  }

  /**
   * Creates a node. Founding members (given the initial membership) start from a
   * snapshot at index 1, term 1 holding it, so their logs begin at index 2; a node added
   * later starts empty and learns the membership from the leader.
   */
  add(id: NodeId, initial?: ConfState): TestNode {
    const storage = new MemoryStorage();
    const confState = initial ?? { voters: [], learners: [] };
    if (initial) {
      storage.applySnapshot({
        data: new Uint8Array(0),
        metadata: { index: 1, term: 1, confState },
      });
      storage.setHardState({ term: 1, vote: 0n, commit: 1 });
    }
    const n: TestNode = {
      id,
      storage,
      rn: undefined,
      applied: [],
      confState,
      appliedIndex: 0,
      readStates: [],
    };
    this.nodes.set(id, n);
    this.start(n);
    return n;
  }

  private start(n: TestNode): void {
    const snap = n.storage.snapshot();
    n.appliedIndex = snap.metadata.index;
    n.confState = snap.metadata.confState;
    n.rn = new RawNode({
      electionTick: 10,
      heartbeatTick: 1,
      ...this.opts,
      id: n.id,
      storage: n.storage,
      applied: n.appliedIndex,
      random: mulberry32(this.seed++ * 7919 + Number(n.id)),
    });
  }

  node(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  rn(id: NodeId): RawNode {
    const rn = this.node(id).rn;
    if (!rn) throw new Error(`node ${id} is down`);
    return rn;
  }

  crash(id: NodeId): void {
    const n = this.node(id);
    n.rn = undefined;
    n.applied = [];
    this.pending = this.pending.filter((m) => m.to !== id);
  }

  restart(id: NodeId): void {
    this.start(this.node(id));
  }

  /** Snapshots node `id` at its applied index and discards the log up to there. */
  compact(id: NodeId): void {
    const n = this.node(id);
    n.storage.createSnapshot(n.appliedIndex, n.confState, bytes(`snap@${n.appliedIndex}`));
    n.storage.compact(n.appliedIndex);
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  /** Splits into groups that can only talk within themselves. */
  partition(...groups: NodeId[][]): void {
    for (const g of groups)
      for (const a of g)
        for (const other of groups)
          if (other !== g) for (const b of other) this.cut.add(`${a}>${b}`);
  }

  heal(): void {
    this.cut.clear();
    this.dropTypes.clear();
  }

  /** Persists, applies and sends one node's Ready; returns whether there was one. */
  processReady(n: TestNode): boolean {
    const rn = n.rn;
    if (!rn || !rn.hasReady()) return false;
    const rd = rn.ready();
    if (rd.snapshot) {
      n.storage.applySnapshot(rd.snapshot);
      n.appliedIndex = rd.snapshot.metadata.index;
      n.confState = rd.snapshot.metadata.confState;
      n.applied = [];
    }
    n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    for (const m of rd.messages) this.pending.push(m);
    n.readStates.push(...rd.readStates);
    for (const e of rd.committedEntries) {
      if (e.index <= n.appliedIndex) continue;
      if (e.index !== n.appliedIndex + 1)
        throw new Error(`node ${n.id} applies ${e.index} after ${n.appliedIndex}`);
      n.appliedIndex = e.index;
      n.applied.push(e);
      if (e.type === EntryType.ConfChange)
        n.confState = rn.applyConfChange(decodeConfChange(e.data));
    }
    rn.advance(rd);
    return true;
  }

  /** Delivers one message through the network; returns false if it was dropped. */
  deliverOne(m: Message): boolean {
    if (this.cut.has(`${m.from}>${m.to}`) || this.dropTypes.has(m.type)) return false;
    const n = this.nodes.get(m.to);
    if (!n?.rn) return false;
    try {
      n.rn.step({ ...m });
    } catch (err) {
      if (err instanceof Error && err.name === "StepPeerNotFoundError") return false;
      throw err;
    }
    return true;
  }

  /** Runs Readies and message deliveries until nothing is left to do. */
  stabilize(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      let progressed = false;
      for (const n of this.nodes.values()) if (this.processReady(n)) progressed = true;
      const msgs = this.pending;
      this.pending = [];
      for (const m of msgs) {
        this.deliverOne(m);
        progressed = true;
      }
      if (!progressed) return;
    }
    throw new Error("cluster did not stabilize");
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) this.rn(id).tick();
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const n of this.nodes.values()) n.rn?.tick();
      this.stabilize();
    }
  }

  /** Campaigns on `id` and lets the election finish. */
  elect(id: NodeId): void {
    this.rn(id).campaign();
    this.stabilize();
  }

  propose(id: NodeId, data: string): void {
    this.rn(id).propose(bytes(data));
    this.stabilize();
  }

  leaders(): NodeId[] {
    const out: NodeId[] = [];
    for (const n of this.nodes.values()) if (n.rn?.raft.state === "leader") out.push(n.id);
    return out;
  }

  /** The log of a node as "term" or "term:data" per entry, from its first index. */
  logOf(id: NodeId): string[] {
    const log = this.rn(id).raft.raftLog;
    const out: string[] = [];
    const last = log.lastIndex();
    if (last < log.firstIndex()) return out;
    for (const e of log.slice(log.firstIndex(), last + 1, Number.MAX_SAFE_INTEGER)) {
      out.push(
        e.data.byteLength === 0 || e.type !== EntryType.Normal
          ? `${e.term}`
          : `${e.term}:${text(e.data)}`,
      );
    }
    return out;
  }

  appliedData(id: NodeId): string[] {
    return this.node(id)
      .applied.filter((e) => e.type === EntryType.Normal && e.data.byteLength > 0)
      .map((e) => text(e.data));
  }
}
