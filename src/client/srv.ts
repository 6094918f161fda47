// DNS SRV discovery of endpoints (`--discovery-srv`), as etcd's clients do it: look up
// `_<service>-ssl._tcp.<domain>` (https) and `_<service>._tcp.<domain>` (http), optionally with a
// `-<serviceName>` suffix; fail only when both lookups fail.
import dns from "node:dns";
import type { SrvRecord } from "node:dns";

export interface SrvDiscovery {
  /** `https://target:port` / `http://target:port` (target as published, trailing dot kept). */
  endpoints: string[];
  records: SrvRecord[];
}

export type SrvResolver = (name: string) => Promise<SrvRecord[]>;

/** The SRV name for a service, scheme and optional suffix (`_etcd-client-ssl-x._tcp.d`). */
export function srvName(
  service: string,
  scheme: "http" | "https",
  domain: string,
  serviceName = "",
): string {
  let s = scheme === "https" ? `${service}-ssl` : service;
  if (serviceName !== "") s = `${s}-${serviceName}`;
  return `_${s}._tcp.${domain}`;
}

export async function discoverSrv(
  domain: string,
  opts: { service?: string; serviceName?: string; resolve?: SrvResolver } = {},
): Promise<SrvDiscovery> {
  const service = opts.service ?? "etcd-client";
  const resolve = opts.resolve ?? ((name: string) => dns.promises.resolveSrv(name));
  const endpoints: string[] = [];
  const records: SrvRecord[] = [];
  const errors: string[] = [];
  for (const scheme of ["https", "http"] as const) {
    const name = srvName(service, scheme, domain, opts.serviceName);
    try {
      const found = sortSrv(await resolve(name));
      for (const r of found) endpoints.push(`${scheme}://${joinHostPort(r.name, r.port)}`);
      records.push(...found);
    } catch (err) {
      errors.push(goLookupError(name, err));
    }
  }
  if (errors.length === 2) throw new Error(`dns lookup errors: ${errors[0]} and ${errors[1]}`);
  return { endpoints, records };
}

/** Lower priority first, then heavier weight (Go randomizes within a weight class). */
function sortSrv(records: SrvRecord[]): SrvRecord[] {
  return [...records].sort((a, b) => a.priority - b.priority || b.weight - a.weight);
}

function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go's wording: `lookup <name> on <resolver>:53: no such host`. */
function goLookupError(name: string, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const server = dns.getServers()[0];
  const on = server === undefined ? "" : ` on ${server.includes(":") ? `[${server}]` : server}:53`;
  const reason =
    code === "ENOTFOUND" || code === "ENODATA"
      ? "no such host"
      : code === "ETIMEOUT"
        ? "i/o timeout"
        : code === "ECONNREFUSED"
          ? "connection refused"
          : "server misbehaving";
  return `lookup ${name}${on}: ${reason}`;
}
