// The raft safety properties, checked continuously by the simulator: election safety,
// log matching, leader completeness, state machine safety (committed entries never
// change; every node applies the same sequence) and linearizable ReadIndex answers.
import { CompactedError, UnavailableError, type Entry, type NodeId } from "../../src/raft/index.js";
import type { Raft } from "../../src/raft/raft.js";

export class Violation extends Error {
  override name = "Violation";
}

interface Canonical {
  term: number;
  data: string;
  /** Term of the observer when first seen committed (>= the term it was committed in). */
  seenInTerm: number;
}

export function dataKey(e: Entry): string {
  return `${e.type}:${Buffer.from(e.data).toString("hex")}`;
}

export class Checker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** (index/term) -> data and previous entry's term: Log Matching by induction. */
  private readonly logIndex = new Map<string, { data: string; prevTerm: number }>();
  readonly canonical = new Map<number, Canonical>();
  maxCommit = 0;
  private readonly checkedLeaders = new Set<string>();

  fail(msg: string): never {
    throw new Violation(msg);
  }

  /** Election Safety: at most one leader per term. */
  observeLeader(r: Raft): void {
    const prev = this.leaderOfTerm.get(r.term);
    if (prev === undefined) this.leaderOfTerm.set(r.term, r.id);
    else if (prev !== r.id)
      this.fail(`election safety: ${prev} and ${r.id} both leaders of term ${r.term}`);
    const key = `${r.id}/${r.term}`;
    if (!this.checkedLeaders.has(key)) {
      this.checkedLeaders.add(key);
      this.checkLeaderCompleteness(r);
    }
  }

  /** Leader Completeness: a leader of term T holds every entry committed before T. */
  private checkLeaderCompleteness(r: Raft): void {
    const log = r.raftLog;
    const first = log.firstIndex();
    for (const [index, c] of this.canonical) {
      if (c.seenInTerm >= r.term || index < first - 1) continue;
      let t: number;
      try {
        t = log.term(index);
      } catch (err) {
        if (err instanceof CompactedError || err instanceof UnavailableError) continue;
        throw err;
      }
      if (t !== c.term) {
        this.fail(
          `leader completeness: leader ${r.id} of term ${r.term} has term ${t} at committed index ${index} (expected ${c.term})`,
        );
      }
    }
  }

  /** Log Matching, checked on every entry a node writes to its disk. */
  observePersisted(
    node: NodeId,
    ents: Entry[],
    prevTermOf: (i: number) => number | undefined,
  ): void {
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      const prevTerm = i > 0 ? ents[i - 1]!.term : prevTermOf(e.index - 1);
      if (prevTerm === undefined) continue;
      const key = `${e.index}/${e.term}`;
      const data = dataKey(e);
      const seen = this.logIndex.get(key);
      if (!seen) this.logIndex.set(key, { data, prevTerm });
      else if (seen.data !== data || seen.prevTerm !== prevTerm) {
        this.fail(
          `log matching: node ${node} entry ${key} differs from another log's (prevTerm ${prevTerm} vs ${seen.prevTerm})`,
        );
      }
    }
  }

  /** State Machine Safety: whatever is committed anywhere is the same everywhere. */
  observeCommitted(
    node: NodeId,
    index: number,
    term: number,
    data: string,
    observerTerm: number,
  ): void {
    const c = this.canonical.get(index);
    if (!c) {
      this.canonical.set(index, { term, data, seenInTerm: observerTerm });
      if (index > this.maxCommit) this.maxCommit = index;
    } else if (c.term !== term || c.data !== data) {
      this.fail(
        `state machine safety: node ${node} has committed index ${index} as term ${term} ${data.slice(0, 40)}, others as term ${c.term} ${c.data.slice(0, 40)}`,
      );
    }
  }

  /** A ReadIndex answer must cover everything committed before the request was made. */
  observeReadState(node: NodeId, index: number, commitAtRequest: number): void {
    if (index < commitAtRequest) {
      this.fail(
        `linearizability: node ${node} read at index ${index} but ${commitAtRequest} was committed before the request`,
      );
    }
  }
}
