// Watch service: one bidirectional stream carrying create, cancel and progress requests, read as
// an async iterable of WatchResponses (callers match responses to watchers by watch_id).
// Like clientv3, a stream broken by a transport failure is reopened (on the next endpoint) and
// every live watcher is re-created after the last revision it delivered, under the same watch id;
// the re-creation's `created` reply is not shown again.
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { ClientDuplexStream } from "@grpc/grpc-js";
import {
  WatchCancelRequest,
  WatchCreateRequest,
  WatchProgressRequest,
  WatchService,
} from "../../proto/gen/etcdserverpb/rpc.js";
import type { WatchRequest, WatchResponse } from "../../proto/gen/etcdserverpb/rpc.js";
import type { CallOptions, Core } from "./core.js";
import { EtcdClientError, fromGrpcError, isTransportUnavailable } from "./errors.js";
import type { Input } from "./input.js";
import type { Conn } from "./transport.js";

export interface WatchStreamOptions extends CallOptions {
  /** How long the first open may wait for a connected endpoint; default commandTimeoutMs. */
  openTimeoutMs?: number;
  /** Reopen and resume watchers after a transport failure; default true. */
  resume?: boolean;
}

interface Watcher {
  request: WatchCreateRequest;
  /** Assigned by the server's `created` reply. */
  id: bigint | undefined;
  createdRevision: bigint;
  lastEventRevision: bigint;
  /** True while waiting for the `created` reply of a re-creation (hidden from the caller). */
  resumed: boolean;
}

/** A whole year: "until closed" for reconnect attempts. */
const FOREVER_MS = 365 * 24 * 3600 * 1000;

type Call = ClientDuplexStream<WatchRequest, WatchResponse>;

export class WatchStream implements AsyncIterable<WatchResponse> {
  private readonly active = new Map<bigint, Watcher>();
  /** Creates sent on the current stream, in order, awaiting their `created` reply. */
  private awaiting: Watcher[] = [];
  private reconnecting = false;
  private closedByUs = false;
  private readonly abort = new AbortController();

  private constructor(
    private readonly core: Core,
    private call: Call,
    private conn: Conn,
    private readonly opts: WatchStreamOptions,
  ) {}

  static async open(core: Core, opts: WatchStreamOptions = {}): Promise<WatchStream> {
    const { conn, call } = await openCall(core, opts, undefined);
    return new WatchStream(core, call, conn, opts);
  }

  /** Endpoint of the current stream. */
  get endpoint(): string {
    return this.conn.endpoint;
  }

  create(req: Input<typeof WatchCreateRequest>): void {
    this.checkOpen();
    const w: Watcher = {
      request: WatchCreateRequest.fromPartial(req),
      id: undefined,
      createdRevision: 0n,
      lastEventRevision: 0n,
      resumed: false,
    };
    this.awaiting.push(w);
    if (!this.reconnecting)
      this.write({ requestUnion: { $case: "createRequest", value: w.request } });
  }

  cancel(watchId: bigint): void {
    this.checkOpen();
    if (this.reconnecting) {
      // The new stream will simply not re-create it.
      this.active.delete(watchId);
      return;
    }
    const value = WatchCancelRequest.fromPartial({ watchId });
    this.write({ requestUnion: { $case: "cancelRequest", value } });
  }

  /** Asks for a progress notification (answered with watch_id -1 and the current revision). */
  progress(): void {
    this.checkOpen();
    if (this.reconnecting) return;
    const value = WatchProgressRequest.fromPartial({});
    this.write({ requestUnion: { $case: "progressRequest", value } });
  }

  close(): void {
    if (this.closedByUs) return;
    this.closedByUs = true;
    this.abort.abort();
    this.call.cancel();
  }

