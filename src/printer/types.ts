// The printer contract every output format implements: one method per etcdctl response kind,
// taking the decoded protobuf responses (types only: nothing here loads generated code).
import type {
  AlarmResponse,
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
  DeleteRangeResponse,
  HashKVResponse,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveResponse,
  MemberAddResponse,
  MemberListResponse,
  MemberPromoteResponse,
  MemberRemoveResponse,
  MemberUpdateResponse,
  MoveLeaderResponse,
  PutResponse,
  RangeResponse,
  StatusResponse,
  TxnResponse,
  WatchResponse,
} from "../proto/gen/etcdserverpb/rpc.js";

export type OutputFormat = "simple" | "json" | "fields" | "protobuf" | "table";

/** Where a printer writes: stdout and stderr in the CLI, buffers in tests. */
export interface PrintSink {
  out(text: string | Uint8Array): void;
  err(text: string): void;
}

export interface EpHealth {
  endpoint: string;
  health: boolean;
  /** Go duration text, e.g. "1.83ms". */
  took: string;
  error: string;
}

export interface EpStatus {
  endpoint: string;
  resp: StatusResponse;
}

export interface EpHashKV {
  endpoint: string;
  resp: HashKVResponse;
}

/** What `snapshot status` reports about a backend file. */
export interface DbStatus {
  hash: number;
  revision: bigint;
  totalKey: number;
  totalSize: bigint;
}

export interface Printer {
  del(r: DeleteRangeResponse): void;
  get(r: RangeResponse): void;
  put(r: PutResponse): void;
  txn(r: TxnResponse): void;
  watch(r: WatchResponse): void;

  grant(r: LeaseGrantResponse): void;
  revoke(id: bigint, r: LeaseRevokeResponse): void;
  keepAlive(r: LeaseKeepAliveResponse): void;
  timeToLive(r: LeaseTimeToLiveResponse, keys: boolean): void;
  leases(r: LeaseLeasesResponse): void;

  memberAdd(r: MemberAddResponse): void;
  memberRemove(id: bigint, r: MemberRemoveResponse): void;
  memberUpdate(id: bigint, r: MemberUpdateResponse): void;
  memberPromote(id: bigint, r: MemberPromoteResponse): void;
  memberList(r: MemberListResponse): void;

  endpointHealth(hs: EpHealth[]): void;
  endpointStatus(ss: EpStatus[]): void;
  endpointHashKV(hs: EpHashKV[]): void;
  moveLeader(leader: bigint, target: bigint, r: MoveLeaderResponse): void;

  alarm(r: AlarmResponse): void;
  dbStatus(s: DbStatus): void;

  roleAdd(role: string, r: AuthRoleAddResponse): void;
  roleGet(role: string, r: AuthRoleGetResponse): void;
  roleDelete(role: string, r: AuthRoleDeleteResponse): void;
  roleList(r: AuthRoleListResponse): void;
  roleGrantPermission(role: string, r: AuthRoleGrantPermissionResponse): void;
  roleRevokePermission(
    role: string,
    key: string,
    end: string,
    r: AuthRoleRevokePermissionResponse,
  ): void;

  userAdd(user: string, r: AuthUserAddResponse): void;
  userGet(user: string, r: AuthUserGetResponse): void;
  userList(r: AuthUserListResponse): void;
  userChangePassword(r: AuthUserChangePasswordResponse): void;
  userGrantRole(user: string, role: string, r: AuthUserGrantRoleResponse): void;
  userRevokeRole(user: string, role: string, r: AuthUserRevokeRoleResponse): void;
  userDelete(user: string, r: AuthUserDeleteResponse): void;
}
