// Unit tests of the server feature helpers: listen targets, the quota gate, the leader-only
// auto compaction runner, and the discovery protocol against an in-memory v2 keys service.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pb from "../../../src/proto/index.js";
import { listenTarget, peerClientTls } from "../../../src/server/listen-targets.js";
import { enforceQuota } from "../../../src/server/quota.js";
import { checkIntervalFromEnv, startAutoCompaction } from "../../../src/server/auto-compaction.js";
import {
  joinDiscoveryCluster,
  discoverySelfConfig,
  discoveryMemberId,
} from "../../../src/server/discovery.js";
import { validateJoin } from "../../../src/server/join-validation.js";
import { initialClusterFromSrv, systemLookups } from "../../../src/server/discovery-srv.js";
import { startTestDns } from "./dns-server.js";
import { forceNewClusterLog } from "../../../src/server/force-new-cluster.js";
import { decodeConfChange, encodeConfChange } from "../../../src/raft/index.js";
import { ConfChangeType, EntryType, type Entry } from "../../../src/raft/types.js";
import { createLogger } from "../../../src/log/logger.js";
import type { TlsConfig } from "../../../src/config/server-config.js";

const silent = createLogger({ level: "error", sinks: [] });

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("listenTarget: tcp, https and unix socket URLs", () => {
  assert.deepEqual(listenTarget("http://127.0.0.1:2379"), {
    host: "127.0.0.1",
    port: 2379,
    secure: false,
  });
  assert.deepEqual(listenTarget("https://[::1]:2379"), { host: "::1", port: 2379, secure: true });
  assert.deepEqual(listenTarget("unix://localhost:2379"), {
    host: "localhost",
    port: 0,
    socketPath: "localhost:2379",
    secure: false,
  });
  assert.equal(listenTarget("unixs://localhost:2379").secure, true);
});

test("peerClientTls: none without peer TLS settings", () => {
  const none: TlsConfig = {
    certFile: "",
    keyFile: "",
    clientCertAuth: false,
    trustedCaFile: "",
    crlFile: "",
    allowedHostname: "",
    allowedCn: "",
    autoTls: false,
    skipClientSanVerification: false,
  };
  assert.equal(peerClientTls(none), undefined);
});

test("enforceQuota: raises NOSPACE for this member and refuses; cheap requests pass", async () => {
  const raised: pb.AlarmRequest[] = [];
  const deps = {
    memberId: 42n,
    quotaBytes: 10_000,
    dbSizeBytes: () => 9_700,
    raiseAlarm: async (a: pb.AlarmRequest) => {
      raised.push(a);
    },
  };
  await enforceQuota(deps, { put: { key: Buffer.from("k"), value: Buffer.from("v") } });
  assert.equal(raised.length, 0);
  await assert.rejects(
    enforceQuota(deps, { put: { key: Buffer.from("k"), value: Buffer.alloc(100) } }),
    { message: "etcdserver: mvcc: database space exceeded" },
  );
  assert.deepEqual(raised, [
    { memberID: 42n, action: pb.AlarmRequest_AlarmAction.ACTIVATE, alarm: pb.AlarmType.NOSPACE },
  ]);
  // A txn without puts costs nothing, even over the quota.
  await enforceQuota({ ...deps, dbSizeBytes: () => 20_000 }, { txn: { success: [], failure: [] } });
  await assert.rejects(enforceQuota({ ...deps, dbSizeBytes: () => 9_990 }, { leaseGrant: true }));
});

test("auto compaction runs only while leader, through the compact callback", async () => {
  let leader = false;
  let rev = 100;
  const compacted: number[] = [];
  const runner = startAutoCompaction(
    { mode: "revision", retentionText: "10", revisions: 10 },
    {
      isLeader: () => leader,
      currentRevision: () => rev,
      compact: async (r) => {
        compacted.push(r);
      },
      logger: silent,
      checkIntervalMs: 20,
    },
  );
  try {
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(compacted, []);
    leader = true;
    await until(() => compacted.length >= 1);
    assert.deepEqual(compacted, [90]);
    rev = 150;
    await until(() => compacted.length >= 2);
    assert.deepEqual(compacted, [90, 140]);
  } finally {
    runner.stop();
  }
  assert.equal(checkIntervalFromEnv({ TSCTL_AUTO_COMPACTION_CHECK_INTERVAL_MS: "250" }), 250);
  assert.equal(checkIntervalFromEnv({}), undefined);
});

