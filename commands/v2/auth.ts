// etcdctl v2's user, role and auth commands over /v2/auth, with the Go client's status checks and
// error texts (the server's `message`, or Go's JSON/status errors for non-etcd replies).
import type { CommandDef, Context } from "./cli-kit.js";
import {
  askPassword,
  errorText,
  fail,
  fstr,
  fbool,
  mustNewClient,
  totalDeadline,
} from "./context.js";
import type { GoClusterClient } from "./http.js";
import { canonicalPath, GoError, parseJson } from "./http.js";

interface Reply {
  status: number;
  body: string;
}

interface RoleBody {
  role: string;
  permissions?: { kv?: { read?: string[] | null; write?: string[] | null } };
}

class AuthApi {
  constructor(
    private readonly c: GoClusterClient,
    private readonly deadlineMs: number,
  ) {}

  private async send(method: string, path: string, json?: unknown): Promise<Reply> {
    const res = await this.c.do(
      { method, path, ...(json !== undefined ? { json } : {}) },
      this.deadlineMs,
    );
    return { status: res.status, body: res.body };
  }

  /** Go's pattern: a status outside `ok` is `{"message"}` (or a JSON error of the body). */
  private async expect(method: string, path: string, ok: number[], json?: unknown): Promise<Reply> {
    const r = await this.send(method, path, json);
    if (!ok.includes(r.status)) {
      throw new GoError(parseJson<{ message?: string }>(r.body).message ?? "");
    }
    return r;
  }

  async enable(on: boolean): Promise<void> {
    await this.expect(on ? "PUT" : "DELETE", "/v2/auth/enable", [200, 201]);
  }

  async listUsers(): Promise<string[]> {
    const r = await this.expect("GET", "/v2/auth/users", [200]);
    const body = parseJson<{ users?: { user: string }[] | null }>(r.body);
    return (body.users ?? []).map((u) => u.user);
  }

  async addUser(user: string, password: string): Promise<void> {
    await this.expect("PUT", userPath(user), [200, 201], { user, password });
  }

  async removeUser(user: string): Promise<void> {
    await this.expect("DELETE", userPath(user), [200, 201]);
  }

  async modUser(
    user: string,
    change: Record<string, unknown> | undefined,
  ): Promise<{ user: string; roles: string[] }> {
    const r = await this.expect(
      change === undefined ? "GET" : "PUT",
      userPath(user),
      [200],
      change === undefined ? undefined : { user, ...change },
    );
    const body = parseJson<{ user?: string; roles?: (string | { role: string })[] | null }>(r.body);
    const roles = body.roles ?? [];
    if (roles.every((x) => typeof x === "string")) return { user: body.user ?? "", roles };
    // The Go client first decodes role objects into strings (each becomes ""), then appends the
    // names: etcdctl prints `Roles:  r1` with the empty ones joined in.
    const names = roles.map((x) => (typeof x === "string" ? x : x.role));
    return { user: body.user ?? "", roles: [...names.map(() => ""), ...names] };
  }

  async listRoles(): Promise<string[]> {
    const r = await this.send("GET", "/v2/auth/roles");
    if (r.status !== 200) throw new GoError(`unexpected status code ${r.status}`);
    const body = parseJson<{ roles?: RoleBody[] | null }>(r.body);
    return (body.roles ?? []).map((x) => x.role);
  }

  async addRole(role: string): Promise<void> {
    await this.expect("PUT", rolePath(role), [200, 201], { role });
  }

  async removeRole(role: string): Promise<void> {
    await this.expect("DELETE", rolePath(role), [200, 201]);
  }

  async modRole(role: string, change?: Record<string, unknown>): Promise<RoleBody> {
    const r = await this.expect(
      change === undefined ? "GET" : "PUT",
      rolePath(role),
      [200],
      change === undefined ? undefined : { role, ...change },
    );
    return parseJson<RoleBody>(r.body);
  }
}

function userPath(name: string): string {
  return `/v2/auth/users/${encodeURIComponent(name)}`;
}

function rolePath(name: string): string {
  return `/v2/auth/roles/${encodeURIComponent(name)}`;
}

async function api(ctx: Context): Promise<AuthApi> {
  return new AuthApi(await mustNewClient(ctx), totalDeadline(ctx));
}

async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    fail(1, errorText(err));
  }
}

