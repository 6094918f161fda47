// V2Client: etcd's v2 HTTP API (keys, members, /health, /version) over node:http with keep-alive,
// trying endpoints in turn on connection failures (the last one that answered is tried first).
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import { goDialError } from "../dial-error.js";
import { V2Auth } from "./auth.js";
import {
  V2ClusterError,
  V2Error,
  V2HttpError,
  V2InvalidResponseError,
  V2TimeoutError,
} from "./errors.js";
import type {
  DeleteOptions,
  GetOptions,
  SetOptions,
  V2CallOptions,
  V2Member,
  V2Node,
  V2Response,
  V2Version,
  WatchOptions,
} from "./types.js";

export interface V2ClientOptions {
  /** URLs (`http://host:port`) or `host:port`; default http://127.0.0.1:2379,http://127.0.0.1:4001. */
  endpoints?: string[];
  /** Connection establishment limit per endpoint (etcdctl `--timeout`); default 2000. */
  dialTimeoutMs?: number;
  /** Whole-request deadline for non-watch calls (etcdctl `--total-timeout`); default 5000. */
  requestTimeoutMs?: number;
  username?: string;
  password?: string;
  cert?: string;
  key?: string;
  cacert?: string;
  insecureSkipTlsVerify?: boolean;
}

export const DEFAULT_V2_ENDPOINTS = ["http://127.0.0.1:2379", "http://127.0.0.1:4001"];

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  endpoint: string;
}

interface RequestSpec {
  method: string;
  path: string;
  query?: URLSearchParams;
  form?: URLSearchParams;
  json?: unknown;
  opts?: V2CallOptions;
  /** Watches have no deadline unless the caller sets one. */
  defaultTimeoutMs?: number;
}

export class V2Client {
  private endpointList: string[];
  /** /v2/auth: users, roles, enable/disable. */
  readonly auth: V2Auth = new V2Auth(this);
  private readonly dialTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent: https.Agent;
  private readonly authHeader: string | undefined;
  private pinned = 0;

