// The HTTP/1.1 side of the client port: host check and CORS on every request (as etcd's
// access controller), then /version, /health and /metrics, plus handlers other modules mount
// at a path or a prefix (/v2/, /v3/). Anything else is Go's "404 page not found".
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpHandler } from "../listener.js";
import type { ServerMetrics } from "./metrics.js";
import { ETCD_VERSION } from "../../version.js";
import type { Logger } from "../../log/logger.js";

export interface HealthResult {
  health: boolean;
  /** Why not healthy (logged, not sent: etcd 3.4's body has only "health"). */
  reason?: string;
}

/** The member's health check: alarms (minus the excluded ones), leader, a quorum read. */
export type HealthProbe = (opts: { excludedAlarms: ReadonlySet<string> }) => Promise<HealthResult>;

export interface ClientHttpOptions {
  /** Current cluster version ("3.4.0"), undefined until decided. */
  clusterVersion: () => string | undefined;
  healthProbe?: HealthProbe;
  metrics?: ServerMetrics;
  /** --cors values; empty or "*" allows every origin. */
  cors?: readonly string[];
  /** --host-whitelist values; empty or "*" accepts every Host (plain HTTP only). */
  hostWhitelist?: readonly string[];
  /** True on a TLS listener (no host check there). */
  secure?: boolean;
  /**
   * Serve only /metrics and /health (etcd's --listen-metrics-urls listeners); default false
   * (the client port also serves /version and /debug/vars).
   */
  metricsOnly?: boolean;
  logger?: Logger;
}

export interface ClientHttpRouter {
  /** The node:http request handler to give the listener. */
  readonly handler: HttpHandler;
  /** Serves `path` exactly (later mounts of the same path replace earlier ones). */
  mountPath(path: string, handler: HttpHandler): void;
  /** Serves every path starting with `prefix` (e.g. "/v3/"); the longest prefix wins. */
  mountPrefix(prefix: string, handler: HttpHandler): void;
}

export function createClientHttpRouter(opts: ClientHttpOptions): ClientHttpRouter {
  const exact = new Map<string, HttpHandler>();
  const prefixes: Array<[string, HttpHandler]> = [];
  const cors = opts.cors ?? ["*"];
  const hosts = opts.hostWhitelist ?? ["*"];
  const anyOrigin = cors.length === 0 || cors.includes("*");
  const anyHost = hosts.length === 0 || hosts.includes("*");

  if (!opts.metricsOnly) {
    exact.set("/version", (req, res) => serveVersion(req, res, opts.clusterVersion()));
    exact.set("/debug/vars", serveVars);
  }
  if (opts.healthProbe) {
    const probe = opts.healthProbe;
    exact.set("/health", (req, res) => void serveHealth(req, res, probe, opts));
  }
  if (opts.metrics) {
    const metrics = opts.metrics;
    exact.set("/metrics", (req, res) => void serveMetrics(req, res, metrics, opts.logger));
  }

  const handler: HttpHandler = (req, res) => {
    if (!opts.secure && !anyHost) {
      const host = hostnameOf(req.headers.host ?? "");
      if (!hosts.includes(host)) {
        opts.logger?.warn("rejecting HTTP request to prevent DNS rebinding attacks", { host });
        goError(res, 421, rebindingText(host));
        return;
      }
    }
    const origin = req.headers.origin;
    if (anyOrigin) addCorsHeaders(res, "*");
    else if (typeof origin === "string" && cors.includes(origin)) addCorsHeaders(res, origin);
    if (req.method === "OPTIONS") {
      res.writeHead(200, { "Content-Length": "0" });
      res.end();
      return;
    }
    const path = pathOf(req.url ?? "/");
    const h = exact.get(path) ?? prefixes.find(([p]) => path.startsWith(p))?.[1];
    if (h) h(req, res);
    else goError(res, 404, "404 page not found");
  };

  return {
    handler,
    mountPath(path, h) {
      exact.set(path, h);
    },
    mountPrefix(prefix, h) {
      const i = prefixes.findIndex(([p]) => p === prefix);
      if (i >= 0) prefixes.splice(i, 1);
      prefixes.push([prefix, h]);
      prefixes.sort((a, b) => b[0].length - a[0].length);
    },
  };
}

