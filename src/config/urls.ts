// URL lists as etcd accepts them in flags, env and YAML: comma-separated http(s)/unix(s)
// `scheme://host:port` without a path, sorted; plus the bind/advertise host checks.
import { isIP } from "node:net";

export interface ParsedUrl {
  scheme: string;
  /** host:port exactly as given (brackets kept for IPv6). */
  hostPort: string;
  hostname: string;
  port: string;
  /** Normalised text (scheme lower-cased), what etcd prints back. */
  text: string;
}

/** Go's net.SplitHostPort; throws Error with Go's text. */
export function splitHostPort(hostPort: string): { host: string; port: string } {
  const missingPort = () => new Error(`address ${hostPort}: missing port in address`);
  const tooMany = () => new Error(`address ${hostPort}: too many colons in address`);
  if (hostPort.startsWith("[")) {
    const end = hostPort.indexOf("]");
    if (end < 0) throw new Error(`address ${hostPort}: missing ']' in address`);
    const after = hostPort.slice(end + 1);
    if (after === "") throw missingPort();
    if (!after.startsWith(":")) throw new Error(`address ${hostPort}: missing port in address`);
    if (after.indexOf(":", 1) >= 0) throw tooMany();
    return { host: hostPort.slice(1, end), port: after.slice(1) };
  }
  const colon = hostPort.lastIndexOf(":");
  if (colon < 0) throw missingPort();
  const host = hostPort.slice(0, colon);
  if (host.includes(":")) throw tooMany();
  return { host, port: hostPort.slice(colon + 1) };
}

/** Parses one URL as etcd's types.NewURLs does for each element. */
export function parseEtcdUrl(input: string): ParsedUrl {
  const text = input.trim();
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(text);
  const scheme = m ? m[1]!.toLowerCase() : "";
  if (!m || !["http", "https", "unix", "unixs"].includes(scheme)) {
    throw new Error(`URL scheme must be http, https, unix, or unixs: ${text}`);
  }
  const hostPort = m[2]!;
  let parts: { host: string; port: string };
  try {
    parts = splitHostPort(hostPort);
  } catch {
    throw new Error(`URL address does not have the form "host:port": ${text}`);
  }
  const rest = m[3]!;
  if (rest !== "" && !rest.startsWith("?") && !rest.startsWith("#")) {
    throw new Error(`URL must not contain a path: ${text}`);
  }
  return {
    scheme,
    hostPort,
    hostname: parts.host,
    port: parts.port,
    text: `${scheme}://${hostPort}${rest}`,
  };
}

/** A comma-separated list, each URL checked, sorted by text (etcd keeps them sorted). */
export function parseUrlList(text: string): string[] {
  const urls = text.split(",").map((s) => parseEtcdUrl(s).text);
  return urls.sort(compareStrings);
}

/** Listen URLs must name an IP or localhost (unix sockets excepted). */
export function checkBindUrls(urls: readonly string[]): void {
  for (const u of urls) {
    const p = parseEtcdUrl(u);
    if (p.scheme === "unix" || p.scheme === "unixs") continue;
    if (p.hostname === "localhost") continue;
    if (isIP(p.hostname) === 0) throw new Error(`expected IP in URL for binding (${p.text})`);
  }
}

/** Advertised URLs need a non-empty host. Returns the reason or undefined. */
export function checkHostUrls(urls: readonly string[]): string | undefined {
  for (const u of urls) {
    const p = parseEtcdUrl(u);
    if (p.hostname === "") return `unexpected empty host (${p.text})`;
  }
  return undefined;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
