// --discovery bootstrap: a new member registers itself under the discovery URL (a directory
// of a v2 keys service) and waits until `_config/size` members have registered; their
// `name=peerURL` values form the initial cluster. Member ids then use the whole discovery URL
// as the cluster token, so every member derives the same ids.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { computeMemberId } from "../membership/ids.js";
import type { ServerConfig } from "../config/server-config.js";
import type { Logger } from "../log/logger.js";

export class DiscoveryError extends Error {}

const ERR = {
  badSize: "discovery: size key is bad",
  tokenNotFound: "discovery: token not found",
  duplicateId: "discovery: found duplicate id",
  duplicateName: "discovery: found duplicate name",
  full: "discovery: cluster is full",
  tooManyRetries: "discovery: too many retries",
  badEndpoint: "discovery: bad discovery endpoint",
  invalidUrl: "discovery: invalid URL",
} as const;

/** v2 error codes the protocol cares about. */
const KEY_NOT_FOUND = 100;
const NODE_EXIST = 105;

interface V2Node {
  key: string;
  value?: string;
  dir?: boolean;
  nodes?: V2Node[];
  createdIndex: number;
  modifiedIndex: number;
}

interface V2Answer {
  status: number;
  index: number;
  node?: V2Node;
  errorCode?: number;
  /** The v2 client's text for an error answer: `100: Key not found (/dir) [3]`. */
  errorText: string;
}

export interface DiscoveryOptions {
  /** The --discovery URL: scheme://host[:port]/path-of-the-directory. */
  url: string;
  /** This member's id (hex) names its registration key. */
  memberId: bigint;
  /** `name=peerURL[,name=peerURL]` for this member. */
  selfConfig: string;
  logger?: Logger;
  /** Transport failures retried this many times (etcd: practically forever). */
  maxRetries?: number;
  requestTimeoutMs?: number;
  fetchImpl?: typeof fetch;
}

/** The --discovery flow of etcd 3.4 (join): returns the initial cluster text. */
export async function joinDiscoveryCluster(opts: DiscoveryOptions): Promise<string> {
  let base: URL;
  try {
    base = new URL(opts.url);
  } catch {
    throw new DiscoveryError(ERR.invalidUrl);
  }
  const dir = base.pathname.replace(/\/+$/, "");
  const origin = base.origin;
  const selfName = opts.memberId.toString(16);
  const doFetch = opts.fetchImpl ?? fetch;
  const maxRetries = opts.maxRetries ?? 1_000_000;
  const timeoutMs = opts.requestTimeoutMs ?? 5000;
  let retries = 0;

  const request = async (
    path: string,
    init: RequestInit = {},
    timeout: number | undefined = timeoutMs,
  ): Promise<V2Answer> => {
    const res = await doFetch(origin + path, {
      ...init,
      signal: timeout === undefined ? undefined : AbortSignal.timeout(timeout),
    });
    const text = await res.text();
    let body: {
      node?: V2Node;
      errorCode?: number;
      message?: string;
      cause?: string;
      index?: number;
    };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new DiscoveryError(ERR.badEndpoint);
    }
    return {
      status: res.status,
      index: Number(res.headers.get("x-etcd-index") ?? 0),
      node: body.node,
      errorCode: body.errorCode,
      errorText: `${body.errorCode}: ${body.message} (${body.cause}) [${body.index}]`,
    };
  };

  /** Transport failures back off and retry (etcd's ClusterError path). */
  const retrying = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof DiscoveryError) throw err;
        if (retries >= maxRetries) throw new DiscoveryError(ERR.tooManyRetries);
        const waitMs = Math.min(2 ** retries * 100, 5000);
        retries++;
        opts.logger?.warn("failed to get from discovery server; retrying", {
          "discovery-url": opts.url,
          step,
          error: (err as Error).message,
          backoff: `${waitMs}ms`,
        });
        await new Promise((r) => setTimeout(r, waitMs));
      }
    }
  };

  const checkCluster = async (): Promise<{
    nodes: V2Node[];
    size: number;
    index: number;
    full: boolean;
  }> =>
    retrying("check", async () => {
      const sizeAnswer = await request(`${dir}/_config/size`);
      // etcd 3.4 means to answer "size key not found" here, but its client's error type
      // never matches that check, so the v2 error text itself is what users see.
      if (sizeAnswer.errorCode === KEY_NOT_FOUND) throw new DiscoveryError(sizeAnswer.errorText);
      if (sizeAnswer.status >= 500)
        throw new Error(`discovery server answered ${sizeAnswer.status}`);
      const sizeText = sizeAnswer.node?.value ?? "";
      if (!/^\d+$/.test(sizeText)) throw new DiscoveryError(ERR.badSize);
      const size = Number(sizeText);
      const all = await request(dir);
      if (all.errorCode === KEY_NOT_FOUND) throw new DiscoveryError(ERR.tokenNotFound);
      if (all.status >= 500) throw new Error(`discovery server answered ${all.status}`);
      const nodes = (all.node?.nodes ?? [])
        .filter((n) => baseName(n.key) !== "_config")
        .sort((a, b) => a.createdIndex - b.createdIndex);
      // Self must be among the first `size` registrations.
      for (let i = 0; i < nodes.length; i++) {
        if (baseName(nodes[i]!.key) === selfName) break;
        if (i >= size - 1)
          return { nodes: nodes.slice(0, size), size, index: all.index, full: true };
      }
      return { nodes, size, index: all.index, full: false };
    });

  const first = await checkCluster();
  if (first.full) throw new DiscoveryError(ERR.full);

  const created = await request(`${dir}/${selfName}?prevExist=false`, {
    method: "PUT",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `value=${encodeURIComponent(opts.selfConfig)}`,
  });
  if (created.errorCode === NODE_EXIST) throw new DiscoveryError(ERR.duplicateId);
  if (created.status >= 300) throw new Error(`discovery: registering failed (${created.status})`);

  const checked = await checkCluster();
  if (checked.full) throw new DiscoveryError(ERR.full);
  const all = checked.nodes.slice(0, checked.size);
  for (const n of all) {
    opts.logger?.info(
      baseName(n.key) === selfName
        ? "found self from discovery server"
        : "found peer from discovery server",
      { "discovery-url": opts.url, peer: baseName(n.key) },
    );
  }
  let waitIndex = checked.index + 1;
  while (all.length < checked.size) {
    opts.logger?.info("found peers from discovery server; waiting for more", {
      "discovery-url": opts.url,
      "found-peers": all.length,
      "needed-peers": checked.size - all.length,
    });
    const event = await retrying("wait", () =>
      request(`${dir}?wait=true&recursive=true&waitIndex=${waitIndex}`, {}, undefined),
    );
    if (!event.node) continue;
    waitIndex = event.node.modifiedIndex + 1;
    all.push(event.node);
    opts.logger?.info("found peer from discovery server", {
      "discovery-url": opts.url,
      peer: baseName(event.node.key),
    });
  }
  return nodesToCluster(all, checked.size);
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