function addCorsHeaders(res: ServerResponse, origin: string): void {
  res.setHeader("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
  res.setHeader("Access-Control-Allow-Origin", origin);
  res.setHeader("Access-Control-Allow-Headers", "accept, content-type, authorization");
}

/** Go's http.Error: text/plain, nosniff, the text plus a newline. */
export function goError(res: ServerResponse, status: number, text: string): void {
  const body = `${text}\n`;
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

/** Rejects other methods as etcd does: 405 with an Allow header. Returns true if allowed. */
export function allowMethod(req: IncomingMessage, res: ServerResponse, method: string): boolean {
  if (req.method === method) return true;
  res.setHeader("Allow", method);
  goError(res, 405, "Method Not Allowed");
  return false;
}

function serveVersion(
  req: IncomingMessage,
  res: ServerResponse,
  clusterVersion: string | undefined,
): void {
  if (!allowMethod(req, res, "GET")) return;
  const body = JSON.stringify({
    etcdserver: ETCD_VERSION,
    etcdcluster: clusterVersion ?? "not_decided",
  });
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

/** Go's expvar page: the command line and memory statistics, as JSON. */
function serveVars(_req: IncomingMessage, res: ServerResponse): void {
  const mem = process.memoryUsage();
  const body =
    "{\n" +
    `"cmdline": ${JSON.stringify(process.argv)},\n` +
    `"memstats": ${JSON.stringify({ HeapAlloc: mem.heapUsed, HeapSys: mem.heapTotal, Sys: mem.rss, External: mem.external })}\n` +
    "}\n";
  res.writeHead(200, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

async function serveHealth(
  req: IncomingMessage,
  res: ServerResponse,
  probe: HealthProbe,
  opts: ClientHttpOptions,
): Promise<void> {
  if (!allowMethod(req, res, "GET")) {
    opts.logger?.warn("/health error", { "status-code": 405 });
    return;
  }
  const excludedAlarms = new Set(new URLSearchParams(queryOf(req.url ?? "")).getAll("exclude"));
  let result: HealthResult;
  try {
    result = await probe({ excludedAlarms });
  } catch (err) {
    result = { health: false, reason: err instanceof Error ? err.message : String(err) };
  }
  if (result.health) {
    opts.metrics?.healthSuccess.inc();
    const body = '{"health":"true"}';
    res.writeHead(200, {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Length": body.length,
    });
    res.end(body);
    return;
  }
  opts.metrics?.healthFailures.inc();
  opts.logger?.warn("/health error", { reason: result.reason ?? "", "status-code": 503 });
  goError(res, 503, '{"health":"false"}');
}

async function serveMetrics(
  _req: IncomingMessage,
  res: ServerResponse,
  metrics: ServerMetrics,
  logger: Logger | undefined,
): Promise<void> {
  try {
    const body = await metrics.render();
    res.writeHead(200, {
      "Content-Type": metrics.contentType,
      "Content-Length": Buffer.byteLength(body),
    });
    res.end(body);
  } catch (err) {
    logger?.error("failed to render metrics", { error: String(err) });
    goError(res, 500, "An error has occurred while serving metrics");
  }
}

function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

function queryOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? "" : url.slice(q + 1);
}

/** The Host header without its port. */
function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith("[")) {
    const end = hostHeader.indexOf("]");
    return end > 0 ? hostHeader.slice(1, end) : hostHeader;
  }
  const colon = hostHeader.lastIndexOf(":");
  return colon >= 0 && hostHeader.indexOf(":") === colon ? hostHeader.slice(0, colon) : hostHeader;
}

function rebindingText(host: string): string {
  return (
    `\nThis server does not accept plain-HTTP requests for Host ${JSON.stringify(host)}.\n\n` +
    `Use TLS, or list the name with --host-whitelist (e.g. --host-whitelist ${JSON.stringify(host)}).\n` +
    `The check guards against DNS rebinding (CVE-2018-5702).\n`
  );
}
