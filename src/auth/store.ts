// The replicated auth state: users (bcrypt hash, roles, no-password option), roles (key
// permissions), the enabled flag and the auth revision, in the member's store.db so they
// change atomically with the applied index. Mutations run only while applying a committed
// entry (inside the apply batch's SQLite transaction); an in-memory copy answers reads and
// permission checks.
import type { Database } from "better-sqlite3";
import { etcdError } from "../errors.js";
import { mergePermissions, type KeyPermission, type MergedPermissions, PermType } from "./perms.js";

export const ROOT_USER = "root";
export const ROOT_ROLE = "root";

/** Who sent a request, as the proposing member saw it: the user and its auth revision. */
export interface AuthInfo {
  user: string;
  revision: number;
}

export interface UserRecord {
  name: string;
  /** bcrypt hash; "" for a no-password user. */
  passwordHash: string;
  noPassword: boolean;
  /** Sorted by bytes, no duplicates. */
  roles: string[];
}

export interface RoleRecord {
  name: string;
  /** Sorted by key bytes; at most one entry per (key, rangeEnd). */
  perms: KeyPermission[];
}

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

interface StoredPerm {
  t: PermType;
  k: string;
  e: string;
}

export class AuthStore {
  private enabledFlag = false;
  private rev = 1;
  private readonly usersByName = new Map<string, UserRecord>();
  private readonly rolesByName = new Map<string, RoleRecord>();
  private mergedCache = new Map<string, MergedPermissions>();

  constructor(private db: Database) {
    this.reload(db);
  }

