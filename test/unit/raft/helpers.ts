// Builders for single-node raft tests: a Raft over a MemoryStorage with the given
// membership (at index 0), message shorthands, and draining of the outbox.
import {
  MemoryStorage,
  MessageType,
  type Entry,
  type Message,
  type NodeId,
} from "../../../src/raft/index.js";
import { Raft, type RaftConfig } from "../../../src/raft/raft.js";
import { newMessage } from "../../../src/raft/util.js";
import { mulberry32 } from "./harness.js";

export function ents(...terms: number[]): Entry[] {
  return terms.map((term, i) => ({ term, index: i + 1, type: 0, data: new Uint8Array(0) }));
}

export function storageWith(
  voters: NodeId[],
  log: Entry[] = [],
  learners: NodeId[] = [],
): MemoryStorage {
  const s = new MemoryStorage({ voters, learners });
  s.append(log);
  return s;
}

export function newRaft(
  id: NodeId,
  voters: NodeId[],
  opts: Partial<RaftConfig> & { log?: Entry[]; learners?: NodeId[] } = {},
): Raft {
  const storage = opts.storage ?? storageWith(voters, opts.log ?? [], opts.learners ?? []);
  return new Raft({
    electionTick: 10,
    heartbeatTick: 1,
    random: mulberry32(Number(id)),
    ...opts,
    id,
    storage,
  });
}

export function msg(
  type: MessageType,
  from: NodeId,
  to: NodeId,
  fields: Partial<Message> = {},
): Message {
  return newMessage(type, to, { ...fields, from });
}

export function drain(r: Raft): Message[] {
  const out = r.msgs;
  r.msgs = [];
  return out;
}

/** Makes `r` leader of a cluster by stepping granted votes from everyone else. */
export function makeLeader(r: Raft): void {
  r.becomeCandidate();
  for (const id of r.prs.voters) {
    if (id !== r.id) r.step(msg(MessageType.VoteResp, id, r.id, { term: r.term }));
  }
  if (r.state !== "leader") r.becomeLeader();
  drain(r);
}

/** Simulates the application persisting everything unstable (what advance() does). */
export function persistAll(r: Raft, storage: MemoryStorage): void {
  const un = r.raftLog.unstableEntries();
  storage.append(un);
  if (un.length > 0) r.raftLog.stableTo(un[un.length - 1]!.index, un[un.length - 1]!.term);
  r.onPersisted();
}

export const types = (ms: Message[]): string[] => ms.map((m) => `${MessageType[m.type]}>${m.to}`);