/** A tiny v2 keys service: one directory, creation order, wait on the next index. */
function fakeV2(dir: string, size: string | undefined) {
  let index = 1;
  const nodes = new Map<string, { value: string; createdIndex: number }>();
  const waiters: Array<() => void> = [];
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "x-etcd-index": String(index), "content-type": "application/json" },
    });
  const put = (key: string, value: string) => {
    index++;
    nodes.set(key, { value, createdIndex: index });
    for (const w of waiters.splice(0)) w();
  };
  if (size !== undefined) put(`${dir}/_config/size`, size);
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const key = url.pathname;
    if (init?.method === "PUT") {
      if (url.searchParams.get("prevExist") === "false" && nodes.has(key))
        return json(412, { errorCode: 105, message: "Key already exists", cause: key, index });
      put(key, new URLSearchParams(String(init.body)).get("value") ?? "");
      return json(201, { action: "create", node: { key, ...nodes.get(key) } });
    }
    if (key === `${dir}/_config/size`) {
      const n = nodes.get(key);
      if (!n) return json(404, { errorCode: 100, message: "Key not found", cause: dir, index });
      return json(200, { node: { key, value: n.value } });
    }
    if (url.searchParams.get("wait") === "true") {
      const from = Number(url.searchParams.get("waitIndex"));
      for (;;) {
        const hit = [...nodes].find(([, n]) => n.createdIndex >= from);
        if (hit)
          return json(200, {
            action: "create",
            node: {
              key: hit[0],
              value: hit[1].value,
              createdIndex: hit[1].createdIndex,
              modifiedIndex: hit[1].createdIndex,
            },
          });
        await new Promise<void>((r) => waiters.push(r));
      }
    }
    const children = [...nodes]
      .filter(([k]) => k.startsWith(`${dir}/`) && !k.startsWith(`${dir}/_config`))
      .map(([k, n]) => ({
        key: k,
        value: n.value,
        createdIndex: n.createdIndex,
        modifiedIndex: n.createdIndex,
      }));
    return json(200, {
      node: { key: dir, dir: true, nodes: [...children, { key: `${dir}/_config`, dir: true }] },
    });
  }) as typeof fetch;
  return { fetchImpl, put };
}

test("discovery: registers, waits for the others, returns the cluster in creation order", async () => {
  const durl = "http://disc.example:2379/v2/keys/discovery/t1";
  const svc = fakeV2("/v2/keys/discovery/t1", "3");
  const join = (name: string, peer: string) =>
    joinDiscoveryCluster({
      url: durl,
      memberId: discoveryMemberId([peer], durl),
      selfConfig: discoverySelfConfig(name, [peer]),
      fetchImpl: svc.fetchImpl,
    });
  const a = join("a", "http://10.0.0.1:2380");
  await new Promise((r) => setTimeout(r, 20));
  const b = join("b", "http://10.0.0.2:2380");
  await new Promise((r) => setTimeout(r, 20));
  const c = join("c", "http://10.0.0.3:2380");
  const want = "a=http://10.0.0.1:2380,b=http://10.0.0.2:2380,c=http://10.0.0.3:2380";
  assert.deepEqual(await Promise.all([a, b, c]), [want, want, want]);
});

test("discovery errors: v2 key-not-found text for the size key, bad size, full, duplicate id", async () => {
  const durl = "http://disc.example:2379/v2/keys/discovery/t2";
  const opts = (fetchImpl: typeof fetch, peer = "http://10.0.0.9:2380") => ({
    url: durl,
    memberId: discoveryMemberId([peer], durl),
    selfConfig: discoverySelfConfig("x", [peer]),
    fetchImpl,
  });
  await assert.rejects(
    joinDiscoveryCluster(opts(fakeV2("/v2/keys/discovery/t2", undefined).fetchImpl)),
    { message: "100: Key not found (/v2/keys/discovery/t2) [1]" },
  );
  await assert.rejects(joinDiscoveryCluster(opts(fakeV2("/v2/keys/discovery/t2", "x").fetchImpl)), {
    message: "discovery: size key is bad",
  });
  const full = fakeV2("/v2/keys/discovery/t2", "1");
  full.put("/v2/keys/discovery/t2/abc", "y=http://10.0.0.8:2380");
  await assert.rejects(joinDiscoveryCluster(opts(full.fetchImpl)), {
    message: "discovery: cluster is full",
  });
  const dup = fakeV2("/v2/keys/discovery/t2", "2");
  const id = discoveryMemberId(["http://10.0.0.9:2380"], durl).toString(16);
  dup.put(`/v2/keys/discovery/t2/${id}`, "x=http://10.0.0.9:2380");
  await assert.rejects(joinDiscoveryCluster(opts(dup.fetchImpl)), {
    message: "discovery: found duplicate id",
  });
});