function nodesToCluster(nodes: V2Node[], size: number): string {
  const text = nodes.map((n) => n.value ?? "").join(",");
  const names = new Set<string>();
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new DiscoveryError(ERR.invalidUrl);
    try {
      new URL(part.slice(eq + 1));
    } catch {
      throw new DiscoveryError(ERR.invalidUrl);
    }
    names.add(part.slice(0, eq));
  }
  if (names.size !== size) throw new DiscoveryError(ERR.duplicateName);
  return text;
}

/** What a --discovery member registers: its name with each advertised peer URL. */
export function discoverySelfConfig(name: string, advertisePeerUrls: string[]): string {
  return advertisePeerUrls.map((u) => `${name}=${u}`).join(",");
}

/** The member id a --discovery member registers under (token = the discovery URL). */
export function discoveryMemberId(advertisePeerUrls: string[], discoveryUrl: string): bigint {
  return computeMemberId(advertisePeerUrls, discoveryUrl);
}

/**
 * A new member with --discovery: the config with the discovered initial cluster and the
 * discovery URL as cluster token. Members with data (restarts) skip discovery, as etcd does.
 */
export async function resolveDiscovery(cfg: ServerConfig, logger: Logger): Promise<ServerConfig> {
  if (cfg.discovery === "" || existsSync(join(cfg.dataDir, "member"))) return cfg;
  const memberId = discoveryMemberId(cfg.initialAdvertisePeerUrls, cfg.discovery);
  let initialCluster: string;
  try {
    initialCluster = await joinDiscoveryCluster({
      url: cfg.discovery,
      memberId,
      selfConfig: discoverySelfConfig(cfg.name, cfg.initialAdvertisePeerUrls),
      logger: logger.child("discovery"),
    });
  } catch (err) {
    throw new Error(`failed to join discovery cluster (${(err as Error).message})`);
  }
  logger.info("discovered initial cluster", { "initial-cluster": initialCluster });
  return { ...cfg, initialCluster, initialClusterToken: cfg.discovery };
}
