// Auth service: enable/disable, authenticate, users and roles.
import {
  AuthDisableRequest,
  AuthEnableRequest,
  AuthRoleAddRequest,
  AuthRoleDeleteRequest,
  AuthRoleGetRequest,
  AuthRoleGrantPermissionRequest,
  AuthRoleListRequest,
  AuthRoleRevokePermissionRequest,
  AuthService,
  AuthUserAddRequest,
  AuthUserChangePasswordRequest,
  AuthUserDeleteRequest,
  AuthUserGetRequest,
  AuthUserGrantRoleRequest,
  AuthUserListRequest,
  AuthUserRevokeRoleRequest,
  AuthenticateRequest,
} from "../../proto/gen/etcdserverpb/rpc.js";
import type {
  AuthDisableResponse,
  AuthEnableResponse,
  AuthRoleAddResponse,
  AuthRoleDeleteResponse,
  AuthRoleGetResponse,
  AuthRoleGrantPermissionResponse,
  AuthRoleListResponse,
  AuthRoleRevokePermissionResponse,
  AuthUserAddResponse,
  AuthUserChangePasswordResponse,
  AuthUserDeleteResponse,
  AuthUserGetResponse,
  AuthUserGrantRoleResponse,
  AuthUserListResponse,
  AuthUserRevokeRoleResponse,
  AuthenticateResponse,
} from "../../proto/gen/etcdserverpb/rpc.js";
import type { CallOptions, Core } from "./core.js";
import { EtcdClientError } from "./errors.js";
import type { Input } from "./input.js";

export class Auth {
  constructor(private readonly core: Core) {}

  authEnable(opts?: CallOptions): Promise<AuthEnableResponse> {
    return this.core.unary(
      AuthService.authEnable,
      AuthEnableRequest.fromPartial({}),
      "write",
      opts,
    );
  }

  authDisable(opts?: CallOptions): Promise<AuthDisableResponse> {
    return this.core.unary(
      AuthService.authDisable,
      AuthDisableRequest.fromPartial({}),
      "write",
      opts,
    );
  }

  /**
   * Raw Authenticate. The client logs in by itself from its user/password options (see
   * EtcdClient.login); a token obtained here with those same credentials is reused by it.
   */
  async authenticate(
    req: Input<typeof AuthenticateRequest>,
    opts?: CallOptions,
  ): Promise<AuthenticateResponse> {
    const full = AuthenticateRequest.fromPartial(req);
    try {
      const resp = await this.core.unary(AuthService.authenticate, full, "read", opts);
      this.core.adoptAuthentication(full.name, full.password, resp);
      return resp;
    } catch (err) {
      if (err instanceof EtcdClientError)
        this.core.adoptAuthentication(full.name, full.password, err);
      throw err;
    }
  }

  userAdd(req: Input<typeof AuthUserAddRequest>, opts?: CallOptions): Promise<AuthUserAddResponse> {
    return this.core.unary(AuthService.userAdd, AuthUserAddRequest.fromPartial(req), "write", opts);
  }

  userGet(req: Input<typeof AuthUserGetRequest>, opts?: CallOptions): Promise<AuthUserGetResponse> {
    return this.core.unary(AuthService.userGet, AuthUserGetRequest.fromPartial(req), "read", opts);
  }

  userList(opts?: CallOptions): Promise<AuthUserListResponse> {
    return this.core.unary(AuthService.userList, AuthUserListRequest.fromPartial({}), "read", opts);
  }

  userDelete(
    req: Input<typeof AuthUserDeleteRequest>,
    opts?: CallOptions,
  ): Promise<AuthUserDeleteResponse> {
    return this.core.unary(
      AuthService.userDelete,
      AuthUserDeleteRequest.fromPartial(req),
      "write",
      opts,
    );
  }

  userChangePassword(
    req: Input<typeof AuthUserChangePasswordRequest>,
    opts?: CallOptions,
  ): Promise<AuthUserChangePasswordResponse> {
    const full = AuthUserChangePasswordRequest.fromPartial(req);
    return this.core.unary(AuthService.userChangePassword, full, "write", opts);
  }

  userGrantRole(
    req: Input<typeof AuthUserGrantRoleRequest>,
    opts?: CallOptions,
  ): Promise<AuthUserGrantRoleResponse> {
    return this.core.unary(
      AuthService.userGrantRole,
      AuthUserGrantRoleRequest.fromPartial(req),
      "write",
      opts,
    );
  }

  userRevokeRole(
    req: Input<typeof AuthUserRevokeRoleRequest>,
    opts?: CallOptions,
  ): Promise<AuthUserRevokeRoleResponse> {
    return this.core.unary(
      AuthService.userRevokeRole,
      AuthUserRevokeRoleRequest.fromPartial(req),
      "write",
      opts,
    );
  }

  roleAdd(req: Input<typeof AuthRoleAddRequest>, opts?: CallOptions): Promise<AuthRoleAddResponse> {
    return this.core.unary(AuthService.roleAdd, AuthRoleAddRequest.fromPartial(req), "write", opts);
  }

  roleGet(req: Input<typeof AuthRoleGetRequest>, opts?: CallOptions): Promise<AuthRoleGetResponse> {
    return this.core.unary(AuthService.roleGet, AuthRoleGetRequest.fromPartial(req), "read", opts);
  }

  roleList(opts?: CallOptions): Promise<AuthRoleListResponse> {
    return this.core.unary(AuthService.roleList, AuthRoleListRequest.fromPartial({}), "read", opts);
  }

  roleDelete(
    req: Input<typeof AuthRoleDeleteRequest>,
    opts?: CallOptions,
  ): Promise<AuthRoleDeleteResponse> {
    return this.core.unary(
      AuthService.roleDelete,
      AuthRoleDeleteRequest.fromPartial(req),
      "write",
      opts,
    );
  }

  roleGrantPermission(
    req: Input<typeof AuthRoleGrantPermissionRequest>,
    opts?: CallOptions,
  ): Promise<AuthRoleGrantPermissionResponse> {
    const full = AuthRoleGrantPermissionRequest.fromPartial(req);
    return this.core.unary(AuthService.roleGrantPermission, full, "write", opts);
  }

  roleRevokePermission(
    req: Input<typeof AuthRoleRevokePermissionRequest>,
    opts?: CallOptions,
  ): Promise<AuthRoleRevokePermissionResponse> {
    const full = AuthRoleRevokePermissionRequest.fromPartial(req);
    return this.core.unary(AuthService.roleRevokePermission, full, "write", opts);
  }
}
