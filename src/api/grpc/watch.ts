// The Watch service: one bidirectional stream carries many watchers (create, cancel and
// progress requests in; created/canceled notices and event batches out). A stream that
// cannot keep up pauses its watchers, which resume from history once it drains.
import type { ServerDuplexStream } from "@grpc/grpc-js";
import { emptyWatchResponse } from "../../server/convert.js";
import * as pb from "../../proto/index.js";
import type { EtcdServer } from "../../server/etcd-server.js";
import { encodedEvent, encodedHeader, encodeEventsResponse } from "./watch-encode.js";
import { etcdError } from "../../errors.js";
import type { WatchHandle, WatchResponse } from "../../mvcc/watchable.js";
import { callContext, toServiceError } from "./unary.js";

/** Responses are messages, or event batches pre-encoded by watch-encode.ts (see index.ts). */
type WatchCall = ServerDuplexStream<pb.WatchRequest, pb.WatchResponse | Buffer>;

/** Above these, a stream's watchers pause (and later catch up from history). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
const MAX_QUEUED_RESPONSES = 4096;
/** What a not pre-encoded (control) response is counted as in the queued bytes. */
const MESSAGE_BYTES_ESTIMATE = 64;

/** Default period of progress notifications (etcd's --experimental-watch-progress-notify-interval). */
export const PROGRESS_NOTIFY_INTERVAL_MS = 10 * 60 * 1000;

export function watchService(
  s: EtcdServer,
  progressNotifyIntervalMs = PROGRESS_NOTIFY_INTERVAL_MS,
): pb.WatchServer {
  return {
    watch: (call: WatchCall) => new WatchStream(s, call, progressNotifyIntervalMs).start(),
  };
}

class WatchStream {
  private readonly watchers = new Map<number, { handle: WatchHandle; progressNotify: boolean }>();
  private nextWatchId = 0;
  private closed = false;
  private progressTimer: NodeJS.Timeout | undefined;
  private readonly paused = new Set<WatchHandle>();
  /** The last encoded event header: consecutive deliveries share one revision. */
  private queuedBytes = 0;
  private lastHeader: { header: pb.ResponseHeader; bytes: Uint8Array } | undefined;

  constructor(
    private readonly s: EtcdServer,
    private readonly call: WatchCall,
    private readonly progressNotifyIntervalMs: number,
  ) {}

  start(): void {
    const ctx = callContext(this.call.metadata);
    if (ctx.requireLeader && this.s.member.leaderId === 0n) {
      this.call.destroy(toServiceError(etcdError("NoLeader")) as Error);
      return;
    }
    this.call.on("data", (req: pb.WatchRequest) => this.onRequest(req));
    this.call.on("end", () => this.close(true));
    this.call.on("error", () => this.close(false));
    this.call.on("cancelled", () => this.close(false));
    this.call.on("drain", () => {
      for (const h of this.paused) h.resume();
      this.paused.clear();
    });
    this.progressTimer = setInterval(
      () => this.sendProgressNotifications(),
      this.progressNotifyIntervalMs,
    );
    this.progressTimer.unref();
  }

  private close(endCall: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (this.progressTimer) clearInterval(this.progressTimer);
    for (const w of this.watchers.values()) w.handle.cancel();
    this.watchers.clear();
    if (endCall) this.call.end();
  }

  /**
   * Queues a response; false when the stream is congested (its watchers then pause until it
   * drains). The stream's own high-water mark is 16 messages, which one event fanned out to
   * many watchers of a stream exceeds at once, so congestion is judged by the queued bytes.
   */
  private send(resp: pb.WatchResponse | Buffer): boolean {
    if (this.closed) return true;
    const bytes = Buffer.isBuffer(resp) ? resp.length : MESSAGE_BYTES_ESTIMATE;
    this.queuedBytes += bytes;
    this.call.write(resp, () => {
      this.queuedBytes -= bytes;
    });
    return this.queuedBytes <= MAX_QUEUED_BYTES && this.call.writableLength <= MAX_QUEUED_RESPONSES;
  }

