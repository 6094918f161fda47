// Lease service: grant, revoke, time-to-live, list, and keep-alive over a bidirectional stream.
import {
  LeaseGrantRequest,
  LeaseKeepAliveRequest,
  LeaseLeasesRequest,
  LeaseRevokeRequest,
  LeaseService,
  LeaseTimeToLiveRequest,
} from "../../proto/gen/etcdserverpb/rpc.js";
import type {
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveResponse,
} from "../../proto/gen/etcdserverpb/rpc.js";
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { CallOptions, Core } from "./core.js";
import { EtcdClientError } from "./errors.js";
import type { Input } from "./input.js";
import { DuplexStream } from "./streams.js";

/** Shortest pause between keep-alives, whatever the TTL says. */
const MIN_KEEPALIVE_INTERVAL_MS = 500;
/** Pause before reopening a broken keep-alive stream. */
const RECONNECT_DELAY_MS = 200;

export class Lease {
  constructor(private readonly core: Core) {}

  grant(req: Input<typeof LeaseGrantRequest>, opts?: CallOptions): Promise<LeaseGrantResponse> {
    return this.core.unary(
      LeaseService.leaseGrant,
      LeaseGrantRequest.fromPartial(req),
      "write",
      opts,
    );
  }

  revoke(req: Input<typeof LeaseRevokeRequest>, opts?: CallOptions): Promise<LeaseRevokeResponse> {
    return this.core.unary(
      LeaseService.leaseRevoke,
      LeaseRevokeRequest.fromPartial(req),
      "write",
      opts,
    );
  }

  timeToLive(
    req: Input<typeof LeaseTimeToLiveRequest>,
    opts?: CallOptions,
  ): Promise<LeaseTimeToLiveResponse> {
    return this.core.unary(
      LeaseService.leaseTimeToLive,
      LeaseTimeToLiveRequest.fromPartial(req),
      "read",
      opts,
    );
  }

  leases(opts?: CallOptions): Promise<LeaseLeasesResponse> {
    return this.core.unary(
      LeaseService.leaseLeases,
      LeaseLeasesRequest.fromPartial({}),
      "read",
      opts,
    );
  }

  /** The raw keep-alive stream: send `{ ID }`, read responses. */
  async keepAliveStream(
    opts: CallOptions = {},
  ): Promise<DuplexStream<LeaseKeepAliveRequest, LeaseKeepAliveResponse>> {
    const { conn, call } = await this.core.openDuplex(LeaseService.leaseKeepAlive, {
      ...opts,
      timeoutMs: opts.timeoutMs ?? 0,
      requireLeader: true,
    });
    return new DuplexStream(call, conn.endpoint);
  }

  /**
   * One keep-alive round trip. A response with TTL <= 0 means the lease is gone (the server does
   * not answer that with an error).
   */
  async keepAliveOnce(id: bigint, opts: CallOptions = {}): Promise<LeaseKeepAliveResponse> {
    const deadlineMs = this.core.deadlineFor(opts);
    const timeoutMs = Number.isFinite(deadlineMs) ? deadlineMs - Date.now() : 0;
    const stream = await this.keepAliveStream({ ...opts, timeoutMs: Math.max(1, timeoutMs) });
    try {
      stream.send(LeaseKeepAliveRequest.fromPartial({ ID: id }));
      const resp = await stream.next();
      if (resp === undefined) throw new Error("lease keep-alive stream ended without a response");
      return resp;
    } finally {
      stream.close();
    }
  }

  /**
   * Keeps a lease alive until the returned iterable is left or the lease expires: yields each
   * response, sends the next request after a third of the TTL, ends after a response with TTL <= 0.
   * A stream broken by a transport failure is reopened (next endpoint), as clientv3 does.
   */
  async *keepAlive(
    id: bigint,
    opts: CallOptions = {},
  ): AsyncGenerator<LeaseKeepAliveResponse, void, undefined> {
    let stream = await this.keepAliveStream(opts);
    try {
      for (;;) {
        let resp: LeaseKeepAliveResponse | undefined;
        try {
          stream.send(LeaseKeepAliveRequest.fromPartial({ ID: id }));
          resp = await stream.next();
          if (resp === undefined)
            throw new EtcdClientError("keep-alive stream ended", { code: GrpcStatus.UNAVAILABLE });
        } catch (err) {
          if (opts.signal?.aborted || !isTransportError(err)) throw err;
          stream.close();
          this.core.pool.rotateFrom(stream.endpoint);
          await sleep(RECONNECT_DELAY_MS, opts.signal);
          stream = await this.reopen(opts);
          continue;
        }
        yield resp;
        if (resp.TTL <= 0n) return;
        const waitMs = Math.max(MIN_KEEPALIVE_INTERVAL_MS, (Number(resp.TTL) * 1000) / 3);
        await sleep(waitMs, opts.signal);
        if (opts.signal?.aborted) return;
      }
    } finally {
      stream.close();
    }
  }

  /** Opens a keep-alive stream, waiting through deadline errors until one opens or we are aborted. */
  private async reopen(
    opts: CallOptions,
  ): Promise<DuplexStream<LeaseKeepAliveRequest, LeaseKeepAliveResponse>> {
    for (;;) {
      try {
        return await this.keepAliveStream(opts);
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        if (!(err instanceof EtcdClientError) || err.code !== GrpcStatus.DEADLINE_EXCEEDED)
          throw err;
      }
    }
  }
}

/** A failure of the connection rather than an answer of the server. */
function isTransportError(err: unknown): boolean {
  return (
    err instanceof EtcdClientError &&
    err.code === GrpcStatus.UNAVAILABLE &&
    !err.message.startsWith("etcdserver:")
  );
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
