// The member's typed Auth API (etcd's Auth service): management requests are hashed and
// checked here, proposed through raft (RequestKind.Auth) and answered after apply; reads
// (user/role get and list) wait for a linearizable barrier and answer locally with etcd's
// permission rules. Also resolves the sender of any request from its token.
import bcrypt from "bcryptjs";
import * as pb from "../proto/index.js";
import { etcdError } from "../errors.js";
import type { EtcdServer } from "../server/etcd-server.js";
import { RequestKind } from "../server/envelope.js";
import { currentToken } from "./context.js";
import { encodeAuthRequest, type AuthRequest, type AuthState } from "./state.js";
import type { AuthInfo } from "./store.js";
import { newTokenPrefix } from "./tokens.js";
import type { PermType } from "./perms.js";

export const DEFAULT_BCRYPT_COST = 10;

/** etcd's error for a no-password user that tries to log in (no gRPC code of its own). */
const NO_PASSWORD_USER_TEXT =
  "auth: authentication failed, password was given for no password user";

const apis = new WeakMap<object, AuthApi>();

/** The AuthApi attached to this server view, if any (servers built without auth have none). */
export function findAuthApi(s: object): AuthApi | undefined {
  return apis.get(s);
}

/** The AuthApi serving this server (or its guarded view), for the JSON gateway's routes. */
export function authApiOf(s: object): AuthApi {
  const api = apis.get(s);
  if (!api) throw new Error("auth API is not attached to this server");
  return api;
}

export class AuthApi {
  constructor(
    readonly server: EtcdServer,
    private readonly bcryptCost = DEFAULT_BCRYPT_COST,
  ) {
    apis.set(server, this);
  }

  /** Makes `authApiOf(view)` find this API too (the guarded server is a distinct object). */
  attachTo(view: object): void {
    apis.set(view, this);
  }

  get state(): AuthState {
    return this.server.kv.auth;
  }

  get enabled(): boolean {
    return this.state.store.enabled;
  }

  /**
   * The sender of the request being served: undefined without a token (auth then refuses
   * with `user name is empty` where it matters); an unknown or expired token throws.
   */
  sender(): AuthInfo | undefined {
    const token = currentToken();
    if (token === undefined) return undefined;
    return this.state.infoFromToken(token);
  }

  private header(): pb.ResponseHeader {
    return this.server.header(this.server.kv.store.currentRevision);
  }

  private async propose(req: AuthRequest): Promise<unknown> {
    if (this.server.member.isLearner) throw etcdError("NotSupportedForLearner");
    const res = await this.server.member.propose(RequestKind.Auth, encodeAuthRequest(req));
    if (res.error) throw res.error;
    return res.response;
  }

  /** Proposes a management request on behalf of the sender (admin rights checked on apply). */
  private async manage(req: AuthRequest): Promise<{ header: pb.ResponseHeader }> {
    const by = this.sender();
    await this.propose(by ? { ...req, by } : req);
    return { header: this.header() };
  }

