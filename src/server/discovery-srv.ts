// --discovery-srv bootstrap: the initial cluster comes from DNS SRV records
// (`_etcd-server-ssl[-name]._tcp.<domain>` → https, `_etcd-server[-name]._tcp.<domain>` → http).
// The record whose target:port resolves to one of our advertised peer addresses gets our
// --name; the others are named 0, 1, ... per lookup, as etcd 3.4 does.
import dns from "node:dns";
import { isIP } from "node:net";
import type { SrvRecord } from "node:dns";
import type { ServerConfig } from "../config/server-config.js";
import { srvName } from "../client/srv.js";

/** Test knob: a DNS server (host:port) to ask instead of the system's. */
export const DNS_SERVER_ENV = "TSCTL_DNS_SERVER";

export interface SrvLookups {
  resolveSrv(name: string): Promise<SrvRecord[]>;
  /** host → IPv4/IPv6 addresses. */
  resolveHost(host: string): Promise<string[]>;
}

export function systemLookups(dnsServer = process.env[DNS_SERVER_ENV]): SrvLookups {
  const resolver = new dns.promises.Resolver();
  if (dnsServer !== undefined && dnsServer !== "") resolver.setServers([dnsServer]);
  return {
    resolveSrv: (name) => resolver.resolveSrv(name),
    async resolveHost(host) {
      if (isIP(host)) return [host];
      if (dnsServer !== undefined && dnsServer !== "") return resolver.resolve4(host);
      return (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
    },
  };
}

function hostPortOf(url: URL): { host: string; port: string } {
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port || (url.protocol === "https:" ? "443" : "80"),
  };
}

function joinHostPort(host: string, port: string | number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

async function resolveAddr(lookups: SrvLookups, host: string, port: string): Promise<string> {
  const [first] = await lookups.resolveHost(host);
  if (first === undefined) throw new Error(`lookup ${host}: no such host`);
  return joinHostPort(first, port);
}

/** One SRV service's `name=scheme://host:port` entries (etcd's srv.GetCluster). */
async function clusterFromSrv(
  lookups: SrvLookups,
  scheme: "http" | "https",
  service: string,
  name: string,
  advertisePeerUrls: string[],
): Promise<string[]> {
  const own = new Map<string, URL>();
  for (const raw of advertisePeerUrls) {
    const u = new URL(raw);
    const { host, port } = hostPortOf(u);
    own.set(await resolveAddr(lookups, host, port), u);
  }
  const records = [...(await lookups.resolveSrv(service))].sort(
    (a, b) => a.priority - b.priority || b.weight - a.weight,
  );
  const parts: string[] = [];
  let lastError: Error | undefined;
  let tempName = 0;
  for (const r of records) {
    let addr: string;
    try {
      addr = await resolveAddr(lookups, r.name, String(r.port));
    } catch (err) {
      lastError = err as Error;
      continue;
    }
    const mine = own.get(addr);
    const n = mine ? name : String(tempName++);
    const urlHost = joinHostPort(r.name.replace(/\.$/, ""), r.port);
    if (mine && mine.protocol !== `${scheme}:`) {
      lastError = new Error(
        `bootstrap at ${scheme}://${urlHost} from DNS for ${service} has scheme mismatch with expected peer ${mine.href.replace(/\/$/, "")}`,
      );
      continue;
    }
    parts.push(`${n}=${scheme}://${urlHost}`);
  }
  if (parts.length === 0 && lastError) throw lastError;
  return parts;
}

/**
 * The --initial-cluster text from SRV records; throws etcd's errors when nothing usable was
 * found or our own name is not among the records.
 */
export async function initialClusterFromSrv(
  cfg: Pick<
    ServerConfig,
    "name" | "discoverySrv" | "discoverySrvName" | "initialAdvertisePeerUrls"
  >,
  lookups: SrvLookups = systemLookups(),
): Promise<string> {
  const parts: string[] = [];
  const errors: string[] = [];
  for (const scheme of ["https", "http"] as const) {
    // srvName gives `_etcd-server[-ssl][-x]._tcp.<domain>`; etcd's message names the service.
    const full = srvName("etcd-server", scheme, cfg.discoverySrv, cfg.discoverySrvName);
    const service = full.slice(1, full.indexOf("._tcp."));
    try {
      parts.push(
        ...(await clusterFromSrv(lookups, scheme, full, cfg.name, cfg.initialAdvertisePeerUrls)),
      );
    } catch (err) {
      errors.push(`error querying DNS SRV records for _${service} ${(err as Error).message}`);
    }
  }
  if (parts.length === 0) {
    throw new Error(
      errors.join("; ") || `cannot find local etcd member "${cfg.name}" in SRV records`,
    );
  }
  const text = parts.join(",");
  const names = new Set(parts.map((p) => p.slice(0, p.indexOf("="))));
  if (!names.has(cfg.name)) {
    throw new Error(`cannot find local etcd member "${cfg.name}" in SRV records`);
  }
  return text;
}

/** A new member with --discovery-srv: the config with the initial cluster from DNS. */
export async function resolveDiscoverySrv(cfg: ServerConfig): Promise<ServerConfig> {
  if (cfg.discoverySrv === "") return cfg;
  return { ...cfg, initialCluster: await initialClusterFromSrv(cfg) };
}
