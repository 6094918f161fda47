// The read side of stable storage the consensus core consults (RaftStorage), and an
// in-memory implementation (MemoryStorage) used by tests, the simulator and as a cache.
import { ErrCompacted, ErrSnapOutOfDate, ErrUnavailable, invariant } from "./errors.js";
import type { ConfState, Entry, HardState, Snapshot } from "./types.js";
import { EntryType, NONE } from "./types.js";
import { limitSize } from "./util.js";

export interface RaftStorage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at least one if any, at most maxSizeBytes beyond the first. */
  entries(lo: number, hi: number, maxSizeBytes: number): Entry[];
  term(index: number): number;
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

export function emptyHardState(): HardState {
  return { term: 0, vote: NONE, commit: 0 };
}

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === NONE && hs.commit === 0;
}

export function cloneConfState(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners] };
}

export class MemoryStorage implements RaftStorage {
  private hardState: HardState = emptyHardState();
  private snap: Snapshot;
  /** ents[0] is a placeholder carrying the snapshot's index and term. */
  private ents: Entry[];

  constructor(initialConfState?: ConfState) {
    this.snap = {
      data: new Uint8Array(0),
      metadata: {
        index: 0,
        term: 0,
        confState: initialConfState
          ? cloneConfState(initialConfState)
          : { voters: [], learners: [] },
      },
    };
    this.ents = [placeholder(0, 0)];
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return {
      hardState: { ...this.hardState },
      confState: cloneConfState(this.snap.metadata.confState),
    };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  entries(lo: number, hi: number, maxSizeBytes: number): Entry[] {
    const offset = this.ents[0]!.index;
    if (lo <= offset) throw ErrCompacted;
    invariant(hi <= this.lastIndex() + 1, () => `entries hi ${hi} beyond last ${this.lastIndex()}`);
    if (this.ents.length === 1) throw ErrUnavailable;
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSizeBytes);
  }

  term(index: number): number {
    const offset = this.ents[0]!.index;
    if (index < offset) throw ErrCompacted;
    if (index - offset >= this.ents.length) throw ErrUnavailable;
    return this.ents[index - offset]!.term;
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole contents with the snapshot (a follower installing the leader's). */
  applySnapshot(snap: Snapshot): void {
    if (this.snap.metadata.index >= snap.metadata.index) throw ErrSnapOutOfDate;
    this.snap = snap;
    this.ents = [placeholder(snap.metadata.index, snap.metadata.term)];
  }

  /** Records a snapshot of the applied state at `index` (entries stay until compact()). */
  createSnapshot(index: number, confState: ConfState | undefined, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw ErrSnapOutOfDate;
    invariant(index <= this.lastIndex(), () => `snapshot ${index} beyond last ${this.lastIndex()}`);
    const offset = this.ents[0]!.index;
    this.snap = {
      data,
      metadata: {
        index,
        term: this.ents[index - offset]!.term,
        confState: confState ? cloneConfState(confState) : this.snap.metadata.confState,
      },
    };
    return this.snap;
  }

  /** Discards entries up to and including `compactIndex` (which must be <= last index). */
  compact(compactIndex: number): void {
    const offset = this.ents[0]!.index;
    if (compactIndex <= offset) throw ErrCompacted;
    invariant(
      compactIndex <= this.lastIndex(),
      () => `compact ${compactIndex} beyond last ${this.lastIndex()}`,
    );
    const i = compactIndex - offset;
    const rest = this.ents.slice(i + 1);
    this.ents = [placeholder(this.ents[i]!.index, this.ents[i]!.term), ...rest];
  }

  /** Appends entries, replacing any existing suffix they conflict with. */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return; // all already compacted
    if (first > entries[0]!.index) entries = entries.slice(first - entries[0]!.index);
    const offset = entries[0]!.index - this.ents[0]!.index;
    invariant(
      offset <= this.ents.length,
      () => `missing log entry [last: ${this.lastIndex()}, append at: ${entries[0]!.index}]`,
    );
    if (offset < this.ents.length) this.ents.length = offset;
    for (const e of entries) this.ents.push(e);
  }
}

function placeholder(index: number, term: number): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array(0) };
}
