// etcdctl v2's member list|add|remove|update (over /v2/members) and cluster-health (every
// member's /health, once or every 10 s with -f).
import http from "node:http";
import https from "node:https";
import fs from "node:fs";
import type { CommandDef, Context } from "./cli-kit.js";
import {
  errorText,
  fail,
  fbool,
  gstr,
  handleError,
  mustNewClient,
  mustNewClientNoSync,
  totalDeadline,
  V2Exit,
  exit,
} from "./context.js";
import type { GoClusterClient, GoMember } from "./http.js";
import { GoError, listMembers, parseJson } from "./http.js";

async function leader(c: GoClusterClient, deadlineMs: number): Promise<GoMember> {
  const res = await c.do({ method: "GET", path: "/v2/members/leader" }, deadlineMs);
  if (res.status !== 200) throw new GoError(`unexpected status code ${res.status}`);
  return parseJson<GoMember>(res.body);
}

/** Go's types.NewURLs check of a peer URL list. */
function checkUrls(urls: string[]): void {
  for (const u of urls) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new GoError(`parse ${JSON.stringify(u)}: invalid URI for request`);
    }
    if (
      parsed.protocol !== "http:" &&
      parsed.protocol !== "https:" &&
      parsed.protocol !== "unix:" &&
      parsed.protocol !== "unixs:"
    ) {
      throw new GoError(`URL scheme must be http, https, unix, or unixs: ${u}`);
    }
    if (parsed.pathname !== "" && parsed.pathname !== "/") {
      throw new GoError(`URL must not contain a path: ${u}`);
    }
  }
}

async function listAction(ctx: Context): Promise<void> {
  if (ctx.args.length !== 0) fail(1, "No arguments accepted");
  const c = await mustNewClient(ctx);
  const deadline = totalDeadline(ctx);
  let members: GoMember[];
  try {
    members = await listMembers(c, deadline);
  } catch (err) {
    fail(1, errorText(err));
  }
  let lead: GoMember;
  try {
    lead = await leader(c, deadline);
  } catch (err) {
    fail(1, `Failed to get leader:  ${errorText(err)}`);
  }
  for (const m of members) {
    if (m.name === "") {
      process.stdout.write(`${m.id}[unstarted]: peerURLs=${m.peerURLs.join(",")}\n`);
    } else {
      process.stdout.write(
        `${m.id}: name=${m.name} peerURLs=${m.peerURLs.join(",")} clientURLs=${m.clientURLs.join(",")} isLeader=${m.id === lead.id}\n`,
      );
    }
  }
}

async function addAction(ctx: Context): Promise<void> {
  if (ctx.args.length !== 2) fail(1, "Provide a name and a single member peerURL");
  const [newName = "", url = ""] = ctx.args;
  const c = await mustNewClient(ctx);
  const deadline = totalDeadline(ctx);
  let added: GoMember;
  try {
    checkUrls([url]);
    const res = await c.do(
      { method: "POST", path: "/v2/members", json: { peerURLs: [url] } },
      deadline,
    );
    if (res.status !== 201 && res.status !== 409) {
      throw new GoError(`unexpected status code ${res.status}`);
    }
    if (res.status === 409)
      throw new GoError(parseJson<{ message?: string }>(res.body).message ?? "");
    added = parseJson<GoMember>(res.body);
  } catch (err) {
    fail(1, errorText(err));
  }
  process.stdout.write(`Added member named ${newName} with ID ${added.id} to cluster\n`);
  let members: GoMember[];
  try {
    members = await listMembers(c, deadline);
  } catch (err) {
    fail(1, errorText(err));
  }
  const conf: string[] = [];
  for (const m of members) {
    for (const u of m.peerURLs) conf.push(`${m.id === added.id ? newName : m.name}=${u}`);
  }
  process.stdout.write(
    `\nETCD_NAME=${JSON.stringify(newName)}\nETCD_INITIAL_CLUSTER=${JSON.stringify(conf.join(","))}\n` +
      `ETCD_INITIAL_CLUSTER_STATE="existing"\n`,
  );
}

async function removeAction(ctx: Context): Promise<void> {
  if (ctx.args.length !== 1) fail(1, "Provide a single member ID");
  const id = ctx.args[0] ?? "";
  const c = await mustNewClient(ctx);
  const deadline = totalDeadline(ctx);
  let members: GoMember[];
  try {
    members = await listMembers(c, deadline);
  } catch (err) {
    fail(1, `Error while verifying ID against known members: ${errorText(err)}`);
  }
  let found = false;
  for (const m of members) {
    if (m.id === id) found = true;
    if (m.name === id) {
      process.stderr.write(
        `Found a member named ${m.name}; if this is correct, please use its ID, eg:\n\tetcdctl member remove ${m.id}\n` +
          "For more details, read the documentation at https://github.com/etcd-io/etcd/blob/master/Documentation/runtime-configuration.md#remove-a-member\n\n",
      );
    }
  }
  if (!found) fail(1, `Couldn't find a member in the cluster with an ID of ${id}.`);
  try {
    const res = await c.do({ method: "DELETE", path: `/v2/members/${id}` }, deadline);
    if (res.status !== 204 && res.status !== 410) {
      throw new GoError(`unexpected status code ${res.status}`);
    }
  } catch (err) {
    process.stderr.write(`Received an error trying to remove member ${id}: ${errorText(err)}`);
    exit(1);
  }
  process.stdout.write(`Removed member ${id} from cluster\n`);
}

