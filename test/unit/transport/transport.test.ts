import { test } from "node:test";
import assert from "node:assert/strict";
import { EntryType, MessageType } from "../../../src/raft/types.js";
import { message, startMember, startProxy, waitFor } from "./helpers.js";

const A = 0xa1n;
const B = 0xb2n;
const C = 0xffffffffffffff01n; // above 2^53: ids travel as hex headers and uint64 fields

test("messages arrive in order, and one turn's messages to a peer travel as one frame", async () => {
  const a = await startMember(A);
  const b = await startMember(B);
  try {
    a.transport.addPeer(B, [b.url]);
    b.transport.addPeer(A, [a.url]);
    await waitFor("stream A→B", () => a.transport.isActive(B));

    const framesBefore = a.transport.stats.framesSent;
    const count = 1000;
    for (let i = 1; i <= count; i++) {
      a.transport.send([
        message(A, B, {
          type: MessageType.App,
          index: i,
          entries: [{ term: 1, index: i, type: EntryType.Normal, data: Buffer.alloc(64, i % 256) }],
        }),
      ]);
    }
    await waitFor("all messages at B", () => b.received.length === count);
    assert.deepEqual(
      b.received.map((m) => m.index),
      Array.from({ length: count }, (_, i) => i + 1),
    );
    assert.equal(a.transport.stats.framesSent - framesBefore, 1);
    assert.equal(b.transport.stats.framesReceived, 1);
    assert.equal(b.received[9]!.entries[0]!.data[0], 10);
    assert.equal(b.received[0]!.from, A);

    // The reverse direction has its own stream.
    b.transport.send([message(B, A, { type: MessageType.HeartbeatResp, term: 3 })]);
    await waitFor("reply at A", () => a.received.length === 1);
    assert.equal(a.received[0]!.term, 3);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("separate turns make separate frames, and large ids survive the trip", async () => {
  const a = await startMember(A);
  const c = await startMember(C);
  try {
    a.transport.addPeer(C, [c.url]);
    await waitFor("stream A→C", () => a.transport.isActive(C));
    for (let turn = 0; turn < 3; turn++) {
      a.transport.send([message(A, C, { commit: turn }), message(A, C, { commit: turn })]);
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
    }
    await waitFor("6 messages at C", () => c.received.length === 6);
    assert.equal(a.transport.stats.framesSent, 3);
    assert.equal(a.transport.stats.messagesSent, 6);
    assert.ok(c.received.every((m) => m.to === C && m.from === A));
  } finally {
    await a.stop();
    await c.stop();
  }
});

test("a restarted peer is reported unreachable while down and traffic resumes after", async () => {
  const a = await startMember(A);
  let b = await startMember(B);
  const port = b.port;
  try {
    a.transport.addPeer(B, [b.url]);
    await waitFor("stream A→B", () => a.transport.isActive(B));
    a.transport.send([message(A, B, { index: 1 })]);
    await waitFor("first message", () => b.received.length === 1);

    await b.stop();
    await waitFor("A notices B is gone", () => a.unreachable.includes(B));
    assert.equal(a.transport.isActive(B), false);
    const reportsBefore = a.unreachable.length;
    a.transport.send([message(A, B, { index: 2 })]);
    assert.ok(a.unreachable.length > reportsBefore, "send to a down peer reports unreachable");
    assert.ok(a.transport.stats.messagesDropped >= 1);

    b = await startMember(B, { port });
    await waitFor("A reconnects", () => a.transport.isActive(B));
    a.transport.send([message(A, B, { index: 3 }), message(A, B, { index: 4 })]);
    await waitFor("messages after restart", () => b.received.length === 2);
    assert.deepEqual(
      b.received.map((m) => m.index),
      [3, 4],
    );
    assert.ok(a.logs.some((l) => l.msg === "peer became unreachable"));
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("the first reachable URL of a peer is used", async () => {
  const a = await startMember(A);
  const b = await startMember(B);
  try {
    // Port 1 on loopback refuses connections.
    a.transport.addPeer(B, ["http://127.0.0.1:1", b.url]);
    await waitFor("stream A→B via the second URL", () => a.transport.isActive(B));
    a.transport.send([message(A, B)]);
    await waitFor("message", () => b.received.length === 1);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("a 20 MiB snapshot is streamed, delivered whole, and acknowledged", async () => {
  const a = await startMember(A);
  const b = await startMember(B);
  try {
    a.transport.addPeer(B, [b.url]);
    const data = Buffer.alloc(20 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4096) data.writeUInt32BE(i, i);
    a.transport.send([
      message(A, B, {
        type: MessageType.Snap,
        term: 5,
        snapshot: {
          data,
          metadata: { index: 1234, term: 4, confState: { voters: [A, B], learners: [] } },
        },
      }),
      message(A, B, { type: MessageType.Heartbeat, term: 5 }),
    ]);
    await waitFor("snapshot status", () => a.snapshotStatus.length === 1, 20_000);
    assert.deepEqual(a.snapshotStatus, [{ id: B, ok: true }]);
    const snap = b.received.find((m) => m.type === MessageType.Snap);
    assert.ok(snap?.snapshot !== undefined);
    assert.equal(snap.snapshot.metadata.index, 1234);
    assert.deepEqual(snap.snapshot.metadata.confState.voters, [A, B]);
    assert.equal(snap.snapshot.data.length, data.length);
    assert.ok(Buffer.from(snap.snapshot.data).equals(data));
    assert.equal(a.transport.stats.snapshotsSent, 1);
    assert.equal(b.transport.stats.snapshotsReceived, 1);
    assert.ok(b.received.some((m) => m.type === MessageType.Heartbeat));
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("a snapshot to a down peer fails with a status callback", async () => {
  const a = await startMember(A);
  try {
    a.transport.addPeer(B, ["http://127.0.0.1:1"]);
    a.transport.send([
      message(A, B, {
        type: MessageType.Snap,
        snapshot: {
          data: Buffer.alloc(10),
          metadata: { index: 1, term: 1, confState: { voters: [], learners: [] } },
        },
      }),
    ]);
    await waitFor("snapshot status", () => a.snapshotStatus.length === 1);
    assert.deepEqual(a.snapshotStatus, [{ id: B, ok: false }]);
    assert.ok(a.unreachable.includes(B));
  } finally {
    await a.stop();
  }
});

test("a snapshot larger than the receiver's limit is refused", async () => {
  const a = await startMember(A);
  const b = await startMember(B, { maxSnapshotBytes: 1024 * 1024 });
  try {
    a.transport.addPeer(B, [b.url]);
    a.transport.send([
      message(A, B, {
        type: MessageType.Snap,
        snapshot: {
          data: Buffer.alloc(2 * 1024 * 1024),
          metadata: { index: 1, term: 1, confState: { voters: [], learners: [] } },
        },
      }),
    ]);
    await waitFor("snapshot status", () => a.snapshotStatus.length === 1);
    assert.deepEqual(a.snapshotStatus, [{ id: B, ok: false }]);
    assert.equal(b.received.length, 0);
    assert.ok(b.logs.some((l) => l.msg === "rejected a snapshot from a peer"));
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("traffic flows through a TCP proxy on the advertised URL", async () => {
  const a = await startMember(A);
  const b = await startMember(B);
  const proxy = await startProxy(b.port);
  try {
    a.transport.addPeer(B, [`http://127.0.0.1:${proxy.port}`]);
    a.transport.send([message(A, B, { index: 7 })]);
    await waitFor("message through the proxy", () => b.received.length === 1);
    assert.equal(b.received[0]!.index, 7);
    a.transport.send([
      message(A, B, {
        type: MessageType.Snap,
        snapshot: {
          data: Buffer.alloc(3 * 1024 * 1024, 7),
          metadata: { index: 9, term: 1, confState: { voters: [], learners: [] } },
        },
      }),
    ]);
    await waitFor("snapshot through the proxy", () => a.snapshotStatus.length === 1, 10_000);
    assert.deepEqual(a.snapshotStatus, [{ id: B, ok: true }]);
    assert.ok(proxy.connections() >= 2);
  } finally {
    await a.stop();
    await b.stop();
    await proxy.close();
  }
});

test("a silent partition is detected by PING and healed by reconnecting", async () => {
  const a = await startMember(A, { pingIntervalMs: 100, dialTimeoutMs: 300 });
  const b = await startMember(B);
  const proxy = await startProxy(b.port);
  // Resend until it lands: on a loaded machine a slow PING answer may drop a stream early.
  const deliver = async (index: number): Promise<void> => {
    const timer = setInterval(() => a.transport.send([message(A, B, { index })]), 50);
    try {
      await waitFor(`message ${index}`, () => b.received.some((m) => m.index === index));
    } finally {
      clearInterval(timer);
    }
  };
  try {
    a.transport.addPeer(B, [`http://127.0.0.1:${proxy.port}`]);
    await deliver(1);
    proxy.blackhole = true;
    const reportsBefore = a.unreachable.length;
    await waitFor("partition detected", () => a.unreachable.length > reportsBefore);
    assert.ok(
      a.logs.some(
        (l) =>
          l.msg === "peer became unreachable" &&
          (l.fields as { reason: string }).reason === "no answer to HTTP/2 PING",
      ),
    );
    proxy.blackhole = false;
    await deliver(2);
  } finally {
    await a.stop();
    await b.stop();
    await proxy.close();
  }
});

test("members of different clusters never exchange messages", async () => {
  const a = await startMember(A, { clusterId: 1n });
  const b = await startMember(B, { clusterId: 2n });
  try {
    a.transport.addPeer(B, [b.url]);
    a.transport.send([message(A, B)]);
    await waitFor("rejection logged at B", () =>
      b.logs.some((l) => l.level === "error" && l.msg === "request cluster ID mismatch"),
    );
    await waitFor("A told the peer is unreachable", () => a.unreachable.includes(B));
    const rejected = a.logs.find((l) => l.msg === "peer rejected the raft stream");
    assert.ok(rejected !== undefined);
    assert.deepEqual((rejected.fields as { status: number; reason: string }).status, 412);
    assert.equal((rejected.fields as { reason: string }).reason, "cluster ID mismatch");
    assert.equal(a.transport.isActive(B), false);
    assert.equal(b.received.length, 0);
    assert.ok(b.transport.stats.streamsRejected >= 1);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("a peer that points at the wrong member is rejected", async () => {
  const a = await startMember(A);
  const b = await startMember(B);
  try {
    a.transport.addPeer(C, [b.url]); // B's URL, but A thinks it is C
    await waitFor("A told C is unreachable", () => a.unreachable.includes(C));
    const rejected = a.logs.find((l) => l.msg === "peer rejected the raft stream");
    assert.equal((rejected?.fields as { reason: string }).reason, "to field mismatch");
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("a removed member is refused and learns it was removed", async () => {
  const removedBy: bigint[] = [];
  const a = await startMember(A, { onRemovedFromCluster: (by) => removedBy.push(by) });
  const b = await startMember(B, { isRemovedMember: (id) => id === A });
  try {
    a.transport.addPeer(B, [b.url]);
    a.transport.send([message(A, B)]);
    await waitFor("A told it was removed", () => removedBy.length > 0);
    assert.equal(removedBy[0], B);
    assert.equal(b.received.length, 0);
    assert.ok(b.logs.some((l) => l.msg === "rejected a request from a removed member"));
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("a full queue drops messages and reports the peer unreachable", async () => {
  const a = await startMember(A, { maxQueueMessages: 10 });
  const b = await startMember(B);
  try {
    a.transport.addPeer(B, [b.url]);
    // Before the stream is open, messages wait in the bounded queue.
    a.transport.send(Array.from({ length: 15 }, (_, i) => message(A, B, { index: i })));
    assert.equal(a.transport.stats.messagesDropped, 5);
    assert.deepEqual(a.unreachable, [B]);
    await waitFor("queued messages delivered", () => b.received.length === 10);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("the queue is bounded in bytes too", async () => {
  const a = await startMember(A, { maxQueueBytes: 100_000 });
  const b = await startMember(B);
  try {
    a.transport.addPeer(B, [b.url]);
    const big = (index: number) =>
      message(A, B, {
        type: MessageType.App,
        index,
        entries: [{ term: 1, index, type: EntryType.Normal, data: Buffer.alloc(40_000) }],
      });
    a.transport.send([big(1), big(2), big(3), big(4)]);
    assert.equal(a.transport.stats.messagesDropped, 2);
    await waitFor("two big messages delivered", () => b.received.length === 2);
    assert.deepEqual(
      b.received.map((m) => m.index),
      [1, 2],
    );
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("a turn's batch over the frame limit is split; a single oversized message is dropped", async () => {
  const a = await startMember(A, { maxBatchBytes: 2000 });
  const b = await startMember(B);
  try {
    a.transport.addPeer(B, [b.url]);
    await waitFor("stream", () => a.transport.isActive(B));
    const app = (index: number, bytes: number) =>
      message(A, B, {
        type: MessageType.App,
        index,
        entries: [{ term: 1, index, type: EntryType.Normal, data: Buffer.alloc(bytes) }],
      });
    a.transport.send([
      ...Array.from({ length: 10 }, (_, i) => app(i, 300)),
      app(10, 5000),
      app(11, 10),
    ]);
    await waitFor("the ones that fit", () => b.received.length === 11);
    assert.deepEqual(
      b.received.map((m) => m.index),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11],
    );
    assert.ok(a.transport.stats.framesSent > 1);
    assert.equal(a.transport.stats.messagesDropped, 1);
    assert.deepEqual(a.unreachable, [B]);
    assert.ok(
      a.logs.some((l) => l.level === "error" && l.msg.includes("larger than the frame limit")),
    );
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("messages to an unknown peer are dropped with one warning", async () => {
  const a = await startMember(A);
  try {
    a.transport.send([message(A, B), message(A, B)]);
    assert.equal(a.transport.stats.messagesDropped, 2);
    assert.equal(a.logs.filter((l) => l.msg.startsWith("ignored message send request")).length, 1);
  } finally {
    await a.stop();
  }
});

test("removing and re-adding a peer, and changing its URLs", async () => {
  const a = await startMember(A);
  const b = await startMember(B);
  const proxy = await startProxy(b.port);
  try {
    a.transport.addPeer(B, [b.url]);
    await waitFor("stream", () => a.transport.isActive(B));
    a.transport.updatePeer(B, [`http://127.0.0.1:${proxy.port}`]);
    await waitFor(
      "stream via the new URL",
      () => a.transport.isActive(B) && proxy.connections() === 1,
    );
    a.transport.send([message(A, B, { index: 1 })]);
    await waitFor("message", () => b.received.length === 1);
    a.transport.removePeer(B);
    assert.equal(a.transport.isActive(B), false);
    a.transport.send([message(A, B, { index: 2 })]);
    a.transport.addPeer(B, [b.url]);
    a.transport.send([message(A, B, { index: 3 })]);
    await waitFor("message after re-adding", () => b.received.length === 2);
    assert.equal(b.received[1]!.index, 3);
  } finally {
    await a.stop();
    await b.stop();
    await proxy.close();
  }
});