  constructor(options: V2ClientOptions = {}) {
    const eps = options.endpoints?.length ? options.endpoints : DEFAULT_V2_ENDPOINTS;
    this.endpointList = eps.map(normalizeEndpoint);
    this.dialTimeoutMs = options.dialTimeoutMs ?? 2000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    const read = (p: string | undefined): Buffer | undefined =>
      p === undefined ? undefined : fs.readFileSync(p);
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      cert: read(options.cert),
      key: read(options.key),
      ca: read(options.cacert),
      rejectUnauthorized: !options.insecureSkipTlsVerify,
    });
    if (options.username !== undefined) {
      const creds = `${options.username}:${options.password ?? ""}`;
      this.authHeader = `Basic ${Buffer.from(creds).toString("base64")}`;
    }
  }

  get endpoints(): string[] {
    return [...this.endpointList];
  }

  /**
   * etcdctl v2 does this unless --no-sync: replaces the endpoints with the client URLs the
   * cluster advertises (members without client URLs, i.e. unstarted ones, contribute none).
   * Returns the new list; keeps the old one when the cluster advertises none.
   */
  async sync(opts?: V2CallOptions): Promise<string[]> {
    const members = await this.listMembers(opts);
    const urls = [...new Set(members.flatMap((m) => m.clientURLs ?? []))].map(normalizeEndpoint);
    if (urls.length > 0) {
      this.endpointList = urls;
      this.pinned = 0;
    }
    return this.endpoints;
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  // --- keys -------------------------------------------------------------------

  get(key: string, options: GetOptions = {}, opts?: V2CallOptions): Promise<V2Response> {
    const q = new URLSearchParams();
    if (options.recursive) q.set("recursive", "true");
    if (options.sorted) q.set("sorted", "true");
    if (options.quorum) q.set("quorum", "true");
    return this.keys({ method: "GET", path: keyPath(key), query: q, opts });
  }

  /** Long-polls for the next event under key (no deadline unless opts.timeoutMs). */
  watch(key: string, options: WatchOptions = {}, opts?: V2CallOptions): Promise<V2Response> {
    const q = new URLSearchParams({ wait: "true" });
    if (options.recursive) q.set("recursive", "true");
    if (options.waitIndex !== undefined && options.waitIndex > 0) {
      q.set("waitIndex", String(options.waitIndex));
    }
    return this.keys({ method: "GET", path: keyPath(key), query: q, opts, defaultTimeoutMs: 0 });
  }

  set(
    key: string,
    value: string,
    options: SetOptions = {},
    opts?: V2CallOptions,
  ): Promise<V2Response> {
    const q = new URLSearchParams();
    if (options.prevValue !== undefined) q.set("prevValue", options.prevValue);
    if (options.prevIndex !== undefined && options.prevIndex > 0) {
      q.set("prevIndex", String(options.prevIndex));
    }
    if (options.prevExist !== undefined) q.set("prevExist", String(options.prevExist));
    if (options.ttl !== undefined && options.ttl > 0) q.set("ttl", String(options.ttl));
    if (options.refresh) q.set("refresh", "true");
    if (options.dir) q.set("dir", "true");
    if (options.noValueOnSuccess) q.set("noValueOnSuccess", "true");
    const form = new URLSearchParams();
    // A directory or a refresh carries no value.
    if (!options.dir && !options.refresh) form.set("value", value);
    return this.keys({ method: "PUT", path: keyPath(key), query: q, form, opts });
  }

  /** Create only if absent (prevExist=false). */
  create(
    key: string,
    value: string,
    options: Omit<SetOptions, "prevExist"> = {},
    opts?: V2CallOptions,
  ) {
    return this.set(key, value, { ...options, prevExist: false }, opts);
  }

  /** Update only if present (prevExist=true). */
  update(
    key: string,
    value: string,
    options: Omit<SetOptions, "prevExist"> = {},
    opts?: V2CallOptions,
  ) {
    return this.set(key, value, { ...options, prevExist: true }, opts);
  }

  /** POST: a new in-order key `<dir>/<zero-padded index>`. */
  createInOrder(dir: string, value: string, options: { ttl?: number } = {}, opts?: V2CallOptions) {
    const q = new URLSearchParams();
    if (options.ttl !== undefined && options.ttl > 0) q.set("ttl", String(options.ttl));
    const form = new URLSearchParams({ value });
    return this.keys({ method: "POST", path: keyPath(dir), query: q, form, opts });
  }

  delete(key: string, options: DeleteOptions = {}, opts?: V2CallOptions): Promise<V2Response> {
    const q = new URLSearchParams();
    if (options.prevValue !== undefined) q.set("prevValue", options.prevValue);
    if (options.prevIndex !== undefined && options.prevIndex > 0) {
      q.set("prevIndex", String(options.prevIndex));
    }
    if (options.dir) q.set("dir", "true");
    if (options.recursive) q.set("recursive", "true");
    return this.keys({ method: "DELETE", path: keyPath(key), query: q, opts });
  }

  // --- members ----------------------------------------------------------------

  async listMembers(opts?: V2CallOptions): Promise<V2Member[]> {
    const res = await this.request({ method: "GET", path: "/v2/members", opts });
    const body = expectJson<{ members?: V2Member[] }>(res, 200);
    return body.members ?? [];
  }

  async leader(opts?: V2CallOptions): Promise<V2Member> {
    const res = await this.request({ method: "GET", path: "/v2/members/leader", opts });
    return expectJson<V2Member>(res, 200);
  }

  async addMember(peerURLs: string[], opts?: V2CallOptions): Promise<V2Member> {
    const res = await this.request({
      method: "POST",
      path: "/v2/members",
      json: { peerURLs },
      opts,
    });
    return expectJson<V2Member>(res, 201);
  }

  /** `id` is the hex member id. */
  async removeMember(id: string, opts?: V2CallOptions): Promise<void> {
    const res = await this.request({
      method: "DELETE",
      path: `/v2/members/${encodeURIComponent(id)}`,
      opts,
    });
    expectEmpty(res);
  }

  async updateMember(id: string, peerURLs: string[], opts?: V2CallOptions): Promise<void> {
    const path = `/v2/members/${encodeURIComponent(id)}`;
    const res = await this.request({ method: "PUT", path, json: { peerURLs }, opts });
    expectEmpty(res);
  }

  // --- misc -------------------------------------------------------------------

  /** GET /health on one endpoint (default: the first); true when `{"health":"true"}`. */
  async health(endpoint?: string, opts?: V2CallOptions): Promise<boolean> {
    const res = await this.request({ method: "GET", path: "/health", opts }, endpoint);
    try {
      return (JSON.parse(res.body) as { health?: unknown }).health === "true";
    } catch {
      return false;
    }
  }

  async version(endpoint?: string, opts?: V2CallOptions): Promise<V2Version> {
    const res = await this.request({ method: "GET", path: "/version", opts }, endpoint);
    return expectJson<V2Version>(res, 200);
  }

  /** Any other v2 path (auth, stats): status and body as received. */
  async raw(
    method: string,
    path: string,
    body?: { json?: unknown; form?: URLSearchParams },
    opts?: V2CallOptions,
  ): Promise<{
    status: number;
    body: string;
    endpoint: string;
    headers: http.IncomingHttpHeaders;
  }> {
    const res = await this.request({ method, path, json: body?.json, form: body?.form, opts });
    return res;
  }

  // --- transport --------------------------------------------------------------

  private async keys(spec: RequestSpec): Promise<V2Response> {
    const res = await this.request(spec);
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      throw new V2InvalidResponseError(res.status, res.body, res.endpoint);
    }
    if (typeof body !== "object" || body === null) {
      throw new V2InvalidResponseError(res.status, res.body, res.endpoint);
    }
    const obj = body as Record<string, unknown>;
    if (typeof obj.errorCode === "number") {
      throw new V2Error(
        obj as { errorCode: number; message: string; cause?: string; index?: number },
        res.status,
        res.endpoint,
      );
    }
    const out: V2Response = {
      action: String(obj.action ?? ""),
      etcdIndex: headerInt(res.headers["x-etcd-index"]) ?? 0,
      status: res.status,
      endpoint: res.endpoint,
    };
    if (obj.node !== undefined && obj.node !== null) out.node = obj.node as V2Node;
    if (obj.prevNode !== undefined && obj.prevNode !== null) out.prevNode = obj.prevNode as V2Node;
    const raftIndex = headerInt(res.headers["x-raft-index"]);
    if (raftIndex !== undefined) out.raftIndex = raftIndex;
    const raftTerm = headerInt(res.headers["x-raft-term"]);
    if (raftTerm !== undefined) out.raftTerm = raftTerm;
    const cid = res.headers["x-etcd-cluster-id"];
    if (typeof cid === "string") out.clusterId = cid;
    return out;
  }

  /** Sends to the pinned endpoint, moving on only when a connection cannot be made. */
  private async request(spec: RequestSpec, onlyEndpoint?: string): Promise<RawResponse> {
    const timeoutMs = spec.opts?.timeoutMs ?? spec.defaultTimeoutMs ?? this.requestTimeoutMs;
    const deadlineMs = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
    const order =
      onlyEndpoint !== undefined
        ? [normalizeEndpoint(onlyEndpoint)]
        : this.endpointList.map(
            (_, i) => this.endpointList[(this.pinned + i) % this.endpointList.length] ?? "",
          );
    const errors: string[] = [];
    for (const endpoint of order) {
      try {
        const res = await this.send(endpoint, spec, deadlineMs);
        if (onlyEndpoint === undefined) this.pinned = this.endpointList.indexOf(endpoint);
        return res;
      } catch (err) {
        if (err instanceof ConnectError) {
          errors.push(err.goText);
          continue;
        }
        throw err;
      }
    }
    throw new V2ClusterError(errors);
  }

  private send(endpoint: string, spec: RequestSpec, deadlineMs: number): Promise<RawResponse> {
    const url = new URL(endpoint + spec.path);
    const query = spec.query?.toString();
    if (query) url.search = query;
    const headers: Record<string, string> = {};
    let payload: string | undefined;
    if (spec.json !== undefined) {
      payload = JSON.stringify(spec.json);
      headers["Content-Type"] = "application/json";
    } else if (spec.form !== undefined) {
      payload = spec.form.toString();
      headers["Content-Type"] = "application/x-www-form-urlencoded";
    }
    if (payload !== undefined) headers["Content-Length"] = String(Buffer.byteLength(payload));
    if (this.authHeader !== undefined) headers.Authorization = this.authHeader;
    const isHttps = url.protocol === "https:";
    const lib = isHttps ? https : http;
    const hostPort = url.host;

    return new Promise<RawResponse>((resolve, reject) => {
      let connected = false;
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        spec.opts?.signal?.removeEventListener("abort", onAbort);
        fn();
      };
      const req = lib.request(url, {
        method: spec.method,
        headers,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
      });
      const onAbort = (): void => {
        req.destroy();
        finish(() => reject(new V2TimeoutError(endpoint)));
      };
      spec.opts?.signal?.addEventListener("abort", onAbort, { once: true });
      if (Number.isFinite(deadlineMs)) {
        timers.push(
          setTimeout(
            () => {
              req.destroy();
              finish(() =>
                reject(
                  connected
                    ? new V2TimeoutError(endpoint)
                    : new ConnectError(`dial tcp ${hostPort}: i/o timeout`),
                ),
              );
            },
            Math.max(0, deadlineMs - Date.now()),
          ),
        );
      }
      req.on("socket", (socket) => {
        const markConnected = (): void => {
          connected = true;
        };
        // A reused keep-alive socket is already connected.
        if (!socket.connecting) return markConnected();
        socket.once(isHttps ? "secureConnect" : "connect", markConnected);
        timers.push(
          setTimeout(() => {
            if (connected) return;
            req.destroy();
            finish(() => reject(new ConnectError(`dial tcp ${hostPort}: i/o timeout`)));
          }, this.dialTimeoutMs),
        );
      });
      req.on("error", (err: NodeJS.ErrnoException) => {
        finish(() => {
          if (!connected)
            reject(new ConnectError(goDialError(`${err.code ?? ""} ${err.message}`, hostPort)));
          else reject(err);
        });
      });
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err) => finish(() => reject(err)));
        res.on("end", () =>
          finish(() =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString("utf8"),
              endpoint,
            }),
          ),
        );
      });
      req.end(payload);
    });
  }
}

