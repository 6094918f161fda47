// The connection pool: one gRPC channel per endpoint, a sticky "current" endpoint, and the
// failover policy (which failures move to the next endpoint and may be retried).
import { Client, connectivityState } from "@grpc/grpc-js";
import type { ChannelCredentials } from "@grpc/grpc-js";
import type { ParsedEndpoint } from "./options.js";

export interface Conn {
  endpoint: string;
  target: string;
  client: Client;
}

export type ReadyResult = { ok: true } | { ok: false; reason: "timeout" | "failure" };

export class EndpointPool {
  readonly conns: Conn[];
  private current = 0;
  private closed = false;

  constructor(
    endpoints: ParsedEndpoint[],
    creds: ChannelCredentials,
    channelOpts: Record<string, number | string>,
  ) {
    if (endpoints.length === 0) throw new Error("no endpoints");
    this.conns = endpoints.map((e) => ({
      endpoint: e.endpoint,
      target: e.target,
      client: new Client(e.target, creds, channelOpts),
    }));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  pick(): Conn {
    const conn = this.conns[this.current];
    if (conn === undefined) throw new Error("endpoint pool is empty");
    return conn;
  }

  /** Moves past `failed` (if it is still the current one) to the next endpoint. */
  rotate(failed: Conn): void {
    if (this.conns[this.current] === failed) this.current = (this.current + 1) % this.conns.length;
  }

  /** Like rotate, for the connection of `endpoint`. */
  rotateFrom(endpoint: string): void {
    const conn = this.conns.find((c) => c.endpoint === endpoint);
    if (conn !== undefined) this.rotate(conn);
  }

  /**
   * Waits until `conn` is connected, it fails to connect, or `deadlineMs` (epoch ms) passes.
   * A channel in TRANSIENT_FAILURE counts as failed at once so callers can move on.
   */
  waitReady(conn: Conn, deadlineMs: number): Promise<ReadyResult> {
    const channel = conn.client.getChannel();
    return new Promise((resolve) => {
      const check = (): void => {
        const state = channel.getConnectivityState(true);
        if (state === connectivityState.READY) return resolve({ ok: true });
        if (state === connectivityState.TRANSIENT_FAILURE || state === connectivityState.SHUTDOWN) {
          return resolve({ ok: false, reason: "failure" });
        }
        if (Date.now() >= deadlineMs) return resolve({ ok: false, reason: "timeout" });
        channel.watchConnectivityState(state, deadlineMs, (err) => {
          if (err) return resolve({ ok: false, reason: "timeout" });
          check();
        });
      };
      check();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.conns) c.client.close();
  }
}
