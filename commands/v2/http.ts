// The request loop etcdctl v2 runs over the v2 HTTP client (src/client/v2): one V2Client per
// endpoint so this module decides, as the Go client does, when to move to the next endpoint
// (connection failures, 5xx), when not to (one-shot deletes and creates), the per-request header
// timeout, the cluster sync that replaces the endpoints with the members' client URLs, and the
// `--debug` cURL lines. Errors carry Go's texts (GoError) so the commands print etcdctl's words.
import { V2Client, V2ClusterError, V2TimeoutError } from "../../src/client/v2/index.js";

export interface GoClientOptions {
  endpoints: string[];
  headerTimeoutMs: number;
  dialTimeoutMs: number;
  username?: string;
  password?: string;
  cert?: string;
  key?: string;
  cacert?: string;
  debug: boolean;
}

export interface RawReply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  endpoint: string;
}

export interface DoRequest {
  method: string;
  /** Path with its query string. */
  path: string;
  form?: URLSearchParams;
  json?: unknown;
  /** A long-poll: no header timeout. */
  wait?: boolean;
  /** Do not try other endpoints after a failure (Go: deletes and create-only sets). */
  oneShot?: boolean;
}

/** An error with the Go client's text; `kind` decides exit codes. */
export class GoError extends Error {
  constructor(
    message: string,
    readonly kind: "cluster" | "deadline" | "plain" = "plain",
    readonly parts: string[] = [],
  ) {
    super(message);
  }

  /** Go's ClusterError.Error(): every part followed by a newline. */
  static cluster(parts: string[]): GoError {
    const text =
      "client: etcd cluster is unavailable or misconfigured" +
      parts.map((p, i) => `; error #${i}: ${p}\n`).join("");
    return new GoError(text, "cluster", parts);
  }

  detail(): string {
    return this.parts.map((p, i) => `error #${i}: ${p}\n`).join("");
  }

  /** etcdctl's isConnectionError: every endpoint failed to dial or read. */
  isConnection(): boolean {
    // Go's context.DeadlineExceeded counts as a network timeout.
    if (this.kind === "deadline") return true;
    return this.kind === "cluster" && this.parts.every((p) => /^(dial|read) /.test(p));
  }
}

export const DEADLINE_TEXT = "context deadline exceeded";