  private async hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.bcryptCost);
  }

  authEnable(): Promise<pb.AuthEnableResponse> {
    return this.manage({ op: "enable" });
  }

  authDisable(): Promise<pb.AuthDisableResponse> {
    return this.manage({ op: "disable" });
  }

  async authenticate(req: pb.AuthenticateRequest): Promise<pb.AuthenticateResponse> {
    const store = this.state.store;
    if (!store.enabled) throw etcdError("AuthNotEnabled");
    const u = store.user(req.name);
    if (!u) throw etcdError("AuthFailed");
    if (u.noPassword) throw new Error(NO_PASSWORD_USER_TEXT);
    if (!(await bcrypt.compare(req.password, u.passwordHash))) throw etcdError("AuthFailed");
    const token = await this.propose({
      op: "authenticate",
      name: req.name,
      tokenPrefix: newTokenPrefix(),
    });
    return { header: this.header(), token: token as string };
  }

  async userAdd(req: pb.AuthUserAddRequest): Promise<pb.AuthUserAddResponse> {
    if (req.name === "") throw etcdError("UserEmpty");
    const noPassword = req.options?.noPassword ?? false;
    const passwordHash = noPassword ? "" : await this.hash(req.password);
    return this.manage({ op: "userAdd", name: req.name, passwordHash, noPassword });
  }

  userDelete(req: pb.AuthUserDeleteRequest): Promise<pb.AuthUserDeleteResponse> {
    return this.manage({ op: "userDelete", name: req.name });
  }

  async userChangePassword(
    req: pb.AuthUserChangePasswordRequest,
  ): Promise<pb.AuthUserChangePasswordResponse> {
    const passwordHash = await this.hash(req.password);
    return this.manage({ op: "userChangePassword", name: req.name, passwordHash });
  }

  userGrantRole(req: pb.AuthUserGrantRoleRequest): Promise<pb.AuthUserGrantRoleResponse> {
    return this.manage({ op: "userGrantRole", user: req.user, role: req.role });
  }

  userRevokeRole(req: pb.AuthUserRevokeRoleRequest): Promise<pb.AuthUserRevokeRoleResponse> {
    return this.manage({ op: "userRevokeRole", name: req.name, role: req.role });
  }

  roleAdd(req: pb.AuthRoleAddRequest): Promise<pb.AuthRoleAddResponse> {
    if (req.name === "") throw etcdError("RoleEmpty");
    return this.manage({ op: "roleAdd", name: req.name });
  }

  roleDelete(req: pb.AuthRoleDeleteRequest): Promise<pb.AuthRoleDeleteResponse> {
    return this.manage({ op: "roleDelete", role: req.role });
  }

  roleGrantPermission(
    req: pb.AuthRoleGrantPermissionRequest,
  ): Promise<pb.AuthRoleGrantPermissionResponse> {
    const perm = req.perm ?? { permType: 0, key: Buffer.alloc(0), rangeEnd: Buffer.alloc(0) };
    const permType = perm.permType as number;
    if (permType !== 0 && permType !== 1 && permType !== 2)
      throw new Error(`invalid permission type ${permType}`);
    return this.manage({
      op: "roleGrantPermission",
      name: req.name,
      permType: permType as PermType,
      key: Buffer.from(perm.key).toString("base64"),
      rangeEnd: Buffer.from(perm.rangeEnd).toString("base64"),
    });
  }

  roleRevokePermission(
    req: pb.AuthRoleRevokePermissionRequest,
  ): Promise<pb.AuthRoleRevokePermissionResponse> {
    return this.manage({
      op: "roleRevokePermission",
      role: req.role,
      key: Buffer.from(req.key).toString("base64"),
      rangeEnd: Buffer.from(req.rangeEnd).toString("base64"),
    });
  }

  /** Reads go through a quorum barrier, as etcd sends them through raft. */
  private async readBarrier(): Promise<AuthInfo | undefined> {
    const by = this.sender();
    if (this.server.member.isLearner) throw etcdError("NotSupportedForLearner");
    await this.server.member.linearizableRead();
    return by;
  }

  async userGet(req: pb.AuthUserGetRequest): Promise<pb.AuthUserGetResponse> {
    const by = await this.readBarrier();
    const store = this.state.store;
    // A user may read itself; anything else needs root.
    try {
      store.checkAdmin(by);
    } catch (err) {
      if (by?.user !== req.name) throw err;
    }
    const u = store.user(req.name);
    if (!u) throw etcdError("UserNotFound");
    return { header: this.header(), roles: [...u.roles] };
  }

  async userList(): Promise<pb.AuthUserListResponse> {
    const by = await this.readBarrier();
    this.state.store.checkAdmin(by);
    return { header: this.header(), users: this.state.store.userNames() };
  }

  async roleGet(req: pb.AuthRoleGetRequest): Promise<pb.AuthRoleGetResponse> {
    const by = await this.readBarrier();
    const store = this.state.store;
    // A user may read the roles it holds; anything else needs root.
    try {
      store.checkAdmin(by);
    } catch (err) {
      if (!by || !store.hasRole(by.user, req.role)) throw err;
    }
    const r = store.role(req.role);
    if (!r) throw etcdError("RoleNotFound");
    return {
      header: this.header(),
      perm: r.perms.map((p) => ({ permType: p.permType, key: p.key, rangeEnd: p.rangeEnd })),
    };
  }

  async roleList(): Promise<pb.AuthRoleListResponse> {
    const by = await this.readBarrier();
    this.state.store.checkAdmin(by);
    return { header: this.header(), roles: this.state.store.roleNames() };
  }
}
