// Test scaffolding for the /v2 handlers: an in-process "member" whose propose applies each
// request to two stores (the local one and a replica, to show they stay identical), a server
// on a free port, and a small HTTP client.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createV2Handler } from "../../../../src/api/http/v2/index.js";
import type { V2Deps, V2Member } from "../../../../src/api/http/v2/index.js";
import { V2MembershipError } from "../../../../src/api/http/v2/index.js";
import { V2Store, applyV2Request, v2Request } from "../../../../src/v2store/index.js";
import type { V2Request } from "../../../../src/v2store/index.js";

export const CLUSTER_ID = "cdf818194e3a8c32";

export interface FakeMember {
  deps: V2Deps;
  local: V2Store;
  replica: V2Store;
  members: V2Member[];
  proposals: V2Request[];
  /** Applies a SYNC (expire TTL keys) at the given time, as the leader would. */
  sync(timeMs: number): void;
  clock: { nowMs: number };
}

export function fakeMember(): FakeMember {
  const local = new V2Store();
  const replica = new V2Store();
  // A fresh one-member cluster's own writes: the first user write gets index 4.
  for (const s of [local, replica]) {
    s.internalCreate("/members/8e9e05c52164694d/raftAttributes", '{"peerURLs":["http://a:2380"]}');
    s.internalSet("/members/8e9e05c52164694d/attributes", '{"name":"default"}');
    s.internalSet("/version", "3.4.0");
  }
  const members: V2Member[] = [
    {
      id: 0x8e9e05c52164694dn,
      name: "default",
      peerURLs: ["http://127.0.0.1:2380"],
      clientURLs: ["http://127.0.0.1:2379"],
    },
  ];
  const proposals: V2Request[] = [];
  let raftIndex = 4;
  const clock = { nowMs: Date.UTC(2026, 10, 22, 22, 12, 52, 43) };
  const apply = (r: V2Request) => {
    proposals.push(r);
    raftIndex++;
    const wire = JSON.parse(JSON.stringify(r)) as V2Request;
    const result = applyV2Request(local, r);
    applyV2Request(replica, wire);
    return result;
  };
  const deps: V2Deps = {
    store: local,
    propose: async (r) => {
      await new Promise((res) => setImmediate(res)); // a commit takes a turn of the loop
      return apply(r);
    },
    raftIndex: () => raftIndex,
    raftTerm: () => 2,
    clusterIdHex: CLUSTER_ID,
    nowMs: () => clock.nowMs,
    membersProvider: () => members,
    leaderInfo: () => members[0] ?? null,
    addMember: async (peerURLs) => {
      for (const m of members) {
        if (m.peerURLs.some((u) => peerURLs.includes(u))) {
          throw new V2MembershipError("PeerURLExists");
        }
      }
      const m: V2Member = { id: 0x4893a268bf707499n, name: "", peerURLs, clientURLs: [] };
      members.push(m);
      return m;
    },
    removeMember: async (id) => {
      if (id === 0xdeadn) throw new V2MembershipError("IDRemoved");
      const i = members.findIndex((m) => m.id === id);
      if (i < 0) throw new V2MembershipError("IDNotFound");
      members.splice(i, 1);
    },
    updateMember: async (id, peerURLs) => {
      const m = members.find((x) => x.id === id);
      if (m === undefined) throw new V2MembershipError("IDNotFound");
      m.peerURLs = peerURLs;
    },
    selfStats: () => ({
      name: "default",
      id: "8e9e05c52164694d",
      state: "StateLeader",
      startTimeMs: Date.UTC(2026, 10, 24, 10, 19, 51, 919),
      leaderInfo: {
        leader: "8e9e05c52164694d",
        uptimeMs: 7273.5,
        startTimeMs: Date.UTC(2026, 10, 24, 10, 19, 52, 20),
      },
      recvAppendRequestCnt: 0,
      sendAppendRequestCnt: 0,
    }),
    leaderStats: () => ({ leader: "8e9e05c52164694d", followers: {} }),
  };
  return {
    deps,
    local,
    replica,
    members,
    proposals,
    clock,
    sync: (timeMs) => {
      apply(v2Request("SYNC", "", { timeMs }));
    },
  };
}

export interface Served {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function serve(deps: V2Deps): Promise<Served> {
  const server = http.createServer(createV2Handler(deps));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(
  base: string,
  method: string,
  path: string,
  opts: { form?: Record<string, string>; body?: string; contentType?: string } = {},
): Promise<Reply> {
  let body: string | undefined = opts.body;
  let contentType = opts.contentType;
  if (opts.form !== undefined) {
    body = new URLSearchParams(opts.form).toString();
    contentType ??= "application/x-www-form-urlencoded";
  }
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (data += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (contentType !== undefined) req.setHeader("Content-Type", contentType);
    req.end(body);
  });
}
