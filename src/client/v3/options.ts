// Options of the v3 client and how they turn into gRPC targets and channel credentials.
import fs from "node:fs";
import { credentials } from "@grpc/grpc-js";
import type { ChannelCredentials } from "@grpc/grpc-js";

export interface ClientOptions {
  /** `host:port`, `http://host:port`, `https://host:port`, `unix://path`; default 127.0.0.1:2379. */
  endpoints?: string[];
  /** How long to wait for one endpoint's connection before trying the next; default 2000. */
  dialTimeoutMs?: number;
  /** Deadline of each unary request (including retries); default 5000; 0 = none. */
  commandTimeoutMs?: number;
  /** HTTP/2 keepalive ping interval (raised to at least 10 s, as grpc-go does); unset = no pings. */
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
  /** Client certificate / key / CA file paths (PEM). */
  cert?: string;
  key?: string;
  cacert?: string;
  /** TLS without verifying the server's certificate. */
  insecureSkipTlsVerify?: boolean;
  /**
   * etcdctl's `--insecure-transport` (default true): plain text unless TLS files are given or an
   * endpoint is https. False forces TLS with the system roots.
   */
  insecureTransport?: boolean;
  user?: string;
  password?: string;
  /** Extra metadata sent on every call. */
  metadata?: Record<string, string>;
  /** Largest response accepted, in bytes; default 2^31-1 as clientv3. */
  maxRecvBytes?: number;
  /** Largest request sent, in bytes; default 2 MiB as clientv3. */
  maxSendBytes?: number;
}

export const DEFAULT_ENDPOINT = "127.0.0.1:2379";
export const DEFAULT_DIAL_TIMEOUT_MS = 2000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;
export const MIN_KEEPALIVE_TIME_MS = 10_000;

export interface ParsedEndpoint {
  /** As the caller wrote it; used in messages. */
  endpoint: string;
  /** gRPC target: `host:port` or `unix:path`. */
  target: string;
  tls: boolean;
}

export function parseEndpoint(endpoint: string): ParsedEndpoint {
  const trimmed = endpoint.trim();
  if (trimmed === "") throw new Error("empty endpoint");
  const m = /^([a-z]+):\/\/(.*)$/i.exec(trimmed);
  if (m === null) return { endpoint: trimmed, target: trimmed, tls: false };
  const scheme = (m[1] ?? "").toLowerCase();
  const rest = (m[2] ?? "").replace(/\/+$/, "");
  switch (scheme) {
    case "http":
      return { endpoint: trimmed, target: rest, tls: false };
    case "https":
      return { endpoint: trimmed, target: rest, tls: true };
    case "unix":
      return { endpoint: trimmed, target: `unix:${rest}`, tls: false };
    case "unixs":
      return { endpoint: trimmed, target: `unix:${rest}`, tls: true };
    default:
      throw new Error(`unsupported endpoint scheme in ${JSON.stringify(endpoint)}`);
  }
}

export function wantsTls(opts: ClientOptions, endpoints: ParsedEndpoint[]): boolean {
  return (
    endpoints.some((e) => e.tls) ||
    opts.cert !== undefined ||
    opts.key !== undefined ||
    opts.cacert !== undefined ||
    opts.insecureSkipTlsVerify === true ||
    opts.insecureTransport === false
  );
}

export function makeCredentials(opts: ClientOptions, tls: boolean): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  if ((opts.cert === undefined) !== (opts.key === undefined)) {
    throw new Error("cert and key must be given together");
  }
  const read = (p: string | undefined): Buffer | null =>
    p === undefined ? null : fs.readFileSync(p);
  const verify = opts.insecureSkipTlsVerify
    ? { rejectUnauthorized: false, checkServerIdentity: () => undefined }
    : {};
  return credentials.createSsl(read(opts.cacert), read(opts.key), read(opts.cert), verify);
}

export function channelOptions(opts: ClientOptions): Record<string, number | string> {
  const out: Record<string, number | string> = {
    "grpc.max_receive_message_length": opts.maxRecvBytes ?? 2 ** 31 - 1,
    "grpc.max_send_message_length": opts.maxSendBytes ?? 2 * 1024 * 1024,
    // Reconnect quickly: a CLI call should not sit in a 1 s+ backoff after a member restarts.
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 1000,
    "grpc.enable_retries": 0,
    "grpc.primary_user_agent": "tsctl",
  };
  if (opts.keepaliveTimeMs !== undefined && opts.keepaliveTimeMs > 0) {
    // grpc-go raises any client keepalive below 10 s to 10 s; do the same, or etcd's
    // --grpc-keepalive-min-time (5 s) policy answers our pings with GOAWAY too_many_pings.
    out["grpc.keepalive_time_ms"] = Math.max(MIN_KEEPALIVE_TIME_MS, opts.keepaliveTimeMs);
    out["grpc.keepalive_timeout_ms"] = opts.keepaliveTimeoutMs ?? 6000;
  }
  return out;
}