test("validateJoin: etcd's texts for a member count mismatch and unmatched peer URLs", () => {
  const existing = [
    {
      id: 0x3d876dc20f01a35en,
      name: "m1",
      peerURLs: ["http://a:1"],
      clientURLs: ["http://a:2"],
      isLearner: false,
    },
    {
      id: 0xf27b0fa94ed5cbdn,
      name: "",
      peerURLs: ["http://b:1"],
      clientURLs: [],
      isLearner: false,
    },
  ];
  const cluster =
    "{ClusterID:29347c1fc1a476a2 Members:[&{ID:3d876dc20f01a35e RaftAttributes:{PeerURLs:[http://a:1] IsLearner:false} Attributes:{Name:m1 ClientURLs:[http://a:2]}} " +
    "&{ID:f27b0fa94ed5cbd RaftAttributes:{PeerURLs:[http://b:1] IsLearner:false} Attributes:{Name: ClientURLs:[]}}] RemovedMemberIDs:[]}";
  const cid = 0x29347c1fc1a476a2n;
  assert.equal(
    validateJoin(
      cid,
      existing,
      new Map([
        ["m1", ["http://a:1"]],
        ["m2", ["http://b:1"]],
      ]),
    ),
    undefined,
  );
  assert.equal(
    validateJoin(cid, existing, new Map([["m1", ["http://a:1"]]])),
    `error validating peerURLs ${cluster}: member count is unequal`,
  );
  assert.equal(
    validateJoin(
      cid,
      existing,
      new Map([
        ["m1", ["http://a:1"]],
        ["m2", ["http://c:1"]],
      ]),
    ),
    `error validating peerURLs ${cluster}: PeerURLs: no match found for existing member (f27b0fa94ed5cbd, [http://b:1]), last resolver error (resolved urls: "http://b:1" != "http://c:1")`,
  );
});

test("initialClusterFromSrv: own record gets --name, others 0, 1, ...; missing self fails", async () => {
  const dns = await startTestDns(
    {
      "_etcd-server._tcp.example.test": [
        { priority: 0, weight: 10, port: 2380, target: "m1.example.test." },
        { priority: 0, weight: 10, port: 2381, target: "m2.example.test." },
        { priority: 0, weight: 10, port: 2382, target: "m3.example.test." },
      ],
    },
    {
      "m1.example.test": "127.0.0.1",
      "m2.example.test": "127.0.0.1",
      "m3.example.test": "127.0.0.1",
    },
  );
  try {
    const lookups = systemLookups(dns.address);
    const cfg = {
      name: "me",
      discoverySrv: "example.test",
      discoverySrvName: "",
      initialAdvertisePeerUrls: ["http://127.0.0.1:2381"],
    };
    const text = await initialClusterFromSrv(cfg, lookups);
    assert.deepEqual(text.split(",").sort(), [
      "0=http://m1.example.test:2380",
      "1=http://m3.example.test:2382",
      "me=http://m2.example.test:2381",
    ]);
    await assert.rejects(
      initialClusterFromSrv(
        { ...cfg, initialAdvertisePeerUrls: ["http://127.0.0.1:9999"] },
        lookups,
      ),
      { message: 'cannot find local etcd member "me" in SRV records' },
    );
    await assert.rejects(
      initialClusterFromSrv({ ...cfg, discoverySrv: "nothing.test" }, lookups),
      (err: Error) =>
        /^error querying DNS SRV records for _etcd-server-ssl .*; error querying DNS SRV records for _etcd-server /.test(
          err.message,
        ),
    );
  } finally {
    await dns.close();
  }
});

test("forceNewClusterLog: drops uncommitted entries, appends committed removals of the others", () => {
  const add = (index: number, nodeId: bigint): Entry => ({
    term: 2,
    index,
    type: EntryType.ConfChange,
    data: encodeConfChange({
      id: 1n,
      type: ConfChangeType.AddNode,
      nodeId,
      context: new Uint8Array(0),
    }),
  });
  const normal = (index: number): Entry => ({
    term: 2,
    index,
    type: EntryType.Normal,
    data: new Uint8Array(0),
  });
  const forced = forceNewClusterLog({
    selfId: 1n,
    confState: { voters: [1n, 2n, 3n], learners: [] },
    entries: [normal(11), add(12, 4n), normal(13), add(14, 5n)],
    hardState: { term: 3, vote: 2n, commit: 13 },
    snapshotIndex: 10,
    snapshotTerm: 2,
  });
  assert.deepEqual(forced.removed.sort(), [2n, 3n, 4n]);
  assert.deepEqual(
    forced.entries.map((e) => e.index),
    [11, 12, 13, 14, 15, 16],
  );
  assert.deepEqual(forced.hardState, { term: 3, vote: 2n, commit: 16 });
  assert.deepEqual(
    forced.appended.map((e) => [
      e.term,
      decodeConfChange(e.data).type,
      decodeConfChange(e.data).nodeId,
    ]),
    forced.removed.map((id) => [3, ConfChangeType.RemoveNode, id]),
  );
});
