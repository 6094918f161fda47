// A TCP proxy in front of one member's peer URL. It learns which member opened each
// connection (by finding the owner of the connection's source port under /proc), so links
// can be cut per direction: block(from, to) black-holes what `from` sends to `to` while the
// reverse direction (carried on `to`'s own connections) keeps flowing.
import net from "node:net";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";

export interface PeerProxy {
  /** The member behind this proxy. */
  readonly to: string;
  readonly port: number;
  /** Re-evaluates every open connection against the blocked links. */
  refresh(): void;
  close(): Promise<void>;
  stats(): { accepted: number; blackholed: number; unidentified: number };
}

export interface LinkTable {
  blocked(from: string | undefined, to: string): boolean;
  /** pid -> member name of the running members, to identify senders. */
  pids(): Map<number, string>;
}

function findInode(localPort: number, remotePort: number): string | undefined {
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = parseInt(cols[1]!.split(":")[1]!, 16);
      const remote = parseInt(cols[2]!.split(":")[1]!, 16);
      if (local === localPort && remote === remotePort) return cols[9];
    }
  }
  return undefined;
}

/** The member whose process owns the socket bound to `sourcePort`, if any. */
export function identifySender(
  sourcePort: number,
  proxyPort: number,
  pids: Map<number, string>,
): string | undefined {
  const inode = findInode(sourcePort, proxyPort);
  if (inode === undefined || inode === "0") return undefined;
  const want = `socket:[${inode}]`;
  for (const [pid, name] of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === want) return name;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

interface Conn {
  from: string | undefined;
  client: net.Socket;
  upstream: net.Socket | undefined;
}

export async function startPeerProxy(
  to: string,
  targetPort: number,
  links: LinkTable,
  listenPort = 0,
): Promise<PeerProxy> {
  const conns = new Set<Conn>();
  const counters = { accepted: 0, blackholed: 0, unidentified: 0 };
  let port = 0;
  const drop = (c: Conn): void => {
    c.client.destroy();
    c.upstream?.destroy();
    conns.delete(c);
  };
  const server = net.createServer((client) => {
    counters.accepted++;
    const from = identifySender(client.remotePort ?? 0, port, links.pids());
    if (from === undefined) counters.unidentified++;
    const c: Conn = { from, client, upstream: undefined };
    conns.add(c);
    client.on("error", () => drop(c)).on("close", () => drop(c));
    if (links.blocked(from, to)) {
      // Black hole: accept and swallow, as a network dropping packets would look.
      counters.blackholed++;
      client.on("data", () => undefined);
      return;
    }
    const upstream = net.connect(targetPort, "127.0.0.1");
    c.upstream = upstream;
    upstream.on("error", () => drop(c)).on("close", () => drop(c));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listenPort, "127.0.0.1", () => resolve());
  });
  port = (server.address() as net.AddressInfo).port;
  return {
    to,
    port,
    refresh() {
      // Cut links lose their connections; black holes of healed links are closed so the
      // sender reconnects at once.
      for (const c of [...conns]) {
        const blocked = links.blocked(c.from, to);
        if (blocked !== (c.upstream === undefined)) drop(c);
      }
    },
    stats: () => ({ ...counters }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of [...conns]) drop(c);
        server.close(() => resolve());
      }),
  };
}