/** Go's url.QueryEscape. */
export function goQueryEscape(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Go's url.Values.Encode: keys sorted. */
export function encodeValues(values: Record<string, string>): string {
  return Object.keys(values)
    .sort()
    .map((k) => `${goQueryEscape(k)}=${goQueryEscape(values[k] ?? "")}`)
    .join("&");
}

/** Go's path escaping of a URL path (keeps `/`). */
export function goPathEscape(p: string): string {
  let out = "";
  for (const byte of Buffer.from(p, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~/$&+,:;=@]/.test(c)) out += c;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** etcd's CanonicalURLPath: clean the path, keeping a trailing slash. */
export function canonicalPath(p: string): string {
  if (p === "") return "/";
  if (!p.startsWith("/")) p = "/" + p;
  const parts: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  let np = "/" + parts.join("/");
  if (p.endsWith("/") && np !== "/") np += "/";
  return np;
}

/** Go's strconv.Quote for the ASCII texts cURL lines carry. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

function shuffle<T>(items: T[]): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = a[i] as T;
    a[i] = a[j] as T;
    a[j] = t;
  }
  return a;
}

export class GoClusterClient {
  private endpointList: string[];
  private pinned = 0;
  private readonly clients = new Map<string, V2Client>();

  constructor(private readonly opts: GoClientOptions) {
    this.endpointList = shuffle(opts.endpoints);
  }

  endpoints(): string[] {
    return this.endpointList.slice();
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
  }

  private clientFor(endpoint: string): V2Client {
    let c = this.clients.get(endpoint);
    if (c === undefined) {
      c = new V2Client({
        endpoints: [endpoint],
        dialTimeoutMs: this.opts.dialTimeoutMs,
        requestTimeoutMs: 0,
        ...(this.opts.username !== undefined
          ? { username: this.opts.username, password: this.opts.password ?? "" }
          : {}),
        ...(this.opts.cert !== undefined ? { cert: this.opts.cert } : {}),
        ...(this.opts.key !== undefined ? { key: this.opts.key } : {}),
        ...(this.opts.cacert !== undefined ? { cacert: this.opts.cacert } : {}),
      });
      this.clients.set(endpoint, c);
    }
    return c;
  }

  /** Sends to the pinned endpoint, moving on as the Go client does; `deadlineMs` 0 = none. */
  async do(req: DoRequest, deadlineMs: number): Promise<RawReply> {
    const eps = this.endpointList;
    const errors: string[] = [];
    for (let i = this.pinned; i < eps.length + this.pinned; i++) {
      const k = i % eps.length;
      const ep = eps[k] ?? "";
      let err: string | undefined;
      let reply: RawReply | undefined;
      if (this.opts.debug) this.printCurl(ep, req);
      try {
        reply = await this.once(ep, req, deadlineMs);
      } catch (e) {
        if (e instanceof GoError && e.kind === "deadline") throw e;
        err = e instanceof GoError || e instanceof Error ? e.message : String(e);
      }
      if (reply !== undefined && Math.floor(reply.status / 100) === 5) {
        err =
          reply.status === 500 || reply.status === 503
            ? `client: etcd member ${ep} has no leader`
            : `client: etcd member ${ep} returns server error [${statusText(reply.status)}]`;
        errors.push(err);
        err = errors[0];
      } else if (err !== undefined) {
        errors.push(err);
      }
      if (err !== undefined) {
        if (!req.oneShot) continue;
        this.pinned = (k + 1) % eps.length;
        throw new GoError(err);
      }
      if (k !== this.pinned) this.pinned = k;
      if (reply === undefined) throw new Error("v2 request: no reply and no error");
      return reply;
    }
    throw GoError.cluster(errors);
  }

  private async once(ep: string, req: DoRequest, deadlineMs: number): Promise<RawReply> {
    const now = Date.now();
    const remainingMs = deadlineMs > 0 ? deadlineMs - now : Infinity;
    if (remainingMs <= 0) throw new GoError(DEADLINE_TEXT, "deadline");
    const headerMs =
      req.wait || this.opts.headerTimeoutMs <= 0 ? Infinity : this.opts.headerTimeoutMs;
    const limitMs = Math.min(remainingMs, headerMs);
    const body =
      req.json !== undefined ? { json: req.json } : req.form ? { form: req.form } : undefined;
    try {
      const res = await this.clientFor(ep).raw(
        req.method,
        req.path,
        body,
        Number.isFinite(limitMs) ? { timeoutMs: Math.max(1, limitMs) } : { timeoutMs: 0 },
      );
      return { status: res.status, body: res.body, headers: res.headers, endpoint: ep };
    } catch (e) {
      const timedOut =
        e instanceof V2TimeoutError ||
        (e instanceof V2ClusterError && e.errors.some((t) => t.endsWith("i/o timeout")));
      if (timedOut) {
        if (deadlineMs > 0 && Date.now() >= deadlineMs - 5) {
          throw new GoError(DEADLINE_TEXT, "deadline");
        }
        if (headerMs <= remainingMs) {
          throw new GoError(`client: endpoint ${ep} exceeded header timeout`);
        }
      }
      if (e instanceof V2ClusterError) throw new GoError(goTransportText(e.errors[0] ?? e.message));
      if (e instanceof Error) throw new GoError(goTransportText(e.message));
      throw e;
    }
  }

  private printCurl(ep: string, req: DoRequest): void {
    let command = `curl -X ${req.method} ${ep}${req.path}`;
    if (req.json !== undefined) command += ` -d ${goQuote(JSON.stringify(req.json))}`;
    else if (req.form !== undefined) {
      const values: Record<string, string> = {};
      for (const [k, v] of req.form) values[k] = v;
      command += ` -d ${goQuote(encodeValues(values))}`;
    }
    process.stderr.write(`cURL Command: ${command}\n`);
  }

  /** Replaces the endpoints with the members' client URLs (Go's Sync, random selection). */
  async sync(deadlineMs: number): Promise<void> {
    const members = await listMembers(this, deadlineMs);
    const eps = members.flatMap((m) => m.clientURLs);
    if (eps.length === 0) throw new GoError("client: no endpoints available");
    const same =
      eps.length === this.endpointList.length &&
      [...eps].sort().join(",") === [...this.endpointList].sort().join(",");
    if (same) return;
    this.endpointList = shuffle(eps);
    this.pinned = 0;
  }
}

export interface GoMember {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

/** Go's wording of TLS and transport failures that Node words differently. */
export function goTransportText(text: string): string {
  if (
    /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT/.test(
      text,
    )
  ) {
    return "x509: certificate signed by unknown authority";
  }
  if (/alert bad certificate|alert certificate required/.test(text)) {
    return "remote error: tls: bad certificate";
  }
  if (text === "socket hang up") return "EOF";
  return text;
}

function statusText(code: number): string {
  const texts: Record<number, string> = {
    501: "Not Implemented",
    502: "Bad Gateway",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
  };
  return texts[code] ?? "";
}

/** Go's json.Unmarshal error for a body that is not JSON, close enough for etcd's replies. */
export function goJsonError(body: string): string {
  const t = body.trimStart();
  if (t === "") return "unexpected end of JSON input";
  const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(t);
  if (num !== null) {
    const rest = t.slice(num[0].length).trimStart();
    const c = rest[0];
    if (c !== undefined) return `invalid character '${c}' after top-level value`;
  }
  return `invalid character '${t[0] ?? ""}' looking for beginning of value`;
}

export function parseJson<T>(body: string): T {
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new GoError(goJsonError(body));
  }
}

export async function listMembers(c: GoClusterClient, deadlineMs: number): Promise<GoMember[]> {
  const res = await c.do({ method: "GET", path: "/v2/members" }, deadlineMs);
  if (res.status !== 200) throw new GoError(`unexpected status code ${res.status}`);
  const body = parseJson<{ members?: GoMember[] | null }>(res.body);
  return (body.members ?? []).map((m) => ({
    id: m.id,
    name: m.name ?? "",
    peerURLs: m.peerURLs ?? [],
    clientURLs: m.clientURLs ?? [],
  }));
}
