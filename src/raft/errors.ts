// The typed errors the consensus core and its storage throw. Callers match on the class
// (instanceof) or on the exported singleton instances, which are the ones thrown.

export class RaftError extends Error {
  override name = "RaftError";
}

export class CompactedError extends RaftError {
  override name = "CompactedError";
}
export class UnavailableError extends RaftError {
  override name = "UnavailableError";
}
export class SnapshotTemporarilyUnavailableError extends RaftError {
  override name = "SnapshotTemporarilyUnavailableError";
}
export class SnapOutOfDateError extends RaftError {
  override name = "SnapOutOfDateError";
}
export class ProposalDroppedError extends RaftError {
  override name = "ProposalDroppedError";
}
export class StepLocalMsgError extends RaftError {
  override name = "StepLocalMsgError";
}
export class StepPeerNotFoundError extends RaftError {
  override name = "StepPeerNotFoundError";
}

export const ErrCompacted = new CompactedError("requested index is unavailable due to compaction");
export const ErrUnavailable = new UnavailableError("requested entry at index is unavailable");
export const ErrSnapshotTemporarilyUnavailable = new SnapshotTemporarilyUnavailableError(
  "snapshot is temporarily unavailable",
);
export const ErrSnapOutOfDate = new SnapOutOfDateError(
  "requested index is older than the existing snapshot",
);
export const ErrProposalDropped = new ProposalDroppedError("raft proposal dropped");
export const ErrStepLocalMsg = new StepLocalMsgError("raft: cannot step raft local message");
export const ErrStepPeerNotFound = new StepPeerNotFoundError("raft: cannot step as peer not found");

/** A broken invariant: the state machine must stop rather than corrupt the log. */
export function invariant(cond: boolean, what: () => string): asserts cond {
  if (!cond) throw new Error(`raft invariant violated: ${what()}`);
}
