// The Auth service on the client port: each method runs the member's AuthApi with the
// call's token in context (management needs root once auth is enabled).
import * as pb from "../../proto/index.js";
import type { AuthApi } from "../../auth/api.js";
import { runWithToken } from "../../auth/context.js";
import { tokenOf } from "../../auth/guard.js";
import type { ServerUnaryCall, sendUnaryData } from "@grpc/grpc-js";
import { toServiceError } from "./unary.js";

function handler<Req, Res>(
  fn: (req: Req) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    runWithToken(tokenOf(call.metadata), () => fn(call.request)).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(err)),
    );
  };
}

export function authService(a: AuthApi): pb.AuthServer {
  return {
    authEnable: handler(() => a.authEnable()),
    authDisable: handler(() => a.authDisable()),
    authenticate: handler((r: pb.AuthenticateRequest) => a.authenticate(r)),
    userAdd: handler((r: pb.AuthUserAddRequest) => a.userAdd(r)),
    userGet: handler((r: pb.AuthUserGetRequest) => a.userGet(r)),
    userList: handler(() => a.userList()),
    userDelete: handler((r: pb.AuthUserDeleteRequest) => a.userDelete(r)),
    userChangePassword: handler((r: pb.AuthUserChangePasswordRequest) => a.userChangePassword(r)),
    userGrantRole: handler((r: pb.AuthUserGrantRoleRequest) => a.userGrantRole(r)),
    userRevokeRole: handler((r: pb.AuthUserRevokeRoleRequest) => a.userRevokeRole(r)),
    roleAdd: handler((r: pb.AuthRoleAddRequest) => a.roleAdd(r)),
    roleGet: handler((r: pb.AuthRoleGetRequest) => a.roleGet(r)),
    roleList: handler(() => a.roleList()),
    roleDelete: handler((r: pb.AuthRoleDeleteRequest) => a.roleDelete(r)),
    roleGrantPermission: handler((r: pb.AuthRoleGrantPermissionRequest) =>
      a.roleGrantPermission(r),
    ),
    roleRevokePermission: handler((r: pb.AuthRoleRevokePermissionRequest) =>
      a.roleRevokePermission(r),
    ),
  };
}
