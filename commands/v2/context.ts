// What every etcdctl v2 command shares: exit codes, the `Error:  ...` path, endpoints, TLS and
// credentials from flags and ETCDCTL_* variables, and the synced cluster client.
import { promises as dns } from "node:dns";
import fs from "node:fs";
import type { Context } from "./cli-kit.js";
import { GoClusterClient, GoError } from "./http.js";

export const V2Exit = {
  Success: 0,
  BadArgs: 1,
  BadConnection: 2,
  BadAuth: 3,
  ServerError: 4,
  ClusterNotHealthy: 5,
} as const;

export const DEFAULT_ENDPOINTS = "http://127.0.0.1:2379,http://127.0.0.1:4001";

export function gstr(ctx: Context, name: string): string {
  const v = ctx.global[name];
  return typeof v === "string" ? v : "";
}

export function gbool(ctx: Context, name: string): boolean {
  return ctx.global[name] === true;
}

export function gnum(ctx: Context, name: string): number {
  const v = ctx.global[name];
  return typeof v === "number" ? v : 0;
}

export function fstr(ctx: Context, name: string): string {
  const v = ctx.flags[name];
  return typeof v === "string" ? v : "";
}

export function fbool(ctx: Context, name: string): boolean {
  return ctx.flags[name] === true;
}

export function fnum(ctx: Context, name: string): number {
  const v = ctx.flags[name];
  return typeof v === "number" ? v : 0;
}

export function outputFormat(ctx: Context): string {
  return gstr(ctx, "output");
}

export function exit(code: number): never {
  process.exit(code);
}

/** Prints a line on stderr and exits. */
export function fail(code: number, line: string): never {
  process.stderr.write(line + "\n");
  exit(code);
}