function noArgs(ctx: Context): void {
  if (ctx.args.length !== 0) fail(1, "No arguments accepted");
}

function userName(ctx: Context): string {
  if (ctx.args.length !== 1) fail(1, "Please provide a username");
  return ctx.args[0] ?? "";
}

function roleName(ctx: Context): string {
  if (ctx.args.length !== 1) fail(1, "Please provide a role name");
  return ctx.args[0] ?? "";
}

function out(s: string): void {
  process.stdout.write(s);
}

// --- user -------------------------------------------------------------------------------------

async function userList(ctx: Context): Promise<void> {
  noArgs(ctx);
  const a = await api(ctx);
  for (const u of await run(() => a.listUsers())) out(`${u}\n`);
}

async function userAdd(ctx: Context): Promise<void> {
  const arg = userName(ctx);
  const a = await api(ctx);
  const colon = arg.indexOf(":");
  const user = colon === -1 ? arg : arg.slice(0, colon);
  const pass = colon === -1 ? await askPassword("New password: ") : arg.slice(colon + 1);
  await run(() => a.addUser(user, pass));
  out(`User ${user} created\n`);
}

async function userRemove(ctx: Context): Promise<void> {
  const user = userName(ctx);
  const a = await api(ctx);
  await run(() => a.removeUser(user));
  out(`User ${user} removed\n`);
}

async function userPasswd(ctx: Context): Promise<void> {
  const user = userName(ctx);
  const a = await api(ctx);
  const pass = await askPassword("New password: ");
  await run(() => a.modUser(user, { password: pass }));
  out("Password updated\n");
}

function userGrantRevoke(grant: boolean) {
  return async (ctx: Context): Promise<void> => {
    const v = ctx.flags.roles;
    const roles = Array.isArray(v) ? v : [];
    if (roles.length === 0) fail(1, "No roles specified; please use `--roles`");
    const user = userName(ctx);
    const a = await api(ctx);
    await run(() => a.modUser(user, grant ? { grant: roles } : { revoke: roles }));
    out(`User ${user} updated\n`);
  };
}

async function userGet(ctx: Context): Promise<void> {
  const name = userName(ctx);
  const a = await api(ctx);
  const u = await run(() => a.modUser(name, undefined));
  out(`User: ${u.user}\nRoles: ${u.roles.join(" ")}\n`);
}

// --- role -------------------------------------------------------------------------------------

async function roleList(ctx: Context): Promise<void> {
  noArgs(ctx);
  const a = await api(ctx);
  for (const r of await run(() => a.listRoles())) out(`${r}\n`);
}

async function roleAdd(ctx: Context): Promise<void> {
  const role = roleName(ctx);
  const a = await api(ctx);
  const current = await a.modRole(role).catch(() => undefined);
  if (current !== undefined) fail(1, `Role ${role} already exists`);
  await run(() => a.addRole(role));
  out(`Role ${role} created\n`);
}

async function roleRemove(ctx: Context): Promise<void> {
  const role = roleName(ctx);
  const a = await api(ctx);
  await run(() => a.removeRole(role));
  out(`Role ${role} removed\n`);
}

function roleGrantRevoke(grant: boolean) {
  return async (ctx: Context): Promise<void> => {
    const path = fstr(ctx, "path");
    if (path === "") fail(1, "No path specified; please use `--path`");
    if (canonicalPath(path) !== path) {
      fail(1, `Not canonical path; please use \`--path=${canonicalPath(path)}\``);
    }
    const read = fbool(ctx, "read");
    const write = fbool(ctx, "write");
    const rw = fbool(ctx, "readwrite");
    if ([read, write, rw].filter((x) => x).length !== 1) {
      fail(1, "Please specify exactly one of --read, --write or --readwrite");
    }
    const kv: { read?: string[]; write?: string[] } = {};
    if (read || rw) kv.read = [path];
    if (write || rw) kv.write = [path];
    const role = roleName(ctx);
    const a = await api(ctx);
    const current = await run(() => a.modRole(role));
    const updated = await run(() =>
      a.modRole(role, grant ? { grant: { kv } } : { revoke: { kv } }),
    );
    if (JSON.stringify(normalizeRole(updated)) === JSON.stringify(normalizeRole(current))) {
      out(grant ? "Role unchanged; already granted" : "Role unchanged; already revoked");
    }
    out(`Role ${role} updated\n`);
  };
}

