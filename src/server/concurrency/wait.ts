// Waiting on keys: a pull-style queue over an in-process watcher (cancellable with an
// AbortSignal, so a caller that goes away leaves no watcher behind), and the "wait until
// every older key under a prefix is gone" step the lock and election recipes share.
import type * as pb from "../../proto/index.js";
import { EtcdError, GrpcCode } from "../../errors.js";
import type { WatchRequest, WatchResponse } from "../../mvcc/watchable.js";
import { EventType } from "../../mvcc/types.js";
import type { ConcurrencyBackend } from "./backend.js";
import { topByCreate } from "./backend.js";

/** Bound on undelivered watch responses per queue; a consumer this slow gets paused. */
const MAX_QUEUED_RESPONSES = 64;

/** The error a cancelled wait ends with (gRPC's context-canceled status). */
export function canceledError(): EtcdError {
  return new EtcdError(GrpcCode.CANCELLED, "context canceled");
}

/**
 * etcd runs these recipes over an embedded client, whose errors reach the caller as plain
 * errors: status UNKNOWN with the original text (a cancelled wait stays CANCELLED).
 */
export function asRecipeError(err: unknown): unknown {
  const e = err as { code?: unknown; message?: unknown };
  if (e.code === GrpcCode.CANCELLED || typeof e.message !== "string") return err;
  return new EtcdError(GrpcCode.UNKNOWN, e.message);
}

export function compactedWatchError(): EtcdError {
  return new EtcdError(
    GrpcCode.OUT_OF_RANGE,
    "etcdserver: mvcc: required revision has been compacted",
  );
}

export class WatchQueue {
  private readonly queued: WatchResponse[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private paused = false;
  private readonly handle;
  private readonly onAbort = () => this.close();

  constructor(
    b: ConcurrencyBackend,
    req: WatchRequest,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener("abort", this.onAbort, { once: true });
    this.handle = b.watch(req, (resp) => {
      if (this.closed) return true;
      this.queued.push(resp);
      this.wake?.();
      if (this.queued.length >= MAX_QUEUED_RESPONSES) {
        this.paused = true;
        return false;
      }
      return true;
    });
    if (signal.aborted) this.close();
  }

  /** The next response; rejects once the signal aborts or the watch is canceled. */
  async next(): Promise<WatchResponse> {
    for (;;) {
      if (this.signal.aborted) throw canceledError();
      const r = this.queued.shift();
      if (r) {
        if (this.paused && this.queued.length === 0) {
          this.paused = false;
          this.handle.resume();
        }
        if (r.canceled) {
          this.close();
          throw compactedWatchError();
        }
        return r;
      }
      if (this.closed) throw canceledError();
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.signal.removeEventListener("abort", this.onAbort);
    this.handle.cancel();
    this.wake?.();
  }
}

/** Resolves once `key` is deleted at or after `fromRevision`. */
export async function waitDelete(
  b: ConcurrencyBackend,
  key: Buffer,
  fromRevision: bigint,
  signal: AbortSignal,
): Promise<void> {
  const q = new WatchQueue(b, { key, startRevision: Number(fromRevision) }, signal);
  try {
    for (;;) {
      const r = await q.next();
      if (r.events.some((e) => e.type === EventType.DELETE)) return;
    }
  } finally {
    q.close();
  }
}

/**
 * Waits until no key under `prefix` has a create revision ≤ `maxCreateRevision`, newest
 * first; answers with the header of the read that found none.
 */
export async function waitDeletes(
  b: ConcurrencyBackend,
  prefix: Buffer,
  maxCreateRevision: bigint,
  signal: AbortSignal,
): Promise<pb.ResponseHeader> {
  for (;;) {
    if (signal.aborted) throw canceledError();
    const res = await b.range(topByCreate(prefix, "last", maxCreateRevision));
    const last = res.kvs[0];
    if (!last) return res.header!;
    await waitDelete(b, last.key, res.header!.revision, signal);
  }
}
