// `-w protobuf`: the raw marshalled response message on stdout, as etcdctl writes it.
import * as pb from "../proto/gen/etcdserverpb/rpc.js";
import type { PrintSink } from "./types.js";
import { UnsupportedPrinter } from "./unsupported.js";

interface Encoder<T> {
  encode(message: T): { finish(): Uint8Array };
}

export class ProtobufPrinter extends UnsupportedPrinter {
  constructor(private readonly sink: PrintSink) {
    super("protobuf");
  }

  private emit<T>(codec: Encoder<T>, message: T): void {
    this.sink.out(codec.encode(message).finish());
  }

  /**
   * clientv3's lease responses are Go structs embedding the response header, whose Marshal
   * method is the one etcdctl ends up calling: only the header is written.
   */
  private headerOnly(r: { header?: pb.ResponseHeader | undefined }): void {
    this.emit(pb.ResponseHeader, r.header ?? pb.ResponseHeader.fromPartial({}));
  }

  override del(r: pb.DeleteRangeResponse): void {
    this.emit(pb.DeleteRangeResponse, r);
  }
  override get(r: pb.RangeResponse): void {
    this.emit(pb.RangeResponse, r);
  }
  override put(r: pb.PutResponse): void {
    this.emit(pb.PutResponse, r);
  }
  override txn(r: pb.TxnResponse): void {
    this.emit(pb.TxnResponse, r);
  }
  override watch(r: pb.WatchResponse): void {
    // etcdctl re-marshals only the fields clientv3 keeps (no watch id, cancel reason).
    this.emit(pb.WatchResponse, {
      header: r.header ?? { clusterId: 0n, memberId: 0n, revision: 0n, raftTerm: 0n },
      watchId: 0n,
      created: r.created,
      canceled: r.canceled,
      compactRevision: r.compactRevision,
      cancelReason: "",
      fragment: false,
      events: r.events,
    });
  }
  override grant(r: pb.LeaseGrantResponse): void {
    this.headerOnly(r);
  }
  override revoke(_id: bigint, r: pb.LeaseRevokeResponse): void {
    this.emit(pb.LeaseRevokeResponse, r);
  }
  override keepAlive(r: pb.LeaseKeepAliveResponse): void {
    this.headerOnly(r);
  }
  override timeToLive(r: pb.LeaseTimeToLiveResponse): void {
    this.headerOnly(r);
  }
  override leases(r: pb.LeaseLeasesResponse): void {
    this.headerOnly(r);
  }
  override memberAdd(r: pb.MemberAddResponse): void {
    this.emit(pb.MemberAddResponse, r);
  }
  override memberRemove(_id: bigint, r: pb.MemberRemoveResponse): void {
    this.emit(pb.MemberRemoveResponse, r);
  }
  override memberUpdate(_id: bigint, r: pb.MemberUpdateResponse): void {
    this.emit(pb.MemberUpdateResponse, r);
  }
  override memberList(r: pb.MemberListResponse): void {
    this.emit(pb.MemberListResponse, r);
  }
  override alarm(r: pb.AlarmResponse): void {
    this.emit(pb.AlarmResponse, r);
  }
  override moveLeader(_l: bigint, _t: bigint, r: pb.MoveLeaderResponse): void {
    this.emit(pb.MoveLeaderResponse, r);
  }
  override roleAdd(_role: string, r: pb.AuthRoleAddResponse): void {
    this.emit(pb.AuthRoleAddResponse, r);
  }
  override roleGet(_role: string, r: pb.AuthRoleGetResponse): void {
    this.emit(pb.AuthRoleGetResponse, r);
  }
  override roleDelete(_role: string, r: pb.AuthRoleDeleteResponse): void {
    this.emit(pb.AuthRoleDeleteResponse, r);
  }
  override roleList(r: pb.AuthRoleListResponse): void {
    this.emit(pb.AuthRoleListResponse, r);
  }
  override roleGrantPermission(_role: string, r: pb.AuthRoleGrantPermissionResponse): void {
    this.emit(pb.AuthRoleGrantPermissionResponse, r);
  }
  override roleRevokePermission(
    _role: string,
    _k: string,
    _e: string,
    r: pb.AuthRoleRevokePermissionResponse,
  ): void {
    this.emit(pb.AuthRoleRevokePermissionResponse, r);
  }
  override userAdd(_user: string, r: pb.AuthUserAddResponse): void {
    this.emit(pb.AuthUserAddResponse, r);
  }
  override userGet(_user: string, r: pb.AuthUserGetResponse): void {
    this.emit(pb.AuthUserGetResponse, r);
  }
  override userList(r: pb.AuthUserListResponse): void {
    this.emit(pb.AuthUserListResponse, r);
  }
  override userChangePassword(r: pb.AuthUserChangePasswordResponse): void {
    this.emit(pb.AuthUserChangePasswordResponse, r);
  }
  override userGrantRole(_u: string, _r: string, r: pb.AuthUserGrantRoleResponse): void {
    this.emit(pb.AuthUserGrantRoleResponse, r);
  }
  override userRevokeRole(_u: string, _r: string, r: pb.AuthUserRevokeRoleResponse): void {
    this.emit(pb.AuthUserRevokeRoleResponse, r);
  }
  override userDelete(_user: string, r: pb.AuthUserDeleteResponse): void {
    this.emit(pb.AuthUserDeleteResponse, r);
  }
}
