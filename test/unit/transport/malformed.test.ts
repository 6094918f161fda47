// Hostile or broken input on the peer port: each bad request loses its own stream, is
// logged, and the member keeps serving its peers.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { encodeMessage, encodeMessages } from "../../../src/raft/codec.js";
import { MessageType } from "../../../src/raft/types.js";
import { message, startMember, waitFor } from "./helpers.js";
import type { TestMember } from "./helpers.js";

const A = 0xa1n;
const B = 0xb2n;
const CLUSTER = "c1a5"; // helpers' default cluster id, in hex

function frame(payload: Uint8Array, announcedBytes = payload.length): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(announcedBytes, 0);
  return Buffer.concat([head, payload]);
}

/** POSTs raw bytes on a fresh HTTP/2 stream; resolves with how the stream ended. */
function postRaw(
  url: string,
  path: string,
  chunks: Buffer[],
  headers: http2.OutgoingHttpHeaders = {},
): Promise<{ status: number; rstCode: number }> {
  return new Promise((resolve) => {
    const session = http2.connect(url);
    session.on("error", () => {});
    const stream = session.request(
      {
        ":method": "POST",
        ":path": path,
        "x-etcd-cluster-id": CLUSTER,
        "x-server-from": "a1",
        "x-raft-to": "b2",
        ...headers,
      },
      { endStream: false },
    );
    let status = 0;
    stream.on("response", (h) => (status = Number(h[":status"])));
    stream.on("error", () => {});
    stream.resume();
    stream.on("close", () => {
      resolve({ status, rstCode: stream.rstCode ?? 0 });
      session.destroy();
    });
    for (const c of chunks) stream.write(c);
    stream.end();
  });
}

async function stillServes(a: TestMember, b: TestMember, index: number): Promise<void> {
  const before = b.received.length;
  a.transport.send([message(A, B, { index })]);
  await waitFor("a good message after the bad input", () => b.received.length === before + 1);
  assert.equal(b.received.at(-1)!.index, index);
}

function seededBytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

test("bad frames reset their stream and leave the receiver serving", async () => {
  const a = await startMember(A);
  const b = await startMember(B, { maxBatchBytes: 64 * 1024 });
  try {
    a.transport.addPeer(B, [b.url]);
    await stillServes(a, b, 1);
    const path = "/raft/stream/batch/a1";
    const cancelled = http2.constants.NGHTTP2_PROTOCOL_ERROR;

    const oversized = await postRaw(b.url, path, [frame(Buffer.alloc(8), 0xffffffff)]);
    assert.equal(oversized.rstCode, cancelled);
    await stillServes(a, b, 2);

    const garbage = await postRaw(b.url, path, [
      frame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])),
    ]);
    assert.equal(garbage.rstCode, cancelled);
    await stillServes(a, b, 3);

    const truncated = await postRaw(b.url, path, [frame(Buffer.alloc(10), 100)]);
    assert.equal(truncated.rstCode, cancelled);
    await stillServes(a, b, 4);

    // A good frame followed by a bad one: the good one is delivered, then the reset.
    const good = encodeMessages([message(A, B, { index: 99 })]);
    const mixed = await postRaw(b.url, path, [frame(good), frame(Buffer.from([0x0a, 0x7f]))]);
    assert.equal(mixed.rstCode, cancelled);
    assert.ok(b.received.some((m) => m.index === 99));
    await stillServes(a, b, 5);

    for (let seed = 1; seed <= 20; seed++) {
      const bytes = seededBytes(seed, 200 + seed * 37);
      await postRaw(b.url, path, [frame(bytes.subarray(4)), bytes]);
    }
    await stillServes(a, b, 6);

    const reasons = b.logs.filter((l) => l.msg === "dropped a malformed raft stream");
    assert.ok(reasons.length >= 4);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("bad snapshot requests are refused without delivering anything", async () => {
  const a = await startMember(A);
  const b = await startMember(B, { maxSnapshotBytes: 1024 });
  try {
    a.transport.addPeer(B, [b.url]);
    await stillServes(a, b, 1);
    const snapHead = (meta: Buffer, dataBytes: bigint): Buffer => {
      const h = Buffer.alloc(4 + meta.length + 8);
      h.writeUInt32BE(meta.length, 0);
      meta.copy(h, 4);
      h.writeBigUInt64BE(dataBytes, 4 + meta.length);
      return h;
    };
    // Undecodable message.
    const bad = await postRaw(b.url, "/raft/snapshot", [snapHead(Buffer.from([0xff, 0xff]), 0n)]);
    assert.notEqual(bad.status, 204);
    // Announced size over the limit.
    const meta = Buffer.from(
      encodeMessage(
        message(A, B, {
          type: MessageType.Snap,
          snapshot: {
            data: new Uint8Array(0),
            metadata: { index: 1, term: 1, confState: { voters: [], learners: [] } },
          },
        }),
      ),
    );
    const huge = await postRaw(b.url, "/raft/snapshot", [snapHead(meta, 1n << 40n)]);
    assert.equal(huge.rstCode, http2.constants.NGHTTP2_PROTOCOL_ERROR);
    // Bytes past the announced end.
    const long = await postRaw(b.url, "/raft/snapshot", [snapHead(meta, 4n), Buffer.alloc(8)]);
    assert.equal(long.rstCode, http2.constants.NGHTTP2_PROTOCOL_ERROR);
    // A message that is not a MsgSnap.
    const notSnap = Buffer.from(encodeMessage(message(A, B)));
    const wrongType = await postRaw(b.url, "/raft/snapshot", [snapHead(notSnap, 0n)]);
    assert.notEqual(wrongType.status, 204);
    // Truncated body.
    const short = await postRaw(b.url, "/raft/snapshot", [Buffer.from([0, 0, 0, 9, 1])]);
    assert.equal(short.status, 400);
    // No from header at all.
    const anon = await postRaw(b.url, "/raft/snapshot", [], { "x-server-from": "zz" });
    assert.equal(anon.status, 400);
    assert.equal(b.received.filter((m) => m.snapshot !== undefined).length, 0);
    await stillServes(a, b, 2);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("raw garbage on the socket and wrong methods do not hurt the listener", async () => {
  const a = await startMember(A);
  const b = await startMember(B);
  try {
    a.transport.addPeer(B, [b.url]);
    await stillServes(a, b, 1);
    for (let seed = 1; seed <= 10; seed++) {
      const bytes = seededBytes(seed, 1000);
      if (seed % 2 === 0) Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").copy(bytes);
      await new Promise<void>((resolve) => {
        const socket = net.connect(b.port, "127.0.0.1", () => {
          socket.write(bytes);
          setTimeout(() => socket.destroy(), 20);
        });
        socket.on("error", () => {});
        socket.on("close", () => resolve());
      });
    }
    await stillServes(a, b, 2);

    // HTTP/1.1 clients reach the raft endpoints too, with the same checks.
    const status = await new Promise<number>((resolve) => {
      const req = http.request(
        { host: "127.0.0.1", port: b.port, path: "/raft/stream/batch/a1", method: "GET" },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.end();
    });
    assert.equal(status, 405);
    const wrongCluster = await postRaw(b.url, "/raft/stream/batch/a1", [], {
      "x-etcd-cluster-id": "1",
    });
    assert.equal(wrongCluster.status, 412);
    const badFrom = await postRaw(b.url, "/raft/stream/batch/nothex", []);
    assert.equal(badFrom.status, 404);
    await stillServes(a, b, 3);
  } finally {
    await a.stop();
    await b.stop();
  }
});
