// Bad input on both ports of a running 3-member cluster: garbage bytes, truncated frames,
// huge lengths and malformed protobufs, over raw sockets, raw HTTP/2 streams and valid gRPC
// framing. Each must get an error or a closed connection; afterwards every member is still
// up and healthy, and serves puts and gets, and no key written before is lost.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import http2 from "node:http2";
import * as grpc from "@grpc/grpc-js";
import { startTsctlCluster } from "../e2e/cluster.js";
import type { TsctlCluster, TsctlMember } from "../e2e/cluster.js";
import * as pb from "../../src/proto/index.js";
import { Prng } from "./workload.js";

const WAIT_MS = 5000;

interface RawResult {
  closed: boolean;
  bytes: number;
}

/** Writes `chunks` on a raw socket; resolves when the peer closes or WAIT_MS pass. */
function rawTcp(port: number, chunks: Buffer[], halfClose = false): Promise<RawResult> {
  return new Promise((resolve) => {
    let bytes = 0;
    const s = net.connect(port, "127.0.0.1", () => {
      for (const c of chunks) s.write(c);
      if (halfClose) s.end();
    });
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve({ closed, bytes });
    };
    const timer = setTimeout(() => done(false), WAIT_MS);
    s.on("data", (d) => {
      bytes += d.length;
    });
    s.on("close", () => done(true));
    s.on("error", () => done(true));
  });
}

interface H2Result {
  status: number | undefined;
  grpcStatus: string | undefined;
  reset: boolean;
  timedOut: boolean;
}

/** One HTTP/2 request with a raw body; `end` false leaves the stream open (truncation). */
function h2Request(
  url: string,
  headers: http2.OutgoingHttpHeaders,
  body: Buffer,
  end = true,
): Promise<H2Result> {
  return new Promise((resolve) => {
    const out: H2Result = {
      status: undefined,
      grpcStatus: undefined,
      reset: false,
      timedOut: false,
    };
    const session = http2.connect(url);
    session.on("error", () => undefined);
    const finish = (): void => {
      clearTimeout(timer);
      session.destroy();
      resolve(out);
    };
    const timer = setTimeout(() => {
      out.timedOut = true;
      finish();
    }, WAIT_MS);
    const req = session.request({ ":method": "POST", ...headers });
    req.on("response", (h) => {
      out.status = Number(h[":status"]);
      if (h["grpc-status"] !== undefined) out.grpcStatus = String(h["grpc-status"]);
      // A definite error answer is enough: don't wait for the body of a still-open stream.
      if (out.status >= 400 || (out.grpcStatus !== undefined && out.grpcStatus !== "0")) finish();
    });
    req.on("trailers", (t) => {
      if (t["grpc-status"] !== undefined) out.grpcStatus = String(t["grpc-status"]);
    });
    req.on("data", () => undefined);
    req.on("error", () => {
      out.reset = true;
      finish();
    });
    req.on("close", () => {
      if (req.rstCode !== undefined && req.rstCode !== 0) out.reset = true;
      finish();
    });
    req.write(body);
    if (end) req.end();
  });
}

function grpcFrame(payload: Buffer, lengthOverride?: number, compressed = false): Buffer {
  const h = Buffer.alloc(5);
  h[0] = compressed ? 1 : 0;
  h.writeUInt32BE(lengthOverride ?? payload.length, 1);
  return Buffer.concat([h, payload]);
}

const GRPC_HEADERS = { "content-type": "application/grpc", te: "trailers" };

/** Malformed protobuf encodings: overlong lengths, bad wire types, truncated varints. */
const BAD_PROTOBUFS: Buffer[] = [
  Buffer.from([0x0a, 0xff, 0x01, 0x61]), // field 1 bytes claiming 255, 1 present
  Buffer.from([0x0f]), // wire type 7
  Buffer.from([0x08, 0xff, 0xff, 0xff]), // truncated varint
  Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // length 2^32-1
  Buffer.from([0x23, 0x08, 0x01]), // start group never ended
];

function status(m: TsctlMember): Promise<pb.StatusResponse> {
  const c = new pb.MaintenanceClient(m.endpoint, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) =>
    c.status({}, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (err, res) => {
      c.close();
      if (err) reject(err);
      else resolve(res);
    }),
  );
}

