// Cluster service: member add, remove, update, list, promote.
import {
  ClusterService,
  MemberAddRequest,
  MemberListRequest,
  MemberPromoteRequest,
  MemberRemoveRequest,
  MemberUpdateRequest,
} from "../../proto/gen/etcdserverpb/rpc.js";
import type {
  MemberAddResponse,
  MemberListResponse,
  MemberPromoteResponse,
  MemberRemoveResponse,
  MemberUpdateResponse,
} from "../../proto/gen/etcdserverpb/rpc.js";
import type { CallOptions, Core } from "./core.js";
import type { Input } from "./input.js";

export class Cluster {
  constructor(private readonly core: Core) {}

  memberAdd(req: Input<typeof MemberAddRequest>, opts?: CallOptions): Promise<MemberAddResponse> {
    return this.core.unary(
      ClusterService.memberAdd,
      MemberAddRequest.fromPartial(req),
      "write",
      opts,
    );
  }

  memberRemove(
    req: Input<typeof MemberRemoveRequest>,
    opts?: CallOptions,
  ): Promise<MemberRemoveResponse> {
    return this.core.unary(
      ClusterService.memberRemove,
      MemberRemoveRequest.fromPartial(req),
      "write",
      opts,
    );
  }

  memberUpdate(
    req: Input<typeof MemberUpdateRequest>,
    opts?: CallOptions,
  ): Promise<MemberUpdateResponse> {
    return this.core.unary(
      ClusterService.memberUpdate,
      MemberUpdateRequest.fromPartial(req),
      "write",
      opts,
    );
  }

  memberList(opts?: CallOptions): Promise<MemberListResponse> {
    return this.core.unary(
      ClusterService.memberList,
      MemberListRequest.fromPartial({}),
      "read",
      opts,
    );
  }

  memberPromote(
    req: Input<typeof MemberPromoteRequest>,
    opts?: CallOptions,
  ): Promise<MemberPromoteResponse> {
    return this.core.unary(
      ClusterService.memberPromote,
      MemberPromoteRequest.fromPartial(req),
      "write",
      opts,
    );
  }
}
