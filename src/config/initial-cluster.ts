// `--initial-cluster` (`name=url,name=url,...`, a name may repeat) as a typed map, and the
// bootstrap check that this member's entry matches its advertised peer URLs, with etcd's texts.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { compareStrings, parseEtcdUrl, parseUrlList } from "./urls.js";

/** Member name -> its peer URLs (sorted). Insertion order follows the flag text. */
export type InitialCluster = Map<string, string[]>;

/** Parses `name=url,...`; throws Error with etcd's URL error text on a bad URL. */
export function parseInitialCluster(text: string): InitialCluster {
  const raw = new Map<string, string[]>();
  for (const item of text.split(",")) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    const name = eq >= 0 ? item.slice(0, eq) : item;
    const url = eq >= 0 ? item.slice(eq + 1) : "";
    const list = raw.get(name) ?? [];
    list.push(url);
    raw.set(name, list);
  }
  const out: InitialCluster = new Map();
  for (const [name, urls] of raw) out.set(name, parseUrlList(urls.join(",")));
  return out;
}

/** etcd's canonical text: `name=url` pairs sorted. */
export function formatInitialCluster(cluster: InitialCluster): string {
  const pairs: string[] = [];
  for (const [name, urls] of cluster) for (const u of urls) pairs.push(`${name}=${u}`);
  return pairs.sort(compareStrings).join(",");
}

export interface BootstrapCheckInput {
  name: string;
  initialCluster: string;
  initialAdvertisePeerUrls: readonly string[];
  discovery: string;
  initialClusterState: "new" | "existing";
}

/** Resolves a host name to an address (injected in tests). */
export type HostResolver = (host: string) => Promise<string>;

const defaultResolver: HostResolver = async (host) => (await lookup(host)).address;

/**
 * The checks etcd runs before bootstrapping a member without data: this member is listed in
 * --initial-cluster with exactly its advertised peer URLs, and no peer URL repeats.
 * Returns the error text, or undefined when the configuration is usable.
 */
export async function verifyBootstrap(
  input: BootstrapCheckInput,
  resolve: HostResolver = defaultResolver,
): Promise<string | undefined> {
  let cluster: InitialCluster;
  try {
    cluster = parseInitialCluster(input.initialCluster);
  } catch (err) {
    return (err as Error).message;
  }
  const own = cluster.get(input.name);
  if (!own)
    return `couldn't find local name ${JSON.stringify(input.name)} in the initial cluster configuration`;
  if (input.initialClusterState === "new") {
    const mismatch = await advertiseMismatch(
      input.name,
      own,
      input.initialAdvertisePeerUrls,
      resolve,
    );
    if (mismatch) return mismatch;
  }
  const all = [...cluster.values()].flat();
  if (new Set(all).size !== all.length) {
    return `initial cluster ${formatInitialCluster(cluster)} has duplicate url`;
  }
  if (input.initialClusterState === "existing" && input.discovery !== "") {
    return "discovery URL should not be set when joining existing initial cluster";
  }
  if (input.initialClusterState === "new" && all.length === 0 && input.discovery === "") {
    return "initial cluster unset and no discovery URL found";
  }
  return undefined;
}

async function advertiseMismatch(
  name: string,
  clusterUrls: readonly string[],
  advertised: readonly string[],
  resolve: HostResolver,
): Promise<string | undefined> {
  const ap = [...advertised].sort(compareStrings);
  const ic = [...clusterUrls].sort(compareStrings);
  const why = await urlsEqual(ap, ic, resolve);
  if (why === undefined) return undefined;
  const apSet = new Set(ap);
  const icSet = new Set(ic);
  const missingFromAp = ic.filter((u) => !apSet.has(u));
  if (missingFromAp.length > 0) {
    const listed = missingFromAp.map((u) => `${name}=${u}`).join(",");
    return `--initial-cluster has ${listed} but missing from --initial-advertise-peer-urls=${ap.join(",")} (${why})`;
  }
  const own = ap.map((u) => `${name}=${u}`).join(",");
  const missingFromIc = ap.filter((u) => !icSet.has(u));
  if (missingFromIc.length > 0) {
    return `--initial-advertise-peer-urls has ${missingFromIc.join(",")} but missing from --initial-cluster=${own}`;
  }
  return `failed to resolve ${ap.join(",")} to match --initial-cluster=${own} (${why})`;
}

/** Undefined when equal (after resolving host names), else etcd's reason text. */
async function urlsEqual(
  a: readonly string[],
  b: readonly string[],
  resolve: HostResolver,
): Promise<string | undefined> {
  if (a.length !== b.length) return `len(${goQuoteList(a)}) != len(${goQuoteList(b)})`;
  if (a.every((u, i) => u === b[i])) return undefined;
  let ra: string[];
  let rb: string[];
  try {
    ra = (await Promise.all(a.map((u) => resolveUrl(u, resolve)))).sort(compareStrings);
    rb = (await Promise.all(b.map((u) => resolveUrl(u, resolve)))).sort(compareStrings);
  } catch (err) {
    return (err as Error).message;
  }
  for (let i = 0; i < ra.length; i++) {
    if (ra[i] !== rb[i])
      return `resolved urls: ${JSON.stringify(ra[i])} != ${JSON.stringify(rb[i])}`;
  }
  return undefined;
}

async function resolveUrl(url: string, resolve: HostResolver): Promise<string> {
  const p = parseEtcdUrl(url);
  if (p.scheme === "unix" || p.scheme === "unixs") return p.text;
  if (p.hostname === "localhost" || isIP(p.hostname) !== 0) return p.text;
  let address: string;
  try {
    address = await resolve(p.hostname);
  } catch (err) {
    throw new Error(`failed to resolve ${JSON.stringify(url)} (${(err as Error).message})`);
  }
  const host = isIP(address) === 6 ? `[${address}]` : address;
  return `${p.scheme}://${host}:${p.port}`;
}

/** Go's %q of a []string: ["a" "b"]. */
function goQuoteList(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(" ")}]`;
}
