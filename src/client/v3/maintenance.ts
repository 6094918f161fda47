// Maintenance service: alarms, status, defragment, hashes, snapshot stream, leader transfer.
import {
  AlarmRequest,
  DefragmentRequest,
  HashKVRequest,
  HashRequest,
  MaintenanceService,
  MoveLeaderRequest,
  SnapshotRequest,
  StatusRequest,
} from "../../proto/gen/etcdserverpb/rpc.js";
import type {
  AlarmResponse,
  DefragmentResponse,
  HashKVResponse,
  HashResponse,
  MoveLeaderResponse,
  SnapshotResponse,
  StatusResponse,
} from "../../proto/gen/etcdserverpb/rpc.js";
import type { CallOptions, Core } from "./core.js";
import type { Input } from "./input.js";
import { ResponseStream } from "./streams.js";

export class Maintenance {
  constructor(private readonly core: Core) {}

  /** GET is a read; ACTIVATE/DEACTIVATE change cluster state. */
  alarm(req: Input<typeof AlarmRequest>, opts?: CallOptions): Promise<AlarmResponse> {
    const full = AlarmRequest.fromPartial(req);
    return this.core.unary(
      MaintenanceService.alarm,
      full,
      full.action === 0 ? "read" : "write",
      opts,
    );
  }

  status(opts?: CallOptions): Promise<StatusResponse> {
    return this.core.unary(MaintenanceService.status, StatusRequest.fromPartial({}), "read", opts);
  }

  defragment(opts?: CallOptions): Promise<DefragmentResponse> {
    return this.core.unary(
      MaintenanceService.defragment,
      DefragmentRequest.fromPartial({}),
      "read",
      opts,
    );
  }

  hash(opts?: CallOptions): Promise<HashResponse> {
    return this.core.unary(MaintenanceService.hash, HashRequest.fromPartial({}), "read", opts);
  }

  hashKV(req: Input<typeof HashKVRequest>, opts?: CallOptions): Promise<HashKVResponse> {
    return this.core.unary(MaintenanceService.hashKv, HashKVRequest.fromPartial(req), "read", opts);
  }

  /**
   * Streams the member's backend: data chunks, then a last message (remaining_bytes 0) whose blob
   * is the SHA-256 of the data. No deadline unless opts.timeoutMs is given.
   */
  async snapshot(opts: CallOptions = {}): Promise<ResponseStream<SnapshotResponse>> {
    const { conn, call } = await this.core.openServerStream(
      MaintenanceService.snapshot,
      SnapshotRequest.fromPartial({}),
      { ...opts, timeoutMs: opts.timeoutMs ?? 0 },
    );
    return new ResponseStream(call, conn.endpoint);
  }

  moveLeader(
    req: Input<typeof MoveLeaderRequest>,
    opts?: CallOptions,
  ): Promise<MoveLeaderResponse> {
    return this.core.unary(
      MaintenanceService.moveLeader,
      MoveLeaderRequest.fromPartial(req),
      "write",
      opts,
    );
  }
}
