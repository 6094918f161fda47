// The row layouts shared by the simple and table formats (member list, endpoint status/
// health/hashkv, snapshot status): header names and cell texts, as etcdctl builds them.
import type { MemberListResponse } from "../proto/gen/etcdserverpb/rpc.js";
import { hexId, humanBytes } from "./text.js";
import type { DbStatus, EpHashKV, EpHealth, EpStatus } from "./types.js";

export interface Rows {
  header: string[];
  rows: string[][];
}

export function memberListRows(r: MemberListResponse): Rows {
  return {
    header: ["ID", "Status", "Name", "Peer Addrs", "Client Addrs", "Is Learner"],
    rows: r.members.map((m) => [
      hexId(m.ID),
      m.name === "" ? "unstarted" : "started",
      m.name,
      m.peerURLs.join(","),
      m.clientURLs.join(","),
      m.isLearner ? "true" : "false",
    ]),
  };
}

export function endpointHealthRows(hs: EpHealth[]): Rows {
  return {
    header: ["endpoint", "health", "took", "error"],
    rows: hs.map((h) => [h.endpoint, String(h.health), h.took, h.error]),
  };
}

export function endpointStatusRows(ss: EpStatus[]): Rows {
  return {
    header: [
      "endpoint",
      "ID",
      "version",
      "db size",
      "is leader",
      "is learner",
      "raft term",
      "raft index",
      "raft applied index",
      "errors",
    ],
    rows: ss.map(({ endpoint, resp }) => {
      const memberId = resp.header?.memberId ?? 0n;
      return [
        endpoint,
        hexId(memberId),
        resp.version,
        humanBytes(resp.dbSize),
        String(resp.leader === memberId),
        String(resp.isLearner),
        resp.raftTerm.toString(),
        resp.raftIndex.toString(),
        resp.raftAppliedIndex.toString(),
        resp.errors.join(", "),
      ];
    }),
  };
}

export function endpointHashKVRows(hs: EpHashKV[]): Rows {
  return {
    header: ["endpoint", "hash"],
    rows: hs.map((h) => [h.endpoint, String(h.resp.hash)]),
  };
}

export function dbStatusRows(s: DbStatus): Rows {
  return {
    header: ["hash", "revision", "total keys", "total size"],
    rows: [
      [s.hash.toString(16), s.revision.toString(), String(s.totalKey), humanBytes(s.totalSize)],
    ],
  };
}
