// The Auth service on the JSON gateway (/v3/auth/...), in the gateway's route shape.
import * as pb from "../proto/index.js";
import { authApiOf, type AuthApi } from "./api.js";

interface JsonCodec<T> {
  fromJSON(object: unknown): T;
  toJSON(message: T): unknown;
}

export interface AuthRoute {
  req: JsonCodec<unknown>;
  res: JsonCodec<unknown>;
  call(s: object, req: unknown): Promise<unknown>;
}

function route<Req, Res>(
  req: JsonCodec<Req>,
  res: JsonCodec<Res>,
  call: (a: AuthApi, r: Req) => Promise<Res>,
): AuthRoute {
  return {
    req: req as JsonCodec<unknown>,
    res: res as JsonCodec<unknown>,
    call: (s, r) => call(authApiOf(s), r as Req),
  };
}

export const AUTH_ROUTES: Record<string, AuthRoute> = {
  "/v3/auth/enable": route(pb.AuthEnableRequest, pb.AuthEnableResponse, (a) => a.authEnable()),
  "/v3/auth/disable": route(pb.AuthDisableRequest, pb.AuthDisableResponse, (a) => a.authDisable()),
  "/v3/auth/authenticate": route(pb.AuthenticateRequest, pb.AuthenticateResponse, (a, r) =>
    a.authenticate(r),
  ),
  "/v3/auth/user/add": route(pb.AuthUserAddRequest, pb.AuthUserAddResponse, (a, r) => a.userAdd(r)),
  "/v3/auth/user/get": route(pb.AuthUserGetRequest, pb.AuthUserGetResponse, (a, r) => a.userGet(r)),
  "/v3/auth/user/list": route(pb.AuthUserListRequest, pb.AuthUserListResponse, (a) => a.userList()),
  "/v3/auth/user/delete": route(pb.AuthUserDeleteRequest, pb.AuthUserDeleteResponse, (a, r) =>
    a.userDelete(r),
  ),
  "/v3/auth/user/changepw": route(
    pb.AuthUserChangePasswordRequest,
    pb.AuthUserChangePasswordResponse,
    (a, r) => a.userChangePassword(r),
  ),
  "/v3/auth/user/grant": route(pb.AuthUserGrantRoleRequest, pb.AuthUserGrantRoleResponse, (a, r) =>
    a.userGrantRole(r),
  ),
  "/v3/auth/user/revoke": route(
    pb.AuthUserRevokeRoleRequest,
    pb.AuthUserRevokeRoleResponse,
    (a, r) => a.userRevokeRole(r),
  ),
  "/v3/auth/role/add": route(pb.AuthRoleAddRequest, pb.AuthRoleAddResponse, (a, r) => a.roleAdd(r)),
  "/v3/auth/role/get": route(pb.AuthRoleGetRequest, pb.AuthRoleGetResponse, (a, r) => a.roleGet(r)),
  "/v3/auth/role/list": route(pb.AuthRoleListRequest, pb.AuthRoleListResponse, (a) => a.roleList()),
  "/v3/auth/role/delete": route(pb.AuthRoleDeleteRequest, pb.AuthRoleDeleteResponse, (a, r) =>
    a.roleDelete(r),
  ),
  "/v3/auth/role/grant": route(
    pb.AuthRoleGrantPermissionRequest,
    pb.AuthRoleGrantPermissionResponse,
    (a, r) => a.roleGrantPermission(r),
  ),
  "/v3/auth/role/revoke": route(
    pb.AuthRoleRevokePermissionRequest,
    pb.AuthRoleRevokePermissionResponse,
    (a, r) => a.roleRevokePermission(r),
  ),
};
