// The member list as the peer port serves it (GET /members) and as a joining member reads
// it back. Ids are uint64 JSON numbers, so both directions handle them as text: JSON.parse
// would round ids above 2^53.
import http from "node:http";
import https from "node:https";
import { HEADER_CLUSTER_ID, parseHexId } from "./common.js";
import type { PeerClientTls } from "./common.js";

export interface PeerMember {
  id: bigint;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner?: boolean;
}

export interface FetchedCluster {
  clusterId: bigint;
  members: PeerMember[];
}

/** One member as Go's encoding/json prints etcd's Member (field order and omitempty). */
export function memberJson(m: PeerMember): string {
  let out = `{"id":${m.id.toString()},"peerURLs":${JSON.stringify(m.peerURLs)}`;
  if (m.isLearner === true) out += `,"isLearner":true`;
  if (m.name !== "") out += `,"name":${JSON.stringify(m.name)}`;
  if (m.clientURLs.length > 0) out += `,"clientURLs":${JSON.stringify(m.clientURLs)}`;
  return out + "}";
}

export function membersJson(members: PeerMember[]): string {
  return `[${members.map(memberJson).join(",")}]`;
}

/** Parses a JSON array of members, keeping numeric ids exact. Throws on anything else. */
export function parseMembersJson(text: string): PeerMember[] {
  const parsed: unknown = JSON.parse(quoteIntegers(text));
  if (!Array.isArray(parsed)) throw new Error("members response is not a JSON array");
  return parsed.map((raw: unknown): PeerMember => {
    if (typeof raw !== "object" || raw === null) throw new Error("member is not an object");
    const r = raw as Record<string, unknown>;
    if (typeof r.id !== "string" || !/^\d+$/.test(r.id))
      throw new Error("member id is not a number");
    const id = BigInt(r.id);
    if (id >= 1n << 64n) throw new Error("member id does not fit in uint64");
    return {
      id,
      name: typeof r.name === "string" ? r.name : "",
      peerURLs: stringArray(r.peerURLs),
      clientURLs: stringArray(r.clientURLs),
      isLearner: r.isLearner === true,
    };
  });
}

function stringArray(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) {
    throw new Error("member URLs are not a list of strings");
  }
  return v as string[];
}

/** Wraps every bare integer literal (outside strings) in quotes. */
function quoteIntegers(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if ((c >= "0" && c <= "9") || c === "-") {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j]!)) j++;
      const literal = text.slice(i, j);
      out += /^\d+$/.test(literal) ? `"${literal}"` : literal;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const FETCH_FAILED =
  "cannot fetch cluster info from peer urls: could not retrieve cluster information from the given URLs";
const FETCH_EMPTY =
  "cannot fetch cluster info from peer urls: failed to get raft cluster member(s) from the given URLs";

/**
 * Asks each peer URL in turn for the member list (GET <url>/members over HTTP/1.1, which
 * both tsctl and etcd peers serve) and returns the first good answer with its cluster id.
 */
export async function fetchClusterMembers(
  peerUrls: string[],
  timeoutMs: number,
  tls?: PeerClientTls,
): Promise<FetchedCluster> {
  for (const url of peerUrls) {
    let answer: { status: number; clusterId: string | undefined; body: string };
    try {
      answer = await getText(new URL("/members", url), timeoutMs, tls);
    } catch {
      continue;
    }
    if (answer.status !== 200) continue;
    let members: PeerMember[];
    try {
      members = parseMembersJson(answer.body);
    } catch {
      continue;
    }
    const clusterId = parseHexId(answer.clusterId);
    if (clusterId === undefined) continue;
    if (members.length === 0) throw new Error(FETCH_EMPTY);
    return { clusterId, members };
  }
  throw new Error(FETCH_FAILED);
}

const MAX_MEMBERS_BODY_BYTES = 4 * 1024 * 1024;

function getText(
  url: URL,
  timeoutMs: number,
  tls: PeerClientTls | undefined,
): Promise<{ status: number; clusterId: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_MEMBERS_BODY_BYTES) req.destroy(new Error("members response too large"));
        else chunks.push(chunk);
      });
      res.on("end", () => {
        const cid = res.headers[HEADER_CLUSTER_ID];
        resolve({
          status: res.statusCode ?? 0,
          clusterId: Array.isArray(cid) ? cid[0] : cid,
          body: Buffer.concat(chunks).toString("utf8"),
        });
      });
      res.on("error", reject);
    };
    const req =
      url.protocol === "https:"
        ? https.get(
            url,
            {
              timeout: timeoutMs,
              ca: tls?.ca,
              cert: tls?.cert,
              key: tls?.key,
              rejectUnauthorized: tls?.rejectUnauthorized ?? true,
            },
            onResponse,
          )
        : http.get(url, { timeout: timeoutMs }, onResponse);
    // The timeout option only covers socket inactivity: bound the whole exchange too.
    const timer = setTimeout(() => req.destroy(new Error("timeout")), timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}