async function updateAction(ctx: Context): Promise<void> {
  if (ctx.args.length !== 2) {
    fail(
      1,
      "Provide an ID and a list of comma separated peerURL (0xabcd http://example.com,http://example1.com)",
    );
  }
  const [id = "", urls = ""] = ctx.args;
  const c = await mustNewClient(ctx);
  try {
    const peerURLs = urls.split(",");
    checkUrls(peerURLs);
    const res = await c.do(
      { method: "PUT", path: `/v2/members/${id}`, json: { peerURLs } },
      totalDeadline(ctx),
    );
    if (res.status !== 204 && res.status !== 404 && res.status !== 409) {
      throw new GoError(`unexpected status code ${res.status}`);
    }
    if (res.status !== 204)
      throw new GoError(parseJson<{ message?: string }>(res.body).message ?? "");
  } catch (err) {
    fail(1, errorText(err));
  }
  process.stdout.write(`Updated member with ID ${id} in cluster\n`);
}

/** GET <url>/health with the command's TLS files and no deadline, as etcdctl's plain http.Client. */
function fetchHealth(ctx: Context, url: string): Promise<string> {
  const target = new URL(url.replace(/\/+$/, "") + "/health");
  const isHttps = target.protocol === "https:";
  const read = (p: string): Buffer | undefined => (p ? fs.readFileSync(p) : undefined);
  const cert = gstr(ctx, "cert-file") || process.env.ETCDCTL_CERT_FILE || "";
  const key = gstr(ctx, "key-file") || process.env.ETCDCTL_KEY_FILE || "";
  const ca = gstr(ctx, "ca-file") || process.env.ETCDCTL_CA_FILE || "";
  return new Promise((resolve, reject) => {
    const req = (isHttps ? https : http).get(
      target,
      isHttps ? { cert: read(cert), key: read(key), ca: read(ca), agent: false } : { agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        res.on("error", reject);
      },
    );
    req.on("error", (err: NodeJS.ErrnoException) => {
      const hostPort = target.host;
      reject(
        new Error(
          `Get ${JSON.stringify(target.toString())}: ${
            err.code === "ECONNREFUSED"
              ? `dial tcp ${hostPort}: connect: connection refused`
              : err.message
          }`,
        ),
      );
    });
  });
}

function healthOf(body: string): boolean | Error {
  try {
    const v = JSON.parse(body) as { health?: unknown; Health?: unknown };
    const h = v.health ?? v.Health;
    return h === "true" || h === true;
  } catch {
    return new Error(
      `invalid character '${body.trimStart()[0] ?? ""}' looking for beginning of value`,
    );
  }
}

async function clusterHealthAction(ctx: Context): Promise<void> {
  const forever = fbool(ctx, "forever");
  if (forever) process.on("SIGINT", () => exit(0));
  const c = await mustNewClientNoSync(ctx);
  let members: GoMember[];
  try {
    members = await listMembers(c, 0);
  } catch (err) {
    process.stdout.write("cluster may be unhealthy: failed to list members\n");
    handleError(V2Exit.ServerError, err);
  }
  for (;;) {
    let healthy = 0;
    for (const m of members) {
      if (m.clientURLs.length === 0) {
        process.stdout.write(`member ${m.id} is unreachable: no available published client urls\n`);
        continue;
      }
      let checked = false;
      for (const url of m.clientURLs) {
        let body: string;
        try {
          body = await fetchHealth(ctx, url);
        } catch (err) {
          process.stdout.write(
            `failed to check the health of member ${m.id} on ${url}: ${errorText(err)}\n`,
          );
          continue;
        }
        const h = healthOf(body);
        if (h instanceof Error) {
          process.stdout.write(
            `failed to check the health of member ${m.id} on ${url}: ${h.message}\n`,
          );
          continue;
        }
        checked = true;
        if (h) {
          process.stdout.write(`member ${m.id} is healthy: got healthy result from ${url}\n`);
          healthy++;
        } else {
          process.stdout.write(`member ${m.id} is unhealthy: got unhealthy result from ${url}\n`);
        }
        break;
      }
      if (!checked) {
        process.stdout.write(
          `member ${m.id} is unreachable: [${m.clientURLs.join(" ")}] are all unreachable\n`,
        );
      }
    }
    if (healthy === members.length) process.stdout.write("cluster is healthy\n");
    else if (healthy === 0) process.stdout.write("cluster is unavailable\n");
    else process.stdout.write("cluster is degraded\n");
    if (!forever) exit(healthy === members.length ? V2Exit.Success : V2Exit.ClusterNotHealthy);
    process.stdout.write("\nnext check after 10 second...\n\n");
    await new Promise((r) => setTimeout(r, 10_000));
  }
}

export const memberCommand: CommandDef = {
  name: "member",
  usage: "member add, remove and list subcommands",
  subcommands: [
    {
      name: "list",
      usage: "enumerate existing cluster members",
      argsUsage: " ",
      action: listAction,
    },
    {
      name: "add",
      usage: "add a new member to the etcd cluster",
      argsUsage: "<name> <peerURL>",
      action: addAction,
    },
    {
      name: "remove",
      usage: "remove an existing member from the etcd cluster",
      argsUsage: "<memberID>",
      action: removeAction,
    },
    {
      name: "update",
      usage: "update an existing member in the etcd cluster",
      argsUsage: "<memberID> <peerURLs>",
      action: updateAction,
    },
  ],
};

export const clusterHealthCommand: CommandDef = {
  name: "cluster-health",
  usage: "check the health of the etcd cluster",
  argsUsage: " ",
  flags: [
    {
      names: ["forever", "f"],
      kind: "bool",
      usage: "forever check the health every 10 second until CTRL+C",
    },
  ],
  action: clusterHealthAction,
};