/** Raised internally when no connection could be made: the request never reached a server. */
class ConnectError extends Error {
  constructor(readonly goText: string) {
    super(goText);
  }
}

function normalizeEndpoint(endpoint: string): string {
  const e = endpoint.trim().replace(/\/+$/, "");
  return /^https?:\/\//.test(e) ? e : `http://${e}`;
}

/** `/v2/keys` + the key with each segment escaped; repeated and trailing slashes collapse. */
export function keyPath(key: string): string {
  const segments = key.split("/").filter((s) => s !== "");
  return "/v2/keys" + (segments.length ? "/" + segments.map(encodeURIComponent).join("/") : "");
}

function headerInt(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function expectJson<T>(res: RawResponse, okStatus: number): T {
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    if (res.status !== okStatus) throw new V2HttpError(res.body.trim(), res.status, res.endpoint);
    throw new V2InvalidResponseError(res.status, res.body, res.endpoint);
  }
  if (res.status !== okStatus)
    throw new V2HttpError(messageOf(body, res.body), res.status, res.endpoint);
  return body as T;
}

function expectEmpty(res: RawResponse): void {
  if (res.status >= 200 && res.status < 300) return;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new V2HttpError(res.body.trim(), res.status, res.endpoint);
  }
  throw new V2HttpError(messageOf(body, res.body), res.status, res.endpoint);
}

function messageOf(body: unknown, raw: string): string {
  if (
    typeof body === "object" &&
    body !== null &&
    typeof (body as { message?: unknown }).message === "string"
  ) {
    return (body as { message: string }).message;
  }
  return raw.trim();
}
