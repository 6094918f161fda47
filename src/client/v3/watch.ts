// Watch service: one bidirectional stream carrying create, cancel and progress requests, read as
// an async iterable of WatchResponses (the caller matches responses to watchers by watch_id).
import {
  WatchCancelRequest,
  WatchCreateRequest,
  WatchProgressRequest,
  WatchRequest,
  WatchService,
} from "../../proto/gen/etcdserverpb/rpc.js";
import type { WatchResponse } from "../../proto/gen/etcdserverpb/rpc.js";
import type { CallOptions, Core } from "./core.js";
import type { Input } from "./input.js";
import { DuplexStream } from "./streams.js";

export class WatchStream extends DuplexStream<WatchRequest, WatchResponse> {
  create(req: Input<typeof WatchCreateRequest>): void {
    this.send({
      requestUnion: { $case: "createRequest", value: WatchCreateRequest.fromPartial(req) },
    });
  }

  cancel(watchId: bigint): void {
    this.send({
      requestUnion: { $case: "cancelRequest", value: WatchCancelRequest.fromPartial({ watchId }) },
    });
  }

  /** Asks for a progress notification (answered with watch_id -1 and the current revision). */
  progress(): void {
    this.send({
      requestUnion: { $case: "progressRequest", value: WatchProgressRequest.fromPartial({}) },
    });
  }
}

export async function openWatchStream(core: Core, opts: CallOptions = {}): Promise<WatchStream> {
  // Like clientv3, require a leader: a partitioned member must not leave a watch silently stale.
  const { conn, call } = await core.openDuplex(WatchService.watch, {
    ...opts,
    timeoutMs: opts.timeoutMs ?? 0,
    requireLeader: true,
  });
  return new WatchStream(call, conn.endpoint);
}
