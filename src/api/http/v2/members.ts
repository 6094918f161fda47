// /v2/members, /v2/machines and /v2/stats/*: membership listing and changes, and the
// member's statistics, in etcd's shapes, texts and statuses.
import type { IncomingMessage, ServerResponse } from "node:http";
import { formatGoDuration } from "../../../util/duration.js";
import { V2Error, formatRfc3339NanoMs, goJsonString } from "../../../v2store/index.js";
import { mediaType, readBody } from "./form.js";
import { allowMethod, httpError, sendBody, sendMessageError, sendV2Error } from "./respond.js";
import { V2MembershipError } from "./types.js";
import type { V2Deps, V2LeaderStats, V2Member, V2SelfStats } from "./types.js";

export const MEMBERS_PATH = "/v2/members";
const MAX_JSON_BODY_BYTES = 1 << 20;

function encodeStrings(list: string[]): string {
  return `[${list.map(goJsonString).join(",")}]`;
}

export function encodeMember(m: V2Member): string {
  return (
    `{"id":"${m.id.toString(16)}","name":${goJsonString(m.name)},` +
    `"peerURLs":${encodeStrings(m.peerURLs)},"clientURLs":${encodeStrings(m.clientURLs)}}`
  );
}

function clusterId(deps: V2Deps): string {
  return typeof deps.clusterIdHex === "string" ? deps.clusterIdHex : deps.clusterIdHex();
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.setHeader("Content-Type", "application/json");
  sendBody(res, status, body);
}

/** Go's types.NewURLs checks: the URL list of a member add/update, sorted as etcd keeps it. */
export function validatePeerURLs(input: unknown): string[] {
  if (!Array.isArray(input) || input.length === 0) throw new Error("no valid URLs given");
  const out: string[] = [];
  for (const raw of input) {
    if (typeof raw !== "string") {
      throw new Error("json: cannot unmarshal number into Go value of type string");
    }
    const s = raw.trim();
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new Error(`parse ${JSON.stringify(s)}: invalid URL`);
    }
    const scheme = u.protocol.replace(/:$/, "");
    if (!["http", "https", "unix", "unixs"].includes(scheme)) {
      throw new Error(`URL scheme must be http, https, unix, or unixs: ${s}`);
    }
    const authority = s.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//, "").split(/[/?#]/)[0]!;
    const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
    if (!/^(\[[^\]]*\]|[^:[\]]*):[^:]*$/.test(hostPort)) {
      throw new Error(`URL address does not have the form "host:port": ${s}`);
    }
    if (u.pathname !== "" && u.pathname !== "/") {
      throw new Error(`URL must not contain a path: ${s}`);
    }
    if (s.endsWith("/")) throw new Error(`URL must not contain a path: ${s}`);
    out.push(s);
  }
  return out.sort();
}

/** Go's JSON decoding errors are the 400 texts; JSON.parse's differ, so name the common ones. */
function parseJsonBody(body: string): unknown {
  if (body.trim() === "") throw new Error("unexpected end of JSON input");
  try {
    return JSON.parse(body);
  } catch {
    const first = body.trim()[0]!;
    throw new Error(`invalid character '${first}' looking for beginning of value`);
  }
}

async function readPeerURLs(req: IncomingMessage, res: ServerResponse): Promise<string[] | null> {
  const ctype = mediaType(req.headers["content-type"]);
  if (ctype !== "application/json") {
    // etcd echoes the header as sent when it has no parameters.
    const raw = req.headers["content-type"] ?? "";
    const shown = raw.includes(";") ? ctype : raw;
    sendMessageError(res, 415, `Bad Content-Type ${shown}, accept application/json`);
    return null;
  }
  try {
    const body = (await readBody(req, MAX_JSON_BODY_BYTES)).toString("utf8");
    const parsed = parseJsonBody(body);
    const peerURLs =
      parsed !== null && typeof parsed === "object"
        ? (parsed as { peerURLs?: unknown }).peerURLs
        : undefined;
    return validatePeerURLs(peerURLs ?? []);
  } catch (err) {
    sendMessageError(res, 400, (err as Error).message);
    return null;
  }
}

