// Test fixtures for the peer transport: loopback members (transport + peer listener),
// message builders, a pass-through TCP proxy and a polling wait.
import net from "node:net";
import { MessageType } from "../../../src/raft/types.js";
import type { Message, NodeId } from "../../../src/raft/types.js";
import { PeerTransport } from "../../../src/transport/transport.js";
import { startPeerListener } from "../../../src/transport/listener.js";
import type { PeerListener, PeerRoutes, PeerServerTls } from "../../../src/transport/listener.js";
import type { PeerTransportOptions } from "../../../src/transport/common.js";

export interface LogLine {
  level: "info" | "warn" | "error";
  msg: string;
  fields?: object;
}

export interface TestMember {
  id: NodeId;
  transport: PeerTransport;
  listener: PeerListener;
  url: string;
  port: number;
  received: Message[];
  unreachable: NodeId[];
  snapshotStatus: Array<{ id: NodeId; ok: boolean }>;
  logs: LogLine[];
  stop(): Promise<void>;
}

export async function startMember(
  id: NodeId,
  opts: {
    clusterId?: bigint;
    port?: number;
    routes?: PeerRoutes;
    serverTls?: PeerServerTls;
  } & Partial<PeerTransportOptions> = {},
): Promise<TestMember> {
  const received: Message[] = [];
  const unreachable: NodeId[] = [];
  const snapshotStatus: Array<{ id: NodeId; ok: boolean }> = [];
  const logs: LogLine[] = [];
  const transport = new PeerTransport({
    backoffInitialMs: 20,
    dialTimeoutMs: 5000,
    backoffMaxMs: 200,
    ...opts,
    localId: id,
    clusterId: opts.clusterId ?? 0xc1a5n,
    logger: {
      info: (msg, fields) => logs.push({ level: "info", msg, fields }),
      warn: (msg, fields) => logs.push({ level: "warn", msg, fields }),
      error: (msg, fields) => logs.push({ level: "error", msg, fields }),
    },
    onMessages: (msgs) => received.push(...msgs),
    onUnreachable: (peer) => unreachable.push(peer),
    onSnapshotStatus: (peer, ok) => snapshotStatus.push({ id: peer, ok }),
  });
  const listener = await startPeerListener({
    host: "127.0.0.1",
    port: opts.port ?? 0,
    transport,
    routes: opts.routes ?? { members: () => [] },
    tls: opts.serverTls,
  });
  const scheme = opts.serverTls === undefined ? "http" : "https";
  const url = `${scheme}://127.0.0.1:${listener.port}`;
  return {
    id,
    transport,
    listener,
    url,
    port: listener.port,
    received,
    unreachable,
    snapshotStatus,
    logs,
    stop: async () => {
      await transport.stop();
      await listener.close();
    },
  };
}

export function message(from: NodeId, to: NodeId, fields: Partial<Message> = {}): Message {
  return {
    type: MessageType.Heartbeat,
    to,
    from,
    term: 1,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...fields,
  };
}

export async function waitFor(
  what: string,
  cond: () => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A TCP proxy to 127.0.0.1:targetPort, as a member behind NAT or a load balancer sees.
 * While `blackhole` is set it swallows bytes both ways without closing anything: a
 * partition that only timeouts can detect. */
export interface TestProxy {
  port: number;
  blackhole: boolean;
  connections(): number;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<TestProxy> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(targetPort, "127.0.0.1");
    const forward = (from: net.Socket, to: net.Socket): void => {
      from.on("data", (chunk: Buffer) => {
        if (!proxy.blackhole) to.write(chunk);
      });
      from.on("end", () => to.end());
    };
    forward(client, upstream);
    forward(upstream, client);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxy: TestProxy = {
    port: (server.address() as net.AddressInfo).port,
    blackhole: false,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
  return proxy;
}
