// /v2/keys: turns an HTTP request into a typed V2Request (with etcd's validation errors),
// serves GET/HEAD and watches from the local store, sends writes and quorum reads through
// the member, and writes the event or error exactly as etcd does.
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  KEYS_PREFIX,
  V2Code,
  V2Error,
  encodeEvent,
  trimEventPrefix,
  v2Request,
} from "../../../v2store/index.js";
import type { V2Event, V2Request, V2Result } from "../../../v2store/index.js";
import { joinPath } from "../../../v2store/path.js";
import { formValue, getBool, getUint, parseForm } from "./form.js";
import type { Form } from "./form.js";
import { allowMethod, sendBody, sendInternalError, sendV2Error } from "./respond.js";
import type { V2Deps } from "./types.js";

export const KEYS_PATH = "/v2/keys";
/** Expiry times are kept within what RFC 3339 (and Date) can show: the end of year 9999. */
const MAX_EXPIRATION_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export interface ParsedKeyRequest {
  req: V2Request;
  noValueOnSuccess: boolean;
}

function invalid(code: (typeof V2Code)[keyof typeof V2Code], cause: string): V2Error {
  return new V2Error(code, cause, 0);
}

/** Validates the parameters as etcd does, in etcd's order (the first problem wins). */
export function parseKeyRequest(
  method: string,
  urlPath: string,
  form: Form,
  nowMs: number,
): ParsedKeyRequest {
  const path = joinPath(KEYS_PREFIX, urlPath.slice(KEYS_PATH.length));

  const prevIndex = getUint(form, "prevIndex");
  if (prevIndex === undefined) throw invalid(V2Code.IndexNaN, `invalid value for "prevIndex"`);
  const since = getUint(form, "waitIndex");
  if (since === undefined) throw invalid(V2Code.IndexNaN, `invalid value for "waitIndex"`);

  const flags: Record<string, boolean> = {};
  for (const name of ["recursive", "sorted", "wait", "dir", "quorum", "stream"]) {
    const v = getBool(form, name);
    if (v === undefined) throw invalid(V2Code.InvalidField, `invalid value for "${name}"`);
    flags[name] = v;
  }
  if (flags.wait && method !== "GET") {
    throw invalid(V2Code.InvalidField, `"wait" can only be used with GET requests`);
  }

  const prevValue = formValue(form, "prevValue");
  if (form.has("prevValue") && prevValue === "") {
    throw invalid(V2Code.PrevValueRequired, `"prevValue" cannot be empty`);
  }

  const noValueOnSuccess = getBool(form, "noValueOnSuccess");
  if (noValueOnSuccess === undefined) {
    throw invalid(V2Code.InvalidField, `invalid value for "noValueOnSuccess"`);
  }

  let ttlSeconds: number | undefined;
  if (formValue(form, "ttl").length > 0) {
    ttlSeconds = getUint(form, "ttl");
    if (ttlSeconds === undefined) throw invalid(V2Code.TTLNaN, `invalid value for "ttl"`);
  }

  let prevExist: boolean | undefined;
  if (form.has("prevExist")) {
    prevExist = getBool(form, "prevExist");
    if (prevExist === undefined) throw invalid(V2Code.InvalidField, "invalid value for prevExist");
  }

  let refresh = false;
  if (form.has("refresh")) {
    const r = getBool(form, "refresh");
    if (r === undefined) throw invalid(V2Code.InvalidField, "invalid value for refresh");
    refresh = r;
    if (refresh) {
      if (form.has("value") && formValue(form, "value") !== "") {
        throw invalid(V2Code.RefreshValue, "A value was provided on a refresh");
      }
      if (ttlSeconds === undefined) throw invalid(V2Code.RefreshTTLRequired, "No TTL value set");
    }
  }

  const req = v2Request(method as V2Request["method"], path, {
    val: formValue(form, "value"),
    dir: flags.dir!,
    prevValue,
    prevIndex,
    wait: flags.wait!,
    since,
    recursive: flags.recursive!,
    sorted: flags.sorted!,
    quorum: flags.quorum!,
    stream: flags.stream!,
    refresh,
    timeMs: nowMs,
  });
  if (prevExist !== undefined) req.prevExist = prevExist;
  if (ttlSeconds !== undefined) {
    req.expirationMs = Math.min(nowMs + ttlSeconds * 1000, MAX_EXPIRATION_MS);
  }
  if (req.method === "GET" && req.quorum) req.method = "QGET";
  return { req, noValueOnSuccess };
}

/** Store errors name store paths; the API shows keys without the "/1" namespace. */
function trimError(err: V2Error): V2Error {
  const cause = err.cause.startsWith(KEYS_PREFIX) ? err.cause.slice(KEYS_PREFIX.length) : err.cause;
  return new V2Error(err.errorCode, cause, err.index);
}