function normalizeRole(r: RoleBody): unknown {
  return [r.role, r.permissions?.kv?.read ?? [], r.permissions?.kv?.write ?? []];
}

async function roleGet(ctx: Context): Promise<void> {
  const name = roleName(ctx);
  const a = await api(ctx);
  const r = await run(() => a.modRole(name));
  let s = `Role: ${r.role}\nKV Read:\n`;
  for (const p of r.permissions?.kv?.read ?? []) s += `\t${p}\n`;
  s += "KV Write:\n";
  for (const p of r.permissions?.kv?.write ?? []) s += `\t${p}\n`;
  out(s);
}

// --- auth -------------------------------------------------------------------------------------

function authEnableDisable(on: boolean) {
  return async (ctx: Context): Promise<void> => {
    noArgs(ctx);
    const a = await api(ctx);
    await run(() => a.enable(on));
    out(on ? "Authentication Enabled\n" : "Authentication Disabled\n");
  };
}

const ROLES_FLAG = [
  { names: ["roles"], kind: "stringSlice" as const, usage: "List of roles to grant or revoke" },
];

function permFlags(verb: "Grant" | "Revoke", pathUsage: string) {
  return [
    { names: ["path"], kind: "string" as const, value: "", usage: pathUsage },
    {
      names: ["read"],
      kind: "bool" as const,
      usage: verb === "Grant" ? "Grant read-only access" : "Revoke read access",
    },
    {
      names: ["write"],
      kind: "bool" as const,
      usage: verb === "Grant" ? "Grant write-only access" : "Revoke write access",
    },
    { names: ["readwrite", "rw"], kind: "bool" as const, usage: `${verb} read-write access` },
  ];
}

export const userCommand: CommandDef = {
  name: "user",
  usage: "user add, grant and revoke subcommands",
  subcommands: [
    {
      name: "add",
      usage: "add a new user for the etcd cluster",
      argsUsage: "<user>",
      action: userAdd,
    },
    { name: "get", usage: "get details for a user", argsUsage: "<user>", action: userGet },
    { name: "list", usage: "list all current users", argsUsage: "<user>", action: userList },
    {
      name: "remove",
      usage: "remove a user for the etcd cluster",
      argsUsage: "<user>",
      action: userRemove,
    },
    {
      name: "grant",
      usage: "grant roles to an etcd user",
      argsUsage: "<user>",
      flags: ROLES_FLAG,
      action: userGrantRevoke(true),
    },
    {
      name: "revoke",
      usage: "revoke roles for an etcd user",
      argsUsage: "<user>",
      flags: ROLES_FLAG,
      action: userGrantRevoke(false),
    },
    {
      name: "passwd",
      usage: "change password for a user",
      argsUsage: "<user>",
      action: userPasswd,
    },
  ],
};

export const roleCommand: CommandDef = {
  name: "role",
  usage: "role add, grant and revoke subcommands",
  subcommands: [
    {
      name: "add",
      usage: "add a new role for the etcd cluster",
      argsUsage: "<role> ",
      action: roleAdd,
    },
    { name: "get", usage: "get details for a role", argsUsage: "<role>", action: roleGet },
    { name: "list", usage: "list all roles", argsUsage: " ", action: roleList },
    {
      name: "remove",
      usage: "remove a role from the etcd cluster",
      argsUsage: "<role>",
      action: roleRemove,
    },
    {
      name: "grant",
      usage: "grant path matches to an etcd role",
      argsUsage: "<role>",
      flags: permFlags("Grant", "Path granted for the role to access"),
      action: roleGrantRevoke(true),
    },
    {
      name: "revoke",
      usage: "revoke path matches for an etcd role",
      argsUsage: "<role>",
      flags: permFlags("Revoke", "Path revoked for the role to access"),
      action: roleGrantRevoke(false),
    },
  ],
};

export const authCommand: CommandDef = {
  name: "auth",
  usage: "overall auth controls",
  subcommands: [
    {
      name: "enable",
      usage: "enable auth access controls",
      argsUsage: " ",
      action: authEnableDisable(true),
    },
    {
      name: "disable",
      usage: "disable auth access controls",
      argsUsage: " ",
      action: authEnableDisable(false),
    },
  ],
};
