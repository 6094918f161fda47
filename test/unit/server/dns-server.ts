// A minimal UDP DNS server for tests: answers SRV and A questions from a fixed table,
// NXDOMAIN for anything else. Enough for node's c-ares resolver and etcd's Go resolver.
import { createSocket, type Socket } from "node:dgram";

export interface SrvAnswer {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface TestDnsServer {
  /** 127.0.0.1:port, for Resolver.setServers or TSCTL_DNS_SERVER. */
  address: string;
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_SRV = 33;

function encodeName(name: string): Buffer {
  const labels = name
    .replace(/\.$/, "")
    .split(".")
    .filter((l) => l !== "");
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, "ascii")])),
    Buffer.from([0]),
  ]);
}

function readName(msg: Buffer, at: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = at;
  while (msg[i] !== 0) {
    const len = msg[i]!;
    labels.push(msg.subarray(i + 1, i + 1 + len).toString("ascii"));
    i += 1 + len;
  }
  return { name: labels.join(".").toLowerCase(), end: i + 1 };
}

function answer(type: number, rdata: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // the question's name
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4); // IN
  head.writeUInt32BE(5, 6); // ttl
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

export async function startTestDns(
  srv: Record<string, SrvAnswer[]>,
  a: Record<string, string>,
): Promise<TestDnsServer> {
  const sock: Socket = createSocket("udp4");
  const srvTable = new Map(
    Object.entries(srv).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ""), v]),
  );
  const aTable = new Map(
    Object.entries(a).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ""), v]),
  );
  sock.on("message", (msg, rinfo) => {
    if (msg.length < 12) return;
    const { name, end } = readName(msg, 12);
    const qtype = msg.readUInt16BE(end);
    const question = msg.subarray(12, end + 4);
    const answers: Buffer[] = [];
    if (qtype === TYPE_SRV) {
      for (const r of srvTable.get(name) ?? []) {
        const fixed = Buffer.alloc(6);
        fixed.writeUInt16BE(r.priority, 0);
        fixed.writeUInt16BE(r.weight, 2);
        fixed.writeUInt16BE(r.port, 4);
        answers.push(answer(TYPE_SRV, Buffer.concat([fixed, encodeName(r.target)])));
      }
    } else if (qtype === TYPE_A && aTable.has(name)) {
      answers.push(answer(TYPE_A, Buffer.from(aTable.get(name)!.split(".").map(Number))));
    }
    const known = srvTable.has(name) || aTable.has(name);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(known ? 0x8180 : 0x8183, 2); // response, RD+RA; NXDOMAIN if unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    sock.send(Buffer.concat([header, question, ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  return {
    address: `127.0.0.1:${sock.address().port}`,
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}
