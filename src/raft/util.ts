// Small helpers shared by the raft modules: entry sizing, message construction, and
// classification of message types.
import { MessageType } from "./types.js";
import type { Entry, Message, NodeId } from "./types.js";

/** Approximate encoded size of an entry: payload plus fixed header (term, index, type). */
export function entrySizeBytes(e: Entry): number {
  return e.data.byteLength + 24;
}

/** Keeps a prefix of `ents` whose total size stays within `maxSizeBytes`, never empty. */
export function limitSize(ents: Entry[], maxSizeBytes: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySizeBytes(ents[0]!);
  let n = 1;
  for (; n < ents.length; n++) {
    size += entrySizeBytes(ents[n]!);
    if (size > maxSizeBytes) break;
  }
  return n === ents.length ? ents : ents.slice(0, n);
}

export function payloadSizeBytes(ents: readonly Entry[]): number {
  let s = 0;
  for (const e of ents) s += e.data.byteLength;
  return s;
}

const EMPTY_ENTRIES: Entry[] = [];

/** Builds a complete message (every field present, so objects share one shape). */
export function newMessage(type: MessageType, to: NodeId, fields: Partial<Message> = {}): Message {
  return {
    type,
    to,
    from: fields.from ?? 0n,
    term: fields.term ?? 0,
    logTerm: fields.logTerm ?? 0,
    index: fields.index ?? 0,
    entries: fields.entries ?? EMPTY_ENTRIES,
    commit: fields.commit ?? 0,
    snapshot: fields.snapshot,
    reject: fields.reject ?? false,
    rejectHint: fields.rejectHint ?? 0,
    context: fields.context,
  };
}

export function isLocalMsg(t: MessageType): boolean {
  return (
    t === MessageType.Hup ||
    t === MessageType.Beat ||
    t === MessageType.Unreachable ||
    t === MessageType.SnapStatus ||
    t === MessageType.CheckQuorum
  );
}

export function isResponseMsg(t: MessageType): boolean {
  return (
    t === MessageType.AppResp ||
    t === MessageType.VoteResp ||
    t === MessageType.HeartbeatResp ||
    t === MessageType.Unreachable ||
    t === MessageType.PreVoteResp
  );
}

export function voteRespType(t: MessageType): MessageType {
  if (t === MessageType.Vote) return MessageType.VoteResp;
  if (t === MessageType.PreVote) return MessageType.PreVoteResp;
  throw new Error(`not a vote message: ${MessageType[t]}`);
}

export function sortIds(ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
