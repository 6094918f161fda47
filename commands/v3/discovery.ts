// --discovery-srv: client endpoints from DNS SRV records (_etcd-client-ssl._tcp.<domain> as
// https, _etcd-client._tcp.<domain> as http, with an optional -<service name> suffix), as
// etcdctl finds them; insecure ones are dropped unless --insecure-discovery.
import type { GlobalOptions } from "./globals.js";

export interface SrvRecord {
  name: string;
  port: number;
}

export type SrvResolver = (name: string) => Promise<SrvRecord[]>;

function service(scheme: "https" | "http", serviceName: string | undefined): string {
  const base = scheme === "https" ? "etcd-client-ssl" : "etcd-client";
  return serviceName === undefined ? base : `${base}-${serviceName}`;
}

/** The discovered endpoints, or [] when --discovery-srv is not set (use --endpoints then). */
export async function discoverEndpoints(
  g: GlobalOptions,
  resolve?: SrvResolver,
  warn: (line: string) => void = (l) => void process.stderr.write(l),
): Promise<string[]> {
  if (g.discoverySrv === undefined) return [];
  const lookup =
    resolve ??
    (async (name: string) => {
      const dns = await import("node:dns/promises");
      return dns.resolveSrv(name);
    });
  const urls: string[] = [];
  const errors: string[] = [];
  for (const scheme of ["https", "http"] as const) {
    const name = `_${service(scheme, g.discoverySrvName)}._tcp.${g.discoverySrv}`;
    try {
      for (const r of await lookup(name)) {
        const host = r.name.replace(/\.$/, "");
        const hostPort = host.includes(":") ? `[${host}]:${r.port}` : `${host}:${r.port}`;
        urls.push(`${scheme}://${hostPort}`);
      }
    } catch (err) {
      errors.push(`lookup ${name}: ${(err as Error).message}`);
    }
  }
  if (errors.length === 2) throw new Error(`dns lookup errors: ${errors[0]} and ${errors[1]}`);
  if (g.insecureDiscovery) return urls;
  return urls.filter((u) => {
    if (!u.startsWith("http://")) return true;
    warn(`ignoring discovered insecure endpoint ${JSON.stringify(u)}\n`);
    return false;
  });
}