function memberIdFromPath(urlPath: string, res: ServerResponse): bigint | null {
  const idStr = urlPath.slice(MEMBERS_PATH.length).replace(/^\//, "");
  if (idStr === "") {
    httpError(res, 405, "Method Not Allowed");
    return null;
  }
  if (!/^[0-9a-fA-F]{1,16}$/.test(idStr)) {
    sendMessageError(res, 404, `No such member: ${idStr}`);
    return null;
  }
  return BigInt("0x" + idStr);
}

function sendMemberFailure(res: ServerResponse, err: unknown, id?: bigint): void {
  const hex = id?.toString(16) ?? "";
  if (err instanceof V2MembershipError) {
    switch (err.kind) {
      case "IDExists":
      case "PeerURLExists":
        sendMessageError(res, 409, err.message);
        return;
      case "IDNotFound":
        sendMessageError(res, 404, `No such member: ${hex}`);
        return;
      case "IDRemoved":
        sendMessageError(res, 410, `Member permanently removed: ${hex}`);
        return;
    }
  }
  if (err instanceof V2Error) {
    sendV2Error(res, err);
    return;
  }
  sendMessageError(res, 500, "Internal Server Error");
}

export async function handleMembers(
  deps: V2Deps,
  req: IncomingMessage,
  res: ServerResponse,
  urlPath: string,
): Promise<void> {
  const method = req.method ?? "GET";
  if (!allowMethod(res, method, ["GET", "POST", "DELETE", "PUT"])) return;
  res.setHeader("X-Etcd-Cluster-Id", clusterId(deps));
  const sub = urlPath.slice(MEMBERS_PATH.length).replace(/^\//, "");

  switch (method) {
    case "GET": {
      if (sub === "") {
        const members = (deps.membersProvider?.() ?? []).map(encodeMember);
        sendJson(res, 200, `{"members":[${members.join(",")}]}\n`);
      } else if (sub === "leader") {
        const leader = deps.leaderInfo?.() ?? null;
        if (leader === null) sendMessageError(res, 503, "During election");
        else sendJson(res, 200, encodeMember(leader) + "\n");
      } else {
        sendMessageError(res, 404, "Not found");
      }
      return;
    }
    case "POST": {
      const peerURLs = await readPeerURLs(req, res);
      if (peerURLs === null) return;
      try {
        if (deps.addMember === undefined) throw new Error("member add is not supported");
        const m = await deps.addMember(peerURLs);
        sendJson(res, 201, encodeMember(m) + "\n");
      } catch (err) {
        sendMemberFailure(res, err);
      }
      return;
    }
    case "DELETE": {
      const id = memberIdFromPath(urlPath, res);
      if (id === null) return;
      try {
        if (deps.removeMember === undefined) throw new Error("member remove is not supported");
        await deps.removeMember(id);
        res.writeHead(204);
        res.end();
      } catch (err) {
        sendMemberFailure(res, err, id);
      }
      return;
    }
    case "PUT": {
      const id = memberIdFromPath(urlPath, res);
      if (id === null) return;
      const peerURLs = await readPeerURLs(req, res);
      if (peerURLs === null) return;
      try {
        if (deps.updateMember === undefined) throw new Error("member update is not supported");
        await deps.updateMember(id, peerURLs);
        res.writeHead(204);
        res.end();
      } catch (err) {
        sendMemberFailure(res, err, id);
      }
      return;
    }
  }
}

export function handleMachines(deps: V2Deps, req: IncomingMessage, res: ServerResponse): void {
  if (!allowMethod(res, req.method ?? "GET", ["GET", "HEAD"])) return;
  const urls = (deps.membersProvider?.() ?? []).flatMap((m) => m.clientURLs).sort();
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  sendBody(res, 200, urls.join(", "));
}

function optionalRate(name: string, v: number | undefined): string {
  return v === undefined || v === 0 ? "" : `,"${name}":${v}`;
}

export function encodeSelfStats(s: V2SelfStats): string {
  return (
    `{"name":${goJsonString(s.name)},"id":${goJsonString(s.id)},"state":"${s.state}",` +
    `"startTime":"${formatRfc3339NanoMs(s.startTimeMs)}",` +
    `"leaderInfo":{"leader":${goJsonString(s.leaderInfo.leader)},` +
    `"uptime":"${formatGoDuration(s.leaderInfo.uptimeMs)}",` +
    `"startTime":"${formatRfc3339NanoMs(s.leaderInfo.startTimeMs)}"},` +
    `"recvAppendRequestCnt":${s.recvAppendRequestCnt}` +
    optionalRate("recvPkgRate", s.recvPkgRate) +
    optionalRate("recvBandwidthRate", s.recvBandwidthRate) +
    `,"sendAppendRequestCnt":${s.sendAppendRequestCnt}` +
    optionalRate("sendPkgRate", s.sendPkgRate) +
    optionalRate("sendBandwidthRate", s.sendBandwidthRate) +
    "}"
  );
}

export function encodeLeaderStats(s: V2LeaderStats): string {
  const followers = Object.keys(s.followers)
    .sort()
    .map((id) => {
      const f = s.followers[id]!;
      const l = f.latency;
      return (
        `${goJsonString(id)}:{"latency":{"current":${l.current},"average":${l.average},` +
        `"standardDeviation":${l.standardDeviation},"minimum":${l.minimum},` +
        `"maximum":${l.maximum}},"counts":{"fail":${f.counts.fail},"success":${f.counts.success}}}`
      );
    });
  return `{"leader":${goJsonString(s.leader)},"followers":{${followers.join(",")}}}`;
}

export function handleStats(
  deps: V2Deps,
  req: IncomingMessage,
  res: ServerResponse,
  which: "store" | "self" | "leader",
): void {
  if (!allowMethod(res, req.method ?? "GET", ["GET"])) return;
  switch (which) {
    case "store":
      sendJson(res, 200, deps.store.statsBody());
      return;
    case "self": {
      const s = deps.selfStats?.();
      if (s === undefined) sendMessageError(res, 500, "Internal Server Error");
      else sendJson(res, 200, encodeSelfStats(s));
      return;
    }
    case "leader": {
      const s = deps.leaderStats?.() ?? null;
      if (s === null) sendMessageError(res, 403, "not current leader");
      else sendJson(res, 200, encodeLeaderStats(s));
      return;
    }
  }
}