function isCreated(e: V2Event): boolean {
  return e.action === "create" || (e.action === "set" && e.prevNode === undefined);
}

const NO_VALUE_ACTIONS = new Set(["set", "compareAndSwap", "create", "update"]);

function writeEvent(
  deps: V2Deps,
  res: ServerResponse,
  ev: V2Event,
  noValueOnSuccess: boolean,
): void {
  res.setHeader("Content-Type", "application/json");
  res.setHeader("X-Etcd-Index", String(ev.etcdIndex));
  res.setHeader("X-Raft-Index", String(deps.raftIndex()));
  res.setHeader("X-Raft-Term", String(deps.raftTerm()));
  const trimmed = trimEventPrefix(ev, KEYS_PREFIX);
  const withNodes = !(noValueOnSuccess && NO_VALUE_ACTIONS.has(ev.action));
  sendBody(res, isCreated(ev) ? 201 : 200, encodeEvent(trimmed, withNodes) + "\n");
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function handleWatch(
  deps: V2Deps,
  req: IncomingMessage,
  res: ServerResponse,
  r: V2Request,
): Promise<void> {
  let watcher;
  try {
    watcher = deps.store.watch(r.path, {
      recursive: r.recursive,
      stream: r.stream,
      sinceIndex: r.since,
    });
  } catch (err) {
    if (err instanceof V2Error) sendV2Error(res, trimError(err));
    else sendInternalError(res, err);
    return;
  }
  // The client going away must release the watcher, or it would wait forever in the hub.
  const release = () => watcher.remove();
  res.on("close", release);
  req.on("close", () => {
    if (!res.writableEnded) release();
  });
  res.setHeader("Content-Type", "application/json");
  res.setHeader("X-Etcd-Index", String(watcher.startIndex));
  res.setHeader("X-Raft-Index", String(deps.raftIndex()));
  res.setHeader("X-Raft-Term", String(deps.raftTerm()));
  res.writeHead(200);
  res.flushHeaders();
  for (;;) {
    const ev = await watcher.next();
    if (ev === null || res.destroyed) break;
    const flushed = res.write(encodeEvent(trimEventPrefix(ev, KEYS_PREFIX)) + "\n");
    if (!r.stream) break;
    // A client that stops reading makes events pile up in the watcher's bounded queue
    // (which drops the watch when full) rather than in this process's socket buffers.
    if (!flushed) await drained(res);
  }
  watcher.remove();
  if (!res.writableEnded) res.end();
}

export async function handleKeys(
  deps: V2Deps,
  req: IncomingMessage,
  res: ServerResponse,
  urlPath: string,
  rawQuery: string,
): Promise<void> {
  const method = req.method ?? "GET";
  if (!allowMethod(res, method, ["HEAD", "GET", "PUT", "POST", "DELETE"])) return;
  res.setHeader(
    "X-Etcd-Cluster-Id",
    typeof deps.clusterIdHex === "string" ? deps.clusterIdHex : deps.clusterIdHex(),
  );

  const { form, error } = await parseForm(req, rawQuery);
  if (error !== null) {
    sendV2Error(res, new V2Error(V2Code.InvalidForm, error, 0));
    return;
  }
  let parsed: ParsedKeyRequest;
  try {
    parsed = parseKeyRequest(method, urlPath, form, (deps.nowMs ?? Date.now)());
  } catch (err) {
    sendInternalError(res, err);
    return;
  }
  const r = parsed.req;
  if (deps.hasKeyAccess !== undefined && !deps.hasKeyAccess(r, urlPath.slice(KEYS_PATH.length))) {
    sendV2Error(res, new V2Error(V2Code.Unauthorized, "Insufficient credentials", 0));
    return;
  }

  if (r.method === "GET" && r.wait) {
    await handleWatch(deps, req, res, r);
    return;
  }

  let result: V2Result;
  try {
    if (r.method === "GET" || r.method === "HEAD") {
      result = { event: deps.store.get(r.path, r.recursive, r.sorted, r.timeMs) };
    } else {
      result = await deps.propose(r);
    }
  } catch (err) {
    if (err instanceof V2Error) sendV2Error(res, trimError(err));
    else sendInternalError(res, err);
    return;
  }
  if (result.error !== undefined) {
    sendV2Error(res, trimError(result.error));
    return;
  }
  if (result.event === undefined) {
    sendInternalError(res, new Error("received response with no Event/Watcher"));
    return;
  }
  writeEvent(deps, res, result.event, parsed.noValueOnSuccess);
}