  private header(revision: number): pb.ResponseHeader {
    return this.s.header(revision);
  }

  private onRequest(req: pb.WatchRequest): void {
    const r = req.requestUnion;
    if (!r) return;
    switch (r.$case) {
      case "createRequest":
        this.create(r.value);
        break;
      case "cancelRequest":
        this.cancel(Number(r.value.watchId));
        break;
      case "progressRequest":
        this.send(this.empty(-1));
        break;
    }
  }

  private empty(watchId: number): pb.WatchResponse {
    return emptyWatchResponse(this.header(this.s.kv.store.currentRevision), watchId);
  }

  private create(c: pb.WatchCreateRequest): void {
    const rangeEnd = c.rangeEnd.length === 0 ? undefined : c.rangeEnd;
    if (
      rangeEnd &&
      !(rangeEnd.length === 1 && rangeEnd[0] === 0) &&
      Buffer.compare(c.key, rangeEnd) >= 0
    ) {
      this.send({
        ...this.empty(-1),
        created: true,
        canceled: true,
        cancelReason: "mvcc: watcher range is empty",
      });
      return;
    }
    let id: number;
    if (c.watchId !== 0n) {
      id = Number(c.watchId);
      if (this.watchers.has(id)) {
        this.send({
          ...this.empty(id),
          created: true,
          canceled: true,
          cancelReason: "mvcc: duplicate watch ID provided on the WatchStream",
        });
        return;
      }
    } else {
      while (this.watchers.has(this.nextWatchId)) this.nextWatchId++;
      id = this.nextWatchId++;
    }
    const store = this.s.kv.store;
    const startRevision = Number(c.startRevision);
    // The created notice comes first, with the revision the watch starts after.
    this.send({ ...this.empty(id), created: true });
    if (startRevision > 0 && startRevision <= store.compactRevision) {
      this.send({
        ...this.empty(id),
        header: { ...this.header(0), revision: 0n },
        canceled: true,
        compactRevision: BigInt(store.compactRevision),
        cancelReason: "etcdserver: mvcc: required revision has been compacted",
      });
      return;
    }
    const handle = this.s.kv.watch(
      {
        key: c.key,
        rangeEnd,
        startRevision,
        prevKv: c.prevKv,
        filters: c.filters.map((f) => f as number as 0 | 1),
      },
      (resp: WatchResponse) => this.deliver(id, resp),
    );
    this.watchers.set(id, { handle, progressNotify: c.progressNotify });
  }

  private deliver(id: number, resp: WatchResponse): boolean {
    if (this.closed) return true;
    if (resp.canceled) {
      this.watchers.delete(id);
      this.send({
        ...this.empty(id),
        header: this.header(resp.revision),
        canceled: true,
        compactRevision: BigInt(resp.compactRevision ?? 0),
        cancelReason: resp.compactRevision
          ? "etcdserver: mvcc: required revision has been compacted"
          : "",
      });
      return true;
    }
    const ok = this.send(
      encodeEventsResponse(this.encodedHeader(resp.revision), id, resp.events.map(encodedEvent)),
    );
    if (!ok) {
      const w = this.watchers.get(id);
      if (w) this.paused.add(w.handle);
    }
    return ok;
  }

  private encodedHeader(revision: number): Uint8Array {
    const h = this.header(revision);
    const last = this.lastHeader?.header;
    if (
      last &&
      last.revision === h.revision &&
      last.raftTerm === h.raftTerm &&
      last.memberId === h.memberId &&
      last.clusterId === h.clusterId
    ) {
      return this.lastHeader!.bytes;
    }
    const bytes = encodedHeader(h);
    this.lastHeader = { header: h, bytes };
    return bytes;
  }

  private cancel(id: number): void {
    const w = this.watchers.get(id);
    if (!w) return;
    w.handle.cancel();
    this.watchers.delete(id);
    this.send({ ...this.empty(id), canceled: true });
  }

  private sendProgressNotifications(): void {
    for (const w of this.watchers.values()) {
      if (w.progressNotify) w.handle.requestProgress();
    }
  }
}
