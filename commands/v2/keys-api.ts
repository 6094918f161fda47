// The v2 keys API as the Go client speaks it: each request's path, query and form built the
// same way (sorted, Go-escaped), replies decoded into a KeysResponse or a KeysError, and the
// watcher's long-poll loop.
import type { Context } from "./cli-kit.js";
import { mustNewClient, totalDeadline } from "./context.js";
import type { KeyNode, KeysResponse } from "./format.js";
import { canonicalPath, encodeValues, GoError, goPathEscape } from "./http.js";
import type { GoClusterClient } from "./http.js";
import { INVALID_JSON_TEXT } from "../../src/client/v2/errors.js";

/** A v2 keys error body, printed as the Go client's Error. */
export class KeysError extends Error {
  constructor(
    readonly errorCode: number,
    readonly bodyMessage: string,
    readonly causeText: string,
    readonly index: number,
  ) {
    super(`${errorCode}: ${bodyMessage} (${causeText}) [${index}]`);
  }
}

function keysPath(key: string, query: Record<string, string>): string {
  const k = key !== "" && !key.startsWith("/") ? "/" + key : key;
  const q = encodeValues(query);
  return goPathEscape(canonicalPath("/v2/keys" + k)) + (q ? `?${q}` : "");
}

function parseKeysReply(res: {
  status: number;
  body: string;
  headers: Record<string, unknown>;
}): KeysResponse {
  if (res.status === 200 || res.status === 201) {
    if (res.body.length === 0) throw new GoError("client: response body is empty");
    let body: { action?: string; node?: KeyNode | null; prevNode?: KeyNode | null };
    try {
      body = JSON.parse(res.body) as typeof body;
    } catch {
      throw invalidJson();
    }
    const idx = res.headers["x-etcd-index"];
    const index = typeof idx === "string" && idx !== "" ? Number(idx) : 0;
    return {
      action: body.action ?? "",
      node: body.node ?? {},
      prevNode: body.prevNode ?? null,
      index,
    };
  }
  let e: { errorCode?: number; message?: string; cause?: string; index?: number };
  try {
    e = JSON.parse(res.body) as typeof e;
  } catch {
    throw invalidJson();
  }
  if (typeof e !== "object" || e === null) throw invalidJson();
  throw new KeysError(e.errorCode ?? 0, e.message ?? "", e.cause ?? "", e.index ?? 0);
}

function invalidJson(): GoError {
  return new GoError(INVALID_JSON_TEXT);
}

export interface SetParams {
  ttlSec?: number;
  prevValue?: string;
  prevIndex?: number;
  /** "true" | "false"; absent = ignore. */
  prevExist?: "true" | "false";
  dir?: boolean;
  refresh?: boolean;
}

export class KeysApi {
  constructor(
    readonly client: GoClusterClient,
    private readonly deadlineMs: number,
  ) {}

  async get(key: string, o: { recursive?: boolean; sorted?: boolean; quorum?: boolean }) {
    const path = keysPath(key, {
      recursive: String(o.recursive === true),
      sorted: String(o.sorted === true),
      quorum: String(o.quorum === true),
    });
    return parseKeysReply(await this.client.do({ method: "GET", path }, this.deadlineMs));
  }

  async set(key: string, value: string, o: SetParams): Promise<KeysResponse> {
    const query: Record<string, string> = {};
    const form = new URLSearchParams();
    if (o.dir) query.dir = "true";
    else {
      if (o.prevValue) query.prevValue = o.prevValue;
      form.append("value", value);
    }
    if (o.prevIndex) query.prevIndex = String(o.prevIndex);
    if (o.prevExist !== undefined) query.prevExist = o.prevExist;
    if (o.ttlSec !== undefined && o.ttlSec > 0) form.append("ttl", String(o.ttlSec));
    if (o.refresh) form.append("refresh", "true");
    const sorted = new URLSearchParams([...form].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    const res = await this.client.do(
      { method: "PUT", path: keysPath(key, query), form: sorted, oneShot: o.prevExist === "false" },
      this.deadlineMs,
    );
    return parseKeysReply(res);
  }

  async createInOrder(dir: string, value: string, ttlSec: number): Promise<KeysResponse> {
    const form = new URLSearchParams();
    if (ttlSec > 0) form.append("ttl", String(ttlSec));
    form.append("value", value);
    const res = await this.client.do(
      { method: "POST", path: keysPath(dir, {}), form },
      this.deadlineMs,
    );
    return parseKeysReply(res);
  }

  async delete(
    key: string,
    o: { prevValue?: string; prevIndex?: number; dir?: boolean; recursive?: boolean },
  ): Promise<KeysResponse> {
    const query: Record<string, string> = {};
    if (o.prevValue) query.prevValue = o.prevValue;
    if (o.prevIndex) query.prevIndex = String(o.prevIndex);
    if (o.dir) query.dir = "true";
    if (o.recursive) query.recursive = "true";
    const res = await this.client.do(
      { method: "DELETE", path: keysPath(key, query), oneShot: true },
      this.deadlineMs,
    );
    return parseKeysReply(res);
  }

  /** A watcher as the Go client runs it: long-polls, skipping empty bodies. */
  watcher(key: string, o: { afterIndex: number; recursive: boolean }): () => Promise<KeysResponse> {
    let waitIndex = o.afterIndex > 0 ? o.afterIndex + 1 : 0;
    return async () => {
      for (;;) {
        const path = keysPath(key, {
          wait: "true",
          waitIndex: String(waitIndex),
          recursive: String(o.recursive),
        });
        const res = await this.client.do({ method: "GET", path, wait: true }, 0);
        let r: KeysResponse;
        try {
          r = parseKeysReply(res);
        } catch (err) {
          if (err instanceof GoError && err.message === "client: response body is empty") continue;
          throw err;
        }
        waitIndex = (r.node.modifiedIndex ?? 0) + 1;
        return r;
      }
    };
  }
}

export async function mustKeysApi(ctx: Context): Promise<KeysApi> {
  return new KeysApi(await mustNewClient(ctx), totalDeadline(ctx));
}