/** etcdctl's handleError: `Error:  <err>`, plus the per-endpoint detail of a cluster error. */
export function handleError(code: number, err: unknown): never {
  const text = errorText(err);
  process.stderr.write(`Error:  ${text}\n`);
  if (err instanceof GoError && err.kind === "cluster") process.stderr.write(err.detail() + "\n");
  exit(code);
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

// --- endpoints and the client -----------------------------------------------------------------

async function discoverSrv(domain: string, insecure: boolean, service: string): Promise<string[]> {
  const suffix = service ? `-${service}` : "";
  const found: string[] = [];
  const errors: unknown[] = [];
  for (const [scheme, label] of [
    ["https", `_etcd-client-ssl${suffix}`],
    ["http", `_etcd-client${suffix}`],
  ] as const) {
    try {
      for (const r of await dns.resolveSrv(`${label}._tcp.${domain}`)) {
        found.push(`${scheme}://${r.name.replace(/\.$/, "")}:${r.port}`);
      }
    } catch (e) {
      errors.push(e);
    }
  }
  if (found.length === 0 && errors.length > 0) throw errors[0];
  if (insecure) return found;
  return found.filter((ep) => {
    if (!ep.startsWith("http://")) return true;
    process.stderr.write(`ignoring discovered insecure endpoint ${JSON.stringify(ep)}\n`);
    return false;
  });
}

function discovery(ctx: Context): { domain: string; insecure: boolean; service: string } {
  return {
    domain: gstr(ctx, "discovery-srv") || (process.env.ETCDCTL_DISCOVERY_SRV ?? ""),
    insecure:
      gbool(ctx, "insecure-discovery") || (process.env.ETCDCTL_INSECURE_DISCOVERY ?? "") !== "",
    service: process.env.ETCDCTL_DISCOVERY_SRV_NAME ?? "",
  };
}

function peersValue(ctx: Context): string[] {
  const env = process.env;
  const s =
    gstr(ctx, "endpoints") ||
    env.ETCDCTL_ENDPOINTS ||
    gstr(ctx, "endpoint") ||
    env.ETCDCTL_ENDPOINT ||
    gstr(ctx, "peers") ||
    env.ETCDCTL_PEERS ||
    DEFAULT_ENDPOINTS;
  return s.split(",");
}

/** Go's url.Parse of an endpoint: scheme-less `host:port` with a numeric host is an error. */
function parseEndpoint(ep: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(ep);
  if (scheme === null) {
    const firstSeg = ep.split("/")[0] ?? "";
    if (firstSeg.includes(":")) {
      throw new GoError(
        `parse ${JSON.stringify(ep)}: first path segment in URL cannot contain colon`,
      );
    }
    return `http://${ep}`;
  }
  return ep;
}

export async function getEndpoints(ctx: Context): Promise<string[]> {
  const d = discovery(ctx);
  let eps: string[] = [];
  if (d.domain !== "") eps = await discoverSrv(d.domain, d.insecure, d.service);
  if (eps.length === 0) eps = peersValue(ctx);
  return eps.map(parseEndpoint);
}

/** Reads a password: a prompt on stdout, then a line from stdin (not echoed on a terminal). */
export async function askPassword(prompt: string): Promise<string> {
  process.stdout.write(prompt);
  const stdin = process.stdin;
  const isTty = stdin.isTTY === true;
  if (isTty) stdin.setRawMode(true);
  return new Promise((resolve) => {
    let text = "";
    const done = (): void => {
      stdin.removeListener("data", onData);
      stdin.removeListener("end", done);
      if (isTty) stdin.setRawMode(false);
      stdin.pause();
      process.stdout.write("\n");
      resolve(text);
    };
    const onData = (chunk: Buffer): void => {
      const s = chunk.toString("utf8");
      // Enter, or Ctrl-D on a raw terminal, ends the password.
      const nl = [...s].findIndex((ch) => ch === "\r" || ch === "\n" || ch === "\u0004");
      if (nl >= 0) {
        text += s.slice(0, nl);
        done();
      } else text += s;
    };
    stdin.on("data", onData);
    stdin.on("end", done);
    stdin.resume();
  });
}

async function credentials(ctx: Context): Promise<{ username?: string; password?: string }> {
  const flag = gstr(ctx, "username") || (process.env.ETCDCTL_USERNAME ?? "");
  if (flag === "") return {};
  const colon = flag.indexOf(":");
  if (colon === -1) return { username: flag, password: await askPassword("Password: ") };
  return { username: flag.slice(0, colon), password: flag.slice(colon + 1) };
}

async function newClient(ctx: Context): Promise<GoClusterClient> {
  try {
    const endpoints = await getEndpoints(ctx);
    const total = gnum(ctx, "total-timeout");
    const dialTimeoutMs = total !== 0 && total < 30_000 ? total : 30_000;
    const cert = gstr(ctx, "cert-file") || process.env.ETCDCTL_CERT_FILE || "";
    const key = gstr(ctx, "key-file") || process.env.ETCDCTL_KEY_FILE || "";
    const ca = gstr(ctx, "ca-file") || process.env.ETCDCTL_CA_FILE || "";
    // Go loads the key pair, then the CA, when it builds the transport.
    for (const file of [cert, key, ca]) {
      if (file && !fs.existsSync(file)) fail(1, `open ${file}: no such file or directory`);
    }
    const creds = await credentials(ctx);
    return new GoClusterClient({
      endpoints,
      headerTimeoutMs: gnum(ctx, "timeout"),
      dialTimeoutMs,
      debug: gbool(ctx, "debug"),
      ...creds,
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      ...(ca ? { cacert: ca } : {}),
    });
  } catch (err) {
    fail(1, errorText(err));
  }
}

/** The deadline for one command (--total-timeout); 0 = none. */
export function totalDeadline(ctx: Context): number {
  const ms = gnum(ctx, "total-timeout");
  return ms > 0 ? Date.now() + ms : 0;
}

/** etcdctl's mustNewClient: builds the client and syncs the endpoints unless --no-sync. */
export async function mustNewClient(ctx: Context): Promise<GoClusterClient> {
  const c = await newClient(ctx);
  const debug = gbool(ctx, "debug");
  if (!gbool(ctx, "no-sync")) {
    if (debug) {
      process.stderr.write(`start to sync cluster using endpoints(${c.endpoints().join(",")})\n`);
    }
    try {
      await c.sync(totalDeadline(ctx));
    } catch (err) {
      if (err instanceof GoError && err.message === "client: no endpoints available") {
        process.stderr.write("etcd cluster has no published client endpoints.\n");
        process.stderr.write(
          `Try '--no-sync' if you want to access non-published client endpoints(${c.endpoints().join(",")}).\n`,
        );
        handleError(V2Exit.ServerError, err);
      }
      if (err instanceof GoError && err.isConnection()) handleError(V2Exit.BadConnection, err);
    }
    if (debug) process.stderr.write(`got endpoints(${c.endpoints().join(",")}) after sync\n`);
  }
  if (debug) process.stderr.write(`Cluster-Endpoints: ${c.endpoints().join(", ")}\n`);
  return c;
}

export async function mustNewClientNoSync(ctx: Context): Promise<GoClusterClient> {
  const c = await newClient(ctx);
  if (gbool(ctx, "debug")) process.stderr.write(`Cluster-Endpoints: ${c.endpoints().join(", ")}\n`);
  return c;
}

/** The value argument, or all of stdin when it is missing (etcdctl's argOrStdin). */
export async function argOrStdin(args: string[], i: number): Promise<string | undefined> {
  const a = args[i];
  if (a !== undefined) return a;
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const s = Buffer.concat(chunks).toString("utf8");
  return s === "" ? undefined : s;
}
