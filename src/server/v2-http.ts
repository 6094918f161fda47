// Wires the v2 HTTP API (/v2/keys, /v2/members, /v2/stats, /v2/machines) to this member:
// writes and quorum reads go through raft as V2 requests, membership through conf changes.
import {
  createV2Handler,
  V2MembershipError,
  type V2FollowerStats,
  type V2Handler,
  type V2Member,
} from "../api/http/v2/index.js";
import type { V2Result } from "../v2store/index.js";
import { isEtcdError } from "../errors.js";
import type { EtcdServer } from "./etcd-server.js";
import { RequestKind } from "./envelope.js";

function toV2Member(m: {
  id: bigint;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}): V2Member {
  return { id: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs };
}

/** etcd's v3 membership errors in the v2 API's terms. */
function membershipError(err: unknown): never {
  if (isEtcdError(err, "PeerURLExist")) throw new V2MembershipError("PeerURLExists");
  if (isEtcdError(err, "MemberExist")) throw new V2MembershipError("IDExists");
  if (isEtcdError(err, "MemberNotFound")) throw new V2MembershipError("IDNotFound");
  throw err;
}

export function createMemberV2Handler(s: EtcdServer): V2Handler {
  const member = s.member;
  const startTimeMs = Date.now();
  let leaderSinceMs = Date.now();
  let lastLeader = member.leaderId;
  const leaderStart = () => {
    if (member.leaderId !== lastLeader) {
      lastLeader = member.leaderId;
      leaderSinceMs = Date.now();
    }
    return leaderSinceMs;
  };
  return createV2Handler({
    store: s.kv.v2,
    propose: async (req) => {
      const res = await member.propose(RequestKind.V2, Buffer.from(JSON.stringify(req)));
      if (res.error) throw res.error;
      return res.response as V2Result;
    },
    raftIndex: () => member.committedIndex,
    raftTerm: () => member.term,
    clusterIdHex: () => member.clusterId.toString(16),
    membersProvider: () => member.cluster.list().map(toV2Member),
    addMember: async (peerURLs) => {
      try {
        const res = await s.memberAdd({ peerURLs, isLearner: false });
        return toV2Member({ ...res.member!, id: res.member!.ID });
      } catch (err) {
        membershipError(err);
      }
    },
    removeMember: async (id) => {
      if (member.cluster.isRemoved(id)) throw new V2MembershipError("IDRemoved");
      try {
        await s.memberRemove({ ID: id });
      } catch (err) {
        membershipError(err);
      }
    },
    updateMember: async (id, peerURLs) => {
      try {
        await s.memberUpdate({ ID: id, peerURLs });
      } catch (err) {
        membershipError(err);
      }
    },
    leaderInfo: () => {
      const lead = member.cluster.get(member.leaderId);
      return lead ? toV2Member(lead) : null;
    },
    selfStats: () => ({
      name: member.cfg.name,
      id: member.id.toString(16),
      state: member.isLeader ? "StateLeader" : "StateFollower",
      startTimeMs,
      leaderInfo: {
        leader: member.leaderId.toString(16),
        uptimeMs: Date.now() - leaderStart(),
        startTimeMs: leaderStart(),
      },
      recvAppendRequestCnt: member.transport.stats.messagesReceived,
      sendAppendRequestCnt: member.transport.stats.messagesSent,
    }),
    leaderStats: () => {
      if (!member.isLeader) return null;
      const followers: Record<string, V2FollowerStats> = {};
      for (const m of member.cluster.list()) {
        if (m.id === member.id) continue;
        followers[m.id.toString(16)] = {
          latency: { current: 0, average: 0, standardDeviation: 0, minimum: 0, maximum: 0 },
          counts: { fail: 0, success: 0 },
        };
      }
      return { leader: member.id.toString(16), followers };
    },
  });
}
