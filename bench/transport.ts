// Peer transport throughput: raft messages per second from one member to another over
// loopback, the receiver in its own process (as in a real cluster). Workloads: MsgApp with
// one 256-byte entry, heartbeats, and heartbeat round trips (one in flight: latency-bound).
// Run: node --import tsx bench/transport.ts [seconds-per-workload]
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EntryType, MessageType } from "../src/raft/types.js";
import type { Message } from "../src/raft/types.js";
import { PeerTransport } from "../src/transport/transport.js";
import { startPeerListener } from "../src/transport/listener.js";

const SENDER = 1n;
const RECEIVER = 2n;
const CLUSTER = 0x5eedn;
const quiet = { info() {}, warn() {}, error() {} };

function msg(type: MessageType, index: number, payload?: Buffer): Message {
  return {
    type,
    to: RECEIVER,
    from: SENDER,
    term: 2,
    logTerm: 2,
    index,
    entries:
      payload === undefined
        ? []
        : [{ term: 2, index: index + 1, type: EntryType.Normal, data: payload }],
    commit: index,
    reject: false,
    rejectHint: 0,
  };
}

/** Child process: a member that counts what it receives and answers heartbeats. */
async function receiver(): Promise<void> {
  let received = 0;
  let transport: PeerTransport | undefined = undefined;
  transport = new PeerTransport({
    localId: RECEIVER,
    clusterId: CLUSTER,
    logger: quiet,
    onMessages: (msgs) => {
      received += msgs.length;
      const last = msgs[msgs.length - 1]!;
      if (last.context !== undefined) {
        transport!.send([{ ...last, type: MessageType.HeartbeatResp, to: SENDER, from: RECEIVER }]);
      }
    },
  });
  const listener = await startPeerListener({
    host: "127.0.0.1",
    port: 0,
    transport,
    routes: { members: () => [] },
  });
  process.on("message", (m: { cmd: string; url?: string }) => {
    if (m.cmd === "count") process.send!({ received });
    if (m.cmd === "peer") transport!.addPeer(SENDER, [m.url!]);
    if (m.cmd === "exit")
      void transport!
        .stop()
        .then(() => listener.close())
        .then(() => process.exit(0));
  });
  process.send!({ port: listener.port });
}

function ask<T>(child: ChildProcess, cmd: object): Promise<T> {
  return new Promise((resolve) => {
    child.once("message", (m) => resolve(m as T));
    child.send(cmd);
  });
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3);
  const child = fork(fileURLToPath(import.meta.url), ["--receiver"], {
    execArgv: ["--import", "tsx"],
  });
  const { port } = await new Promise<{ port: number }>((r) =>
    child.once("message", (m) => r(m as { port: number })),
  );
  let replies = 0;
  let onReply: (() => void) | undefined;
  let onSnapshot: ((ok: boolean) => void) | undefined;
  const sender = new PeerTransport({
    localId: SENDER,
    clusterId: CLUSTER,
    logger: quiet,
    onMessages: (msgs) => {
      replies += msgs.length;
      onReply?.();
    },
    onSnapshotStatus: (_id, ok) => onSnapshot?.(ok),
  });
  const listener = await startPeerListener({
    host: "127.0.0.1",
    port: 0,
    transport: sender,
    routes: { members: () => [] },
  });
  sender.addPeer(RECEIVER, [`http://127.0.0.1:${port}`]);
  child.send({ cmd: "peer", url: `http://127.0.0.1:${listener.port}` });
  while (!sender.isActive(RECEIVER)) await new Promise((r) => setTimeout(r, 10));

  const count = async (): Promise<number> =>
    (await ask<{ received: number }>(child, { cmd: "count" })).received;

  // Streaming workloads: each loop turn queues a batch, as a raft Ready would; the number of
  // messages not yet confirmed received is bounded so the queue limit is never hit.
  async function stream(name: string, make: (i: number) => Message): Promise<void> {
    const batch = 512;
    const window = 3 * batch;
    const start = await count();
    const t0 = performance.now();
    let sent = 0;
    let confirmed = start;
    const deadline = t0 + seconds * 1000;
    while (performance.now() < deadline) {
      if (sent - (confirmed - start) < window) {
        const msgs = new Array<Message>(batch);
        for (let i = 0; i < batch; i++) msgs[i] = make(sent + i);
        sender.send(msgs);
        sent += batch;
        await new Promise((r) => setImmediate(r));
      } else {
        confirmed = await count();
      }
    }
    let done = await count();
    while (done - start < sent) {
      await new Promise((r) => setTimeout(r, 5));
      done = await count();
    }
    const elapsedS = (performance.now() - t0) / 1000;
    const dropped = sender.stats.messagesDropped;
    console.log(
      `${name.padEnd(34)} ${Math.round(sent / elapsedS)
        .toLocaleString("en-US")
        .padStart(10)} msg/s` +
        `  (${sent} messages, ${elapsedS.toFixed(2)} s, dropped ${dropped})`,
    );
  }

  const entry = Buffer.alloc(256, 0x61);
  await stream("MsgApp, 1 entry of 256 bytes", (i) => msg(MessageType.App, i, entry));
  await stream("MsgHeartbeat", (i) => msg(MessageType.Heartbeat, i));

  // Round trips: one heartbeat in flight, the receiver answers each.
  {
    const ctx = new Uint8Array([1]);
    const t0 = performance.now();
    let trips = 0;
    const deadline = t0 + seconds * 1000;
    while (performance.now() < deadline) {
      const before = replies;
      await new Promise<void>((resolve) => {
        onReply = () => {
          if (replies > before) resolve();
        };
        sender.send([{ ...msg(MessageType.Heartbeat, trips), context: ctx }]);
      });
      trips++;
    }
    const elapsedS = (performance.now() - t0) / 1000;
    console.log(
      `${"heartbeat round trips (1 in flight)".padEnd(34)} ${Math.round(trips / elapsedS)
        .toLocaleString("en-US")
        .padStart(10)} /s` + `    (mean ${((elapsedS * 1e6) / trips).toFixed(0)} µs)`,
    );
  }

  // Snapshot transfer: one 64 MiB MsgSnap, timed until the receiver acknowledges it.
  {
    const data = Buffer.alloc(64 * 1024 * 1024, 0x5a);
    const snap: Message = {
      ...msg(MessageType.Snap, 0),
      snapshot: {
        data,
        metadata: { index: 1, term: 1, confState: { voters: [SENDER, RECEIVER], learners: [] } },
      },
    };
    const t0 = performance.now();
    const ok = await new Promise<boolean>((resolve) => {
      onSnapshot = resolve;
      sender.send([snap]);
    });
    const elapsedS = (performance.now() - t0) / 1000;
    console.log(
      `${"snapshot, 64 MiB".padEnd(34)} ${(64 / elapsedS).toFixed(0).padStart(10)} MiB/s  (${ok ? "acknowledged" : "FAILED"}, ${elapsedS.toFixed(2)} s)`,
    );
  }

  console.log(
    `frames sent ${sender.stats.framesSent}, messages sent ${sender.stats.messagesSent}, ` +
      `mean ${(sender.stats.messagesSent / sender.stats.framesSent).toFixed(1)} messages/frame`,
  );
  child.send({ cmd: "exit" });
  await sender.stop();
  await listener.close();
}

if (process.argv.includes("--receiver")) await receiver();
else await main();