async function put(m: TsctlMember, key: string, value: string): Promise<void> {
  const kv = new pb.KVClient(m.endpoint, grpc.credentials.createInsecure());
  try {
    await new Promise<void>((resolve, reject) =>
      kv.put(
        pb.PutRequest.fromPartial({ key: Buffer.from(key), value: Buffer.from(value) }),
        new grpc.Metadata(),
        { deadline: Date.now() + 5000 },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  } finally {
    kv.close();
  }
}

async function get(m: TsctlMember, key: string): Promise<string | null> {
  const kv = new pb.KVClient(m.endpoint, grpc.credentials.createInsecure());
  try {
    return await new Promise((resolve, reject) =>
      kv.range(
        pb.RangeRequest.fromPartial({ key: Buffer.from(key) }),
        new grpc.Metadata(),
        { deadline: Date.now() + 5000 },
        (err, res) => (err ? reject(err) : resolve(res.kvs[0]?.value.toString() ?? null)),
      ),
    );
  } finally {
    kv.close();
  }
}

async function assertHealthyAndIntact(
  cluster: TsctlCluster,
  written: Map<string, string>,
  round: string,
): Promise<void> {
  for (const m of cluster.members) {
    assert.equal(m.process?.exitCode ?? null, null, `${m.name} exited after ${round}`);
    const res = await fetch(`${m.clientUrl}/health`, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 200, `${m.name} unhealthy after ${round}`);
  }
  const m = cluster.members[written.size % cluster.members.length]!;
  const key = `fuzz/after-${round}`;
  await put(m, key, round);
  written.set(key, round);
  for (const member of cluster.members) {
    for (const [k, v] of written) assert.equal(await get(member, k), v, `${k} on ${member.name}`);
  }
}

test("garbage on the client and peer ports gets errors, not crashes or data loss", async (t) => {
  const cluster = await startTsctlCluster({ size: 3 });
  const rnd = new Prng(7);
  const random = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rnd.int(256)));
  const written = new Map<string, string>();
  try {
    for (let i = 0; i < 5; i++) {
      const m = cluster.members[i % 3]!;
      await put(m, `fuzz/k${i}`, `v${i}`);
      written.set(`fuzz/k${i}`, `v${i}`);
    }
    const target = cluster.members[0]!;
    const clientPort = Number(new URL(target.clientUrl).port);
    const peerPort = Number(new URL(target.peerUrl).port);
    const st = await status(target);
    const peerSt = await status(cluster.members[1]!);
    const clusterIdHex = st.header!.clusterId.toString(16);
    const localHex = st.header!.memberId.toString(16);
    const fromHex = peerSt.header!.memberId.toString(16);

    await t.test(
      "raw sockets: random bytes, HTTP/2 preface + garbage, huge HTTP/1 bodies",
      async () => {
        for (const port of [clientPort, peerPort]) {
          const cases: Buffer[][] = [
            [random(64)],
            [random(70_000)],
            [Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), random(200)],
            [
              Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
              Buffer.from([0xff, 0xff, 0xff, 4, 0, 0, 0, 0, 0]),
            ],
            [
              Buffer.from(
                "POST /v3/kv/put HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{",
              ),
            ],
            [Buffer.from("GET / HTTP/1.1\r\n" + "X-Big: " + "a".repeat(100_000) + "\r\n\r\n")],
            [Buffer.from("\x16\x03\x01\x00\x05hello")],
          ];
          for (const [i, chunks] of cases.entries()) {
            // The truncated body (case 4) may be waited for until the sender gives up.
            const r = await rawTcp(port, chunks, i === 4);
            assert.ok(r.closed || r.bytes > 0, `port ${port} case ${i}: no answer to garbage`);
          }
        }
        await assertHealthyAndIntact(cluster, written, "raw");
      },
    );

    await t.test(
      "gRPC framing with malformed, truncated, oversized or compressed payloads",
      async () => {
        const url = `http://127.0.0.1:${clientPort}`;
        const methods = [
          "/etcdserverpb.KV/Put",
          "/etcdserverpb.KV/Range",
          "/etcdserverpb.KV/Txn",
          "/etcdserverpb.Lease/LeaseGrant",
          "/etcdserverpb.Watch/Watch",
          "/etcdserverpb.Maintenance/Status",
        ];
        for (const path of methods) {
          const bodies: { body: Buffer; end?: boolean }[] = [
            ...BAD_PROTOBUFS.map((p) => ({ body: grpcFrame(p) })),
            { body: grpcFrame(random(100), 1000) }, // truncated message, stream ended
            { body: grpcFrame(Buffer.alloc(0), 0xffffffff), end: false }, // huge length
            { body: grpcFrame(Buffer.from([0x0f, 0x01]), undefined, true) }, // compressed, no encoding
            { body: Buffer.from([0, 0]) }, // truncated frame header
          ];
          for (const { body, end } of bodies) {
            const r = await h2Request(url, { ":path": path, ...GRPC_HEADERS }, body, end ?? true);
            // A stream method may also just end: the client half-closed it.
            const answered =
              r.reset ||
              (path.endsWith("/Watch") && !r.timedOut) ||
              (r.grpcStatus !== undefined && r.grpcStatus !== "0") ||
              (r.status !== undefined && r.status >= 400);
            assert.ok(
              answered,
              `${path} ${body.subarray(0, 8).toString("hex")}: ${JSON.stringify(r)}`,
            );
          }
        }
        // A well-formed message of the wrong type: a RangeRequest's bytes sent to Put parse as
        // a PutRequest (same field 1); an empty key must be refused.
        const wrong = Buffer.from(pb.LeaseGrantRequest.encode({ TTL: 5n, ID: 0n }).finish());
        const r = await h2Request(
          url,
          { ":path": "/etcdserverpb.KV/Put", ...GRPC_HEADERS },
          grpcFrame(wrong),
        );
        assert.ok(r.grpcStatus !== undefined && r.grpcStatus !== "0", JSON.stringify(r));
        await assertHealthyAndIntact(cluster, written, "grpc");
      },
    );

    await t.test("HTTP/1 gateway and v2 with broken JSON", async () => {
      for (const [path, body] of [
        ["/v3/kv/put", "{"],
        ["/v3/kv/put", '{"key": 5}'],
        ["/v3/lease/grant", "\u0000\u0001"],
      ] as const) {
        const res = await fetch(`http://127.0.0.1:${clientPort}${path}`, {
          method: "POST",
          body,
          signal: AbortSignal.timeout(WAIT_MS),
        });
        assert.ok(res.status >= 400, `${path} ${body}: ${res.status}`);
        await res.arrayBuffer();
      }
      await assertHealthyAndIntact(cluster, written, "http");
    });

    await t.test(
      "peer port: raft streams with garbage frames and snapshots with garbage",
      async () => {
        const url = `http://127.0.0.1:${peerPort}`;
        const headers = {
          ":path": `/raft/stream/batch/${fromHex}`,
          "x-etcd-cluster-id": clusterIdHex,
          "x-server-from": fromHex,
          "x-raft-to": localHex,
          "x-server-version": "3.4.23",
          "content-type": "application/octet-stream",
        };
        const frame = (payload: Buffer, len?: number): Buffer => {
          const h = Buffer.alloc(4);
          h.writeUInt32BE(len ?? payload.length);
          return Buffer.concat([h, payload]);
        };
        const cases: { body: Buffer; end?: boolean }[] = [
          { body: frame(Buffer.alloc(0), 0xffffffff), end: false },
          { body: frame(random(50), 500) },
          ...BAD_PROTOBUFS.map((p) => ({ body: frame(p) })),
          { body: frame(random(300)) },
          { body: random(3) },
        ];
        for (const { body, end } of cases) {
          const r = await h2Request(url, headers, body, end ?? true);
          assert.ok(!r.timedOut || end === undefined, `peer stream hung: ${JSON.stringify(r)}`);
          assert.ok(
            r.reset || (r.status !== undefined && r.status >= 400) || !r.timedOut,
            JSON.stringify(r),
          );
        }
        const snapHeaders = { ...headers, ":path": "/raft/snapshot" };
        for (const body of [random(10), frame(random(20), 0x7fffffff), Buffer.alloc(0)]) {
          const r = await h2Request(url, snapHeaders, body);
          assert.ok(
            r.reset || (r.status !== undefined && r.status >= 400),
            `snapshot: ${JSON.stringify(r)}`,
          );
        }
        // Wrong cluster id and unknown member.
        for (const h of [
          { ...headers, "x-etcd-cluster-id": "1234" },
          { ...headers, ":path": "/raft/stream/batch/zz" },
        ]) {
          const r = await h2Request(url, h, frame(random(10)));
          assert.ok(r.status !== undefined && r.status >= 400, JSON.stringify(r));
        }
        await assertHealthyAndIntact(cluster, written, "peer");
      },
    );
  } finally {
    await cluster.destroy();
  }
});
