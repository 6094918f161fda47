// --force-new-cluster: a member restarts from its data as the only member of its cluster, as
// etcd does. The log is cut at the commit index (uncommitted entries could never commit
// without the old quorum), then committed conf changes removing every other member are
// appended; applying them on start leaves a one-voter configuration that elects itself.
import { ConfChangeType, EntryType } from "../raft/types.js";
import type { ConfState, Entry, HardState } from "../raft/types.js";
import { decodeConfChange, encodeConfChange } from "../raft/index.js";

export interface ForcedLog {
  /** The committed entries kept, then the appended removals. */
  entries: Entry[];
  /** Only the appended removals (to write to the WAL). */
  appended: Entry[];
  hardState: HardState;
  removed: bigint[];
}

/** Voters and learners after the snapshot's configuration and the log's conf changes. */
export function membersAfter(confState: ConfState, entries: readonly Entry[]): Set<bigint> {
  const ids = new Set<bigint>([...confState.voters, ...confState.learners]);
  for (const e of entries) {
    if (e.type !== EntryType.ConfChange) continue;
    const cc = decodeConfChange(e.data);
    if (cc.type === ConfChangeType.RemoveNode) ids.delete(cc.nodeId);
    else if (cc.type === ConfChangeType.AddNode || cc.type === ConfChangeType.AddLearnerNode)
      ids.add(cc.nodeId);
  }
  return ids;
}

export function forceNewClusterLog(opts: {
  selfId: bigint;
  confState: ConfState;
  /** The entries after the snapshot, as the WAL holds them. */
  entries: readonly Entry[];
  hardState: HardState;
  /** Index of the snapshot the entries follow (0 without one). */
  snapshotIndex: number;
  snapshotTerm: number;
}): ForcedLog {
  const commit = opts.hardState.commit;
  const kept = opts.entries.filter((e) => e.index <= commit);
  const others = [...membersAfter(opts.confState, kept)].filter((id) => id !== opts.selfId);
  const last = kept[kept.length - 1];
  let index = last?.index ?? opts.snapshotIndex;
  const term = Math.max(opts.hardState.term, last?.term ?? opts.snapshotTerm);
  const appended: Entry[] = others.map((nodeId) => ({
    term,
    index: ++index,
    type: EntryType.ConfChange,
    data: encodeConfChange({
      id: 0n,
      type: ConfChangeType.RemoveNode,
      nodeId,
      context: new Uint8Array(0),
    }),
  }));
  return {
    entries: [...kept, ...appended],
    appended,
    hardState: { term, vote: opts.hardState.vote, commit: index },
    removed: others,
  };
}
