// Public surface of the consensus core: a pure, deterministic raft state machine driven
// through RawNode (tick/step/propose in, Ready out), plus storage and wire helpers.
export * from "./types.js";
export {
  ErrCompacted,
  ErrUnavailable,
  ErrSnapshotTemporarilyUnavailable,
  ErrSnapOutOfDate,
  ErrProposalDropped,
  ErrStepLocalMsg,
  ErrStepPeerNotFound,
  RaftError,
  CompactedError,
  UnavailableError,
  SnapshotTemporarilyUnavailableError,
  SnapOutOfDateError,
  ProposalDroppedError,
  StepLocalMsgError,
  StepPeerNotFoundError,
} from "./errors.js";
export { MemoryStorage, emptyHardState, isEmptyHardState } from "./storage.js";
export type { RaftStorage } from "./storage.js";
export { RawNode, sendableBeforePersist } from "./rawnode.js";
export type { Ready, Status, ProgressStatus } from "./rawnode.js";
export type { RaftConfig, SoftState, ReadState, StateType, RaftLogger } from "./raft.js";
export { encodeConfChange, decodeConfChange } from "./confchange.js";