  get closed(): boolean {
    return this.closedByUs;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WatchResponse, void, undefined> {
    for (;;) {
      const call = this.call;
      try {
        for await (const resp of call as AsyncIterable<WatchResponse>) {
          if (this.accept(resp)) yield resp;
        }
        if (this.closedByUs) return;
        // The server ended the stream without a status error: treat it as a broken transport.
        if (this.opts.resume === false) return;
      } catch (err) {
        if (this.closedByUs && (err as { code?: unknown }).code === GrpcStatus.CANCELLED) return;
        if (this.opts.resume === false || !isTransportUnavailable(err)) {
          throw fromGrpcError(err, this.conn.endpoint);
        }
      }
      await this.reopen();
    }
  }

  /** The next response, or undefined once the stream has ended. */
  async next(): Promise<WatchResponse | undefined> {
    this.iterator ??= this[Symbol.asyncIterator]();
    const r = await this.iterator.next();
    return r.done ? undefined : r.value;
  }

  private iterator: AsyncGenerator<WatchResponse, void, undefined> | undefined;

  /** Updates watcher bookkeeping; false for replies the caller must not see. */
  private accept(resp: WatchResponse): boolean {
    if (resp.created) {
      const w = this.awaiting.shift();
      if (w === undefined) return true; // not ours to track (should not happen)
      w.id = resp.watchId;
      w.createdRevision = resp.header?.revision ?? 0n;
      const hidden = w.resumed && !resp.canceled;
      w.resumed = false;
      if (!resp.canceled) this.active.set(resp.watchId, w);
      return !hidden;
    }
    const w = this.active.get(resp.watchId);
    if (w !== undefined) {
      const last = resp.events[resp.events.length - 1];
      if (last?.kv !== undefined && last.kv.modRevision > w.lastEventRevision) {
        w.lastEventRevision = last.kv.modRevision;
      }
      if (resp.canceled) this.active.delete(resp.watchId);
    }
    return true;
  }

  private async reopen(): Promise<void> {
    this.reconnecting = true;
    this.core.pool.rotate(this.conn);
    // Re-create acknowledged watchers first, in id order (id 0 can only be had by auto-assign on a
    // fresh stream), then the creates that never got their reply.
    const resumed = [...this.active.values()].sort((a, b) => (a.id! < b.id! ? -1 : 1));
    const unacknowledged = this.awaiting;
    this.active.clear();
    for (;;) {
      if (this.closedByUs)
        throw new EtcdClientError("context canceled", { code: GrpcStatus.CANCELLED });
      try {
        const { conn, call } = await openCall(this.core, this.opts, this.abort.signal);
        this.conn = conn;
        this.call = call;
        break;
      } catch (err) {
        if (this.closedByUs) continue;
        if (!(err instanceof EtcdClientError) || err.code !== GrpcStatus.DEADLINE_EXCEEDED)
          throw err;
      }
    }
    this.awaiting = [];
    for (const w of resumed) {
      const next = nextRevision(w);
      w.request = { ...w.request, startRevision: next, watchId: w.id ?? 0n };
      w.resumed = true;
      this.awaiting.push(w);
      this.write({ requestUnion: { $case: "createRequest", value: w.request } });
    }
    for (const w of unacknowledged) {
      this.awaiting.push(w);
      this.write({ requestUnion: { $case: "createRequest", value: w.request } });
    }
    this.reconnecting = false;
  }

  private write(req: WatchRequest): void {
    this.call.write(req);
  }

  private checkOpen(): void {
    if (this.closedByUs) throw new Error("watch stream is closed");
  }
}

/** Where a re-created watcher must start so that no event is lost or repeated. */
function nextRevision(w: Watcher): bigint {
  if (w.lastEventRevision > 0n) return w.lastEventRevision + 1n;
  if (w.request.startRevision > 0n) return w.request.startRevision;
  return w.createdRevision > 0n ? w.createdRevision + 1n : 0n;
}

async function openCall(
  core: Core,
  opts: WatchStreamOptions,
  signal: AbortSignal | undefined,
): Promise<{ conn: Conn; call: Call }> {
  return core.openDuplex(WatchService.watch, {
    ...opts,
    signal: signal ?? opts.signal,
    timeoutMs: opts.timeoutMs ?? 0,
    // A reconnect waits as long as it takes (until close), like clientv3.
    openTimeoutMs: signal === undefined ? opts.openTimeoutMs : FOREVER_MS,
    // Like clientv3, require a leader: a partitioned member must not keep a watch silently stale.
    requireLeader: true,
  });
}

export function openWatchStream(core: Core, opts: WatchStreamOptions = {}): Promise<WatchStream> {
  return WatchStream.open(core, opts);
}