  /** (Re)reads everything from the database: at start and after a snapshot replaced it. */
  reload(db: Database): void {
    this.db = db;
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS auth_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);" +
        "CREATE TABLE IF NOT EXISTS auth_user (name TEXT PRIMARY KEY, password TEXT NOT NULL, no_password INTEGER NOT NULL, roles TEXT NOT NULL);" +
        "CREATE TABLE IF NOT EXISTS auth_role (name TEXT PRIMARY KEY, perms TEXT NOT NULL);",
    );
    const meta = new Map(
      (
        this.db.prepare("SELECT name, value FROM auth_meta").all() as Array<{
          name: string;
          value: number;
        }>
      ).map((r) => [r.name, r.value]),
    );
    this.enabledFlag = meta.get("enabled") === 1;
    this.rev = meta.get("revision") ?? 1;
    this.usersByName.clear();
    this.rolesByName.clear();
    const users = this.db
      .prepare("SELECT name, password, no_password, roles FROM auth_user")
      .all() as Array<{ name: string; password: string; no_password: number; roles: string }>;
    for (const u of users) {
      this.usersByName.set(u.name, {
        name: u.name,
        passwordHash: u.password,
        noPassword: u.no_password === 1,
        roles: JSON.parse(u.roles) as string[],
      });
    }
    const roles = this.db.prepare("SELECT name, perms FROM auth_role").all() as Array<{
      name: string;
      perms: string;
    }>;
    for (const r of roles) {
      this.rolesByName.set(r.name, {
        name: r.name,
        perms: (JSON.parse(r.perms) as StoredPerm[]).map((p) => ({
          permType: p.t,
          key: Buffer.from(p.k, "base64"),
          rangeEnd: Buffer.from(p.e, "base64"),
        })),
      });
    }
    this.mergedCache.clear();
  }

  get enabled(): boolean {
    return this.enabledFlag;
  }

  /** Bumped by every change of users or roles (and by disable), never by enable. */
  get revision(): number {
    return this.rev;
  }

  user(name: string): UserRecord | undefined {
    return this.usersByName.get(name);
  }

  role(name: string): RoleRecord | undefined {
    return this.rolesByName.get(name);
  }

  userNames(): string[] {
    return [...this.usersByName.keys()].sort(byBytes);
  }

  roleNames(): string[] {
    return [...this.rolesByName.keys()].sort(byBytes);
  }

  hasRole(user: string, role: string): boolean {
    return this.usersByName.get(user)?.roles.includes(role) ?? false;
  }

  // ---- mutations (apply only) --------------------------------------------------------

  enable(): void {
    if (this.enabledFlag) return;
    const root = this.usersByName.get(ROOT_USER);
    if (!root) throw etcdError("RootUserNotExist");
    if (!root.roles.includes(ROOT_ROLE)) throw etcdError("RootRoleNotExist");
    this.setMeta("enabled", 1);
    this.enabledFlag = true;
  }

  disable(): void {
    if (!this.enabledFlag) return;
    this.setMeta("enabled", 0);
    this.enabledFlag = false;
    this.bumpRevision();
  }

  userAdd(name: string, passwordHash: string, noPassword: boolean): void {
    if (name === "") throw etcdError("UserEmpty");
    if (this.usersByName.has(name)) throw etcdError("UserAlreadyExist");
    this.putUser({ name, passwordHash: noPassword ? "" : passwordHash, noPassword, roles: [] });
  }

  userDelete(name: string): void {
    if (this.enabledFlag && name === ROOT_USER) throw etcdError("InvalidAuthMgmt");
    if (!this.usersByName.has(name)) throw etcdError("UserNotFound");
    this.db.prepare("DELETE FROM auth_user WHERE name = ?").run(name);
    this.usersByName.delete(name);
    this.changed();
  }

  userChangePassword(name: string, passwordHash: string): void {
    const u = this.usersByName.get(name);
    if (!u) throw etcdError("UserNotFound");
    this.putUser({ ...u, passwordHash });
  }

  userGrantRole(user: string, role: string): void {
    const u = this.usersByName.get(user);
    if (!u) throw etcdError("UserNotFound");
    // The root role needs no role record: granting it is how the root user is made.
    if (role !== ROOT_ROLE && !this.rolesByName.has(role)) throw etcdError("RoleNotFound");
    if (u.roles.includes(role)) return;
    this.putUser({ ...u, roles: [...u.roles, role].sort(byBytes) });
  }

  userRevokeRole(name: string, role: string): void {
    if (this.enabledFlag && name === ROOT_USER && role === ROOT_ROLE)
      throw etcdError("InvalidAuthMgmt");
    const u = this.usersByName.get(name);
    if (!u) throw etcdError("UserNotFound");
    if (!u.roles.includes(role)) throw etcdError("RoleNotGranted");
    this.putUser({ ...u, roles: u.roles.filter((r) => r !== role) });
  }

  roleAdd(name: string): void {
    if (name === "") throw etcdError("RoleEmpty");
    if (this.rolesByName.has(name)) throw etcdError("RoleAlreadyExist");
    this.putRole({ name, perms: [] });
  }

  roleDelete(name: string): void {
    if (this.enabledFlag && name === ROOT_ROLE) throw etcdError("InvalidAuthMgmt");
    if (!this.rolesByName.has(name)) throw etcdError("RoleNotFound");
    this.db.prepare("DELETE FROM auth_role WHERE name = ?").run(name);
    this.rolesByName.delete(name);
    for (const u of [...this.usersByName.values()]) {
      if (u.roles.includes(name))
        this.writeUser({ ...u, roles: u.roles.filter((r) => r !== name) });
    }
    this.changed();
  }

  roleGrantPermission(name: string, perm: KeyPermission): void {
    const r = this.rolesByName.get(name);
    if (!r) throw etcdError("RoleNotFound");
    const same = (p: KeyPermission) => p.key.equals(perm.key) && p.rangeEnd.equals(perm.rangeEnd);
    const perms = r.perms.some(same)
      ? r.perms.map((p) => (same(p) ? { ...p, permType: perm.permType } : p))
      : [...r.perms, perm].sort((a, b) => Buffer.compare(a.key, b.key));
    this.putRole({ name, perms });
  }

  roleRevokePermission(name: string, key: Buffer, rangeEnd: Buffer): void {
    const r = this.rolesByName.get(name);
    if (!r) throw etcdError("RoleNotFound");
    const perms = r.perms.filter((p) => !(p.key.equals(key) && p.rangeEnd.equals(rangeEnd)));
    if (perms.length === r.perms.length) throw etcdError("PermissionNotGranted");
    this.putRole({ name, perms });
  }

  // ---- checks ------------------------------------------------------------------------

  /** Root-only operations (auth management, defragment, hash, snapshot, member changes). */
  checkAdmin(info: AuthInfo | undefined): void {
    if (!this.enabledFlag) return;
    if (!info || info.user === "") throw etcdError("UserEmpty");
    const u = this.usersByName.get(info.user);
    if (!u) throw etcdError("UserNotFound");
    if (!u.roles.includes(ROOT_ROLE)) throw etcdError("PermissionDenied");
  }

  checkRange(info: AuthInfo | undefined, key: Buffer, rangeEnd: Buffer): void {
    this.checkOp(info, key, rangeEnd, "read");
  }

  checkPut(info: AuthInfo | undefined, key: Buffer): void {
    this.checkOp(info, key, Buffer.alloc(0), "write");
  }

  checkDeleteRange(info: AuthInfo | undefined, key: Buffer, rangeEnd: Buffer): void {
    this.checkOp(info, key, rangeEnd, "write");
  }

  private checkOp(
    info: AuthInfo | undefined,
    key: Buffer,
    rangeEnd: Buffer,
    kind: "read" | "write",
  ): void {
    if (!this.enabledFlag) return;
    if (!info || info.revision === 0) throw etcdError("UserEmpty");
    if (info.revision < this.rev) throw etcdError("AuthOldRevision");
    const u = this.usersByName.get(info.user);
    if (!u) throw etcdError("PermissionDenied");
    if (u.roles.includes(ROOT_ROLE)) return;
    if (!this.merged(u)[kind].covers(key, rangeEnd)) throw etcdError("PermissionDenied");
  }

  private merged(u: UserRecord): MergedPermissions {
    let m = this.mergedCache.get(u.name);
    if (!m) {
      m = mergePermissions(u.roles.flatMap((r) => this.rolesByName.get(r)?.perms ?? []));
      this.mergedCache.set(u.name, m);
    }
    return m;
  }

  // ---- persistence -------------------------------------------------------------------

  private putUser(u: UserRecord): void {
    this.writeUser(u);
    this.changed();
  }

  private writeUser(u: UserRecord): void {
    this.db
      .prepare(
        "INSERT OR REPLACE INTO auth_user (name, password, no_password, roles) VALUES (?, ?, ?, ?)",
      )
      .run(u.name, u.passwordHash, u.noPassword ? 1 : 0, JSON.stringify(u.roles));
    this.usersByName.set(u.name, u);
  }

  /**
   * Replaces everything with another store's auth state as it is (importing it for snapshot
   * restore): no revision bumps, no checks beyond the records' own invariants.
   */
  importAll(state: {
    enabled: boolean;
    revision: number;
    users: UserRecord[];
    roles: RoleRecord[];
  }): void {
    this.db.exec("DELETE FROM auth_user; DELETE FROM auth_role; DELETE FROM auth_meta;");
    this.usersByName.clear();
    this.rolesByName.clear();
    for (const u of state.users)
      this.writeUser({ ...u, roles: [...new Set(u.roles)].sort(byBytes) });
    for (const r of state.roles) {
      this.writeRole({ ...r, perms: [...r.perms].sort((a, b) => Buffer.compare(a.key, b.key)) });
    }
    this.setMeta("enabled", state.enabled ? 1 : 0);
    this.enabledFlag = state.enabled;
    this.rev = state.revision;
    this.setMeta("revision", this.rev);
    this.mergedCache = new Map();
  }

  private putRole(r: RoleRecord): void {
    this.writeRole(r);
    this.changed();
  }

  private writeRole(r: RoleRecord): void {
    const stored: StoredPerm[] = r.perms.map((p) => ({
      t: p.permType,
      k: p.key.toString("base64"),
      e: p.rangeEnd.toString("base64"),
    }));
    this.db
      .prepare("INSERT OR REPLACE INTO auth_role (name, perms) VALUES (?, ?)")
      .run(r.name, JSON.stringify(stored));
    this.rolesByName.set(r.name, r);
  }

  private changed(): void {
    this.mergedCache = new Map();
    this.bumpRevision();
  }

  private bumpRevision(): void {
    this.rev += 1;
    this.setMeta("revision", this.rev);
  }

  private setMeta(name: string, value: number): void {
    this.db
      .prepare("INSERT OR REPLACE INTO auth_meta (name, value) VALUES (?, ?)")
      .run(name, value);
  }
}
