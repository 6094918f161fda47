// The /v2/* HTTP API (etcd's --enable-v2 surface) as one node:http request handler:
// routing as Go's ServeMux does it, then keys, members, machines and stats handlers.
import type { IncomingMessage, ServerResponse } from "node:http";
import { handleKeys, KEYS_PATH } from "./keys.js";
import { handleMachines, handleMembers, handleStats, MEMBERS_PATH } from "./members.js";
import { httpError, notFound, sendInternalError } from "./respond.js";
import type { V2Deps } from "./types.js";

export type { V2Deps, V2Member, V2SelfStats, V2LeaderStats, V2FollowerStats } from "./types.js";
export { V2MembershipError } from "./types.js";
export type { V2MembershipErrorKind } from "./types.js";
export { parseKeyRequest } from "./keys.js";

export type V2Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Go ServeMux's cleanPath: path.Clean, keeping a trailing slash. */
function muxCleanPath(p: string): string {
  if (p === "") return "/";
  const rooted = p.startsWith("/") ? p : "/" + p;
  const parts: string[] = [];
  for (const part of rooted.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  let out = "/" + parts.join("/");
  if (rooted.endsWith("/") && out !== "/") out += "/";
  return out;
}

function splitUrl(rawUrl: string): { path: string; rawQuery: string } | null {
  const q = rawUrl.indexOf("?");
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q < 0 ? "" : rawUrl.slice(q + 1);
  try {
    const bytes = Buffer.from(decodeURIComponent(rawPath), "utf8");
    return { path: bytes.toString("utf8"), rawQuery };
  } catch {
    return null;
  }
}

async function route(deps: V2Deps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = splitUrl(req.url ?? "/");
  if (url === null) {
    httpError(res, 400, "Bad Request");
    return;
  }
  const cleaned = muxCleanPath(url.path);
  if (cleaned !== url.path && req.method !== "CONNECT") {
    const location = cleaned + (url.rawQuery === "" ? "" : "?" + url.rawQuery);
    res.setHeader("Location", location);
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    const body = `<a href="${location}">Moved Permanently</a>.\n\n`;
    res.writeHead(301, { "Content-Length": Buffer.byteLength(body) });
    res.end(req.method === "GET" ? body : "");
    return;
  }
  const p = url.path;
  if (p === KEYS_PATH || p.startsWith(KEYS_PATH + "/")) {
    await handleKeys(deps, req, res, p, url.rawQuery);
  } else if (p === MEMBERS_PATH || p.startsWith(MEMBERS_PATH + "/")) {
    await handleMembers(deps, req, res, p);
  } else if (p === "/v2/machines") {
    handleMachines(deps, req, res);
  } else if (p === "/v2/stats/store") {
    handleStats(deps, req, res, "store");
  } else if (p === "/v2/stats/self") {
    handleStats(deps, req, res, "self");
  } else if (p === "/v2/stats/leader") {
    handleStats(deps, req, res, "leader");
  } else {
    notFound(res);
  }
}

/** The handler for every /v2/* request (anything else answers 404 as Go's mux would). */
export function createV2Handler(deps: V2Deps): V2Handler {
  return (req, res) => {
    route(deps, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendInternalError(res, err);
      else res.destroy();
    });
  };
}
