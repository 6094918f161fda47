// The v2 auth API (/v2/auth/enable, /v2/auth/users, /v2/auth/roles) used by etcdctl v2's
// user, role and auth commands. Errors are V2HttpError with the server's `message`.
import { V2HttpError, V2InvalidResponseError } from "./errors.js";
import type { V2CallOptions } from "./types.js";

export interface V2Permissions {
  kv: { read: string[] | null; write: string[] | null };
}

export interface V2Role {
  role: string;
  permissions?: V2Permissions;
}

/** GET answers carry full role objects; PUT answers carry role names. */
export interface V2User {
  user: string;
  roles?: (V2Role | string)[] | null;
}

/** What V2Client.raw returns; kept structural to avoid a module cycle. */
interface RawSender {
  raw(
    method: string,
    path: string,
    body?: { json?: unknown },
    opts?: V2CallOptions,
  ): Promise<{ status: number; body: string; endpoint: string }>;
}

export class V2Auth {
  constructor(private readonly client: RawSender) {}

  async enabled(opts?: V2CallOptions): Promise<boolean> {
    const body = await this.call<{ enabled?: boolean }>("GET", "/v2/auth/enable", undefined, opts);
    return body.enabled === true;
  }

  async enable(opts?: V2CallOptions): Promise<void> {
    await this.call("PUT", "/v2/auth/enable", undefined, opts);
  }

  async disable(opts?: V2CallOptions): Promise<void> {
    await this.call("DELETE", "/v2/auth/enable", undefined, opts);
  }

  async listUsers(opts?: V2CallOptions): Promise<V2User[]> {
    const body = await this.call<{ users?: V2User[] | null }>(
      "GET",
      "/v2/auth/users",
      undefined,
      opts,
    );
    return body.users ?? [];
  }

  getUser(name: string, opts?: V2CallOptions): Promise<V2User> {
    return this.call<V2User>("GET", userPath(name), undefined, opts);
  }

  addUser(name: string, password: string, opts?: V2CallOptions): Promise<V2User> {
    return this.call<V2User>("PUT", userPath(name), { user: name, password }, opts);
  }

  changePassword(name: string, password: string, opts?: V2CallOptions): Promise<V2User> {
    return this.call<V2User>("PUT", userPath(name), { user: name, password }, opts);
  }

  grantUser(name: string, roles: string[], opts?: V2CallOptions): Promise<V2User> {
    return this.call<V2User>("PUT", userPath(name), { user: name, grant: roles }, opts);
  }

  revokeUser(name: string, roles: string[], opts?: V2CallOptions): Promise<V2User> {
    return this.call<V2User>("PUT", userPath(name), { user: name, revoke: roles }, opts);
  }

  async removeUser(name: string, opts?: V2CallOptions): Promise<void> {
    await this.call("DELETE", userPath(name), undefined, opts);
  }

  async listRoles(opts?: V2CallOptions): Promise<V2Role[]> {
    const body = await this.call<{ roles?: V2Role[] | null }>(
      "GET",
      "/v2/auth/roles",
      undefined,
      opts,
    );
    return body.roles ?? [];
  }

  getRole(name: string, opts?: V2CallOptions): Promise<V2Role> {
    return this.call<V2Role>("GET", rolePath(name), undefined, opts);
  }

  addRole(name: string, opts?: V2CallOptions): Promise<V2Role> {
    return this.call<V2Role>("PUT", rolePath(name), { role: name }, opts);
  }

  /** `read`/`write` are key patterns such as `/foo/*`. */
  grantRole(
    name: string,
    kv: { read?: string[]; write?: string[] },
    opts?: V2CallOptions,
  ): Promise<V2Role> {
    return this.call<V2Role>("PUT", rolePath(name), { role: name, grant: { kv } }, opts);
  }

  revokeRole(
    name: string,
    kv: { read?: string[]; write?: string[] },
    opts?: V2CallOptions,
  ): Promise<V2Role> {
    return this.call<V2Role>("PUT", rolePath(name), { role: name, revoke: { kv } }, opts);
  }

  async removeRole(name: string, opts?: V2CallOptions): Promise<void> {
    await this.call("DELETE", rolePath(name), undefined, opts);
  }

  private async call<T>(
    method: string,
    path: string,
    json: unknown,
    opts?: V2CallOptions,
  ): Promise<T> {
    const res = await this.client.raw(
      method,
      path,
      json === undefined ? undefined : { json },
      opts,
    );
    const text = res.body.trim();
    let body: unknown = {};
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        if (res.status >= 300) throw new V2HttpError(text, res.status, res.endpoint);
        throw new V2InvalidResponseError(res.status, res.body, res.endpoint);
      }
    }
    if (res.status >= 300) {
      const message = (body as { message?: unknown }).message;
      throw new V2HttpError(typeof message === "string" ? message : text, res.status, res.endpoint);
    }
    return body as T;
  }
}

function userPath(name: string): string {
  return `/v2/auth/users/${encodeURIComponent(name)}`;
}

function rolePath(name: string): string {
  return `/v2/auth/roles/${encodeURIComponent(name)}`;
}
