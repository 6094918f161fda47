// The call engine under every service wrapper: deadlines, endpoint failover with safe retries,
// authentication (token in metadata, one re-authentication on an expired token), and stream
// opening. Service modules only pick the method and the retry class.
import { Metadata, status as GrpcStatus } from "@grpc/grpc-js";
import type {
  CallOptions as GrpcCallOptions,
  ClientDuplexStream,
  ClientReadableStream,
} from "@grpc/grpc-js";
import { AuthenticateRequest, AuthService } from "../../proto/gen/etcdserverpb/rpc.js";
import {
  DEADLINE_EXCEEDED_TEXT,
  CANCELED_TEXT,
  EtcdClientError,
  fromGrpcError,
  isConnectFailure,
  isTransportUnavailable,
} from "./errors.js";
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_ENDPOINT,
  channelOptions,
  makeCredentials,
  parseEndpoint,
  wantsTls,
} from "./options.js";
import type { ClientOptions } from "./options.js";
import { EndpointPool } from "./transport.js";
import type { Conn } from "./transport.js";

/** Per-call options every wrapper accepts. */
export interface CallOptions {
  /** Overrides commandTimeoutMs for this call; 0 = no deadline. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The fields of a generated method definition the engine needs. */
export interface MethodDef<Req, Res> {
  path: string;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(value: Buffer): Res;
}

/**
 * `read`: safe to send again anywhere (no side effects). `write`: resent only when the first
 * attempt surely never reached a server (the connection could not be established).
 */
export type RetryClass = "read" | "write";

const AUTH_NOT_ENABLED = "etcdserver: authentication is not enabled";
const INVALID_TOKEN = "etcdserver: invalid auth token";
const MAX_BACKOFF_MS = 500;

/** Token state shared between a client and its per-endpoint children. */
export class AuthState {
  token: string | undefined;
  /** True once Authenticate said auth is off; no token is sent then. */
  disabled = false;
  pending: Promise<void> | undefined;
}

export class Core {
  readonly options: Readonly<ClientOptions>;
  readonly pool: EndpointPool;
  readonly dialTimeoutMs: number;
  readonly commandTimeoutMs: number;
  private readonly auth: AuthState;

  constructor(options: ClientOptions, auth?: AuthState) {
    this.options = options;
    const endpoints = (options.endpoints?.length ? options.endpoints : [DEFAULT_ENDPOINT]).map(
      parseEndpoint,
    );
    const creds = makeCredentials(options, wantsTls(options, endpoints));
    this.pool = new EndpointPool(endpoints, creds, channelOptions(options));
    this.dialTimeoutMs = options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.auth = auth ?? new AuthState();
  }

  /** A Core for one endpoint that shares this one's options and auth token. */
  child(endpoint: string): Core {
    return new Core({ ...this.options, endpoints: [endpoint] }, this.auth);
  }

  get endpoints(): string[] {
    return this.pool.conns.map((c) => c.endpoint);
  }

  close(): void {
    this.pool.close();
  }

  deadlineFor(opts: CallOptions | undefined): number {
    const timeoutMs = opts?.timeoutMs ?? this.commandTimeoutMs;
    return timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  }

  async unary<Req, Res>(
    def: MethodDef<Req, Res>,
    request: Req,
    retry: RetryClass,
    opts?: CallOptions,
  ): Promise<Res> {
    const deadlineMs = this.deadlineFor(opts);
    // Logging in needs no token (and must not log in first).
    const isLogin = def.path === AuthService.authenticate.path;
    if (!isLogin) await this.ensureAuth(deadlineMs, opts?.signal);
    let reauthenticated = isLogin;
    for (;;) {
      try {
        return await this.unaryWithFailover(def, request, retry, deadlineMs, opts?.signal);
      } catch (err) {
        if (
          !reauthenticated &&
          err instanceof EtcdClientError &&
          err.message === INVALID_TOKEN &&
          this.hasCredentials()
        ) {
          reauthenticated = true;
          this.auth.token = undefined;
          await this.ensureAuth(deadlineMs, opts?.signal);
          continue;
        }
        throw err;
      }
    }
  }

  /** One logical call: tries endpoints in turn until one answers or the deadline passes. */
  private async unaryWithFailover<Req, Res>(
    def: MethodDef<Req, Res>,
    request: Req,
    retry: RetryClass,
    deadlineMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Res> {
    let failures = 0;
    let lastTransportError: string | undefined;
    let lastConn: Conn | undefined;
    for (;;) {
      this.checkAlive(signal);
      if (Date.now() >= deadlineMs) {
        throw new EtcdClientError(DEADLINE_EXCEEDED_TEXT, {
          code: GrpcStatus.DEADLINE_EXCEEDED,
          endpoint: lastConn?.endpoint,
          transportError: lastTransportError,
          unreachable: lastTransportError !== undefined,
        });
      }
      const conn = this.pool.pick();
      lastConn = conn;
      const ready = await this.pool.waitReady(
        conn,
        Math.min(deadlineMs, Date.now() + this.dialTimeoutMs),
      );
      if (!ready.ok && ready.reason === "timeout") {
        // Still connecting when the dial (or the whole call) ran out of time.
        lastTransportError ??= `connect ETIMEDOUT ${conn.target}`;
        this.pool.rotate(conn);
        continue;
      }
      try {
        return await this.callOnce(conn, def, request, deadlineMs, signal);
      } catch (err) {
        const canRetry = isConnectFailure(err) || (retry === "read" && isTransportUnavailable(err));
        if (!canRetry) {
          if (
            isTransportUnavailable(err) ||
            (err as { code?: unknown }).code === GrpcStatus.DEADLINE_EXCEEDED
          ) {
            const wrapped = fromGrpcError(err, conn.endpoint);
            throw new EtcdClientError(wrapped.message, {
              code: wrapped.code,
              endpoint: conn.endpoint,
              transportError: lastTransportError ?? lastErrorOf(err),
              unreachable: lastTransportError !== undefined,
              cause: err,
            });
          }
          throw fromGrpcError(err, conn.endpoint);
        }
        lastTransportError = lastErrorOf(err);
        this.pool.rotate(conn);
        failures++;
        if (failures % this.pool.conns.length === 0) {
          const backoffMs = Math.min(
            MAX_BACKOFF_MS,
            25 * 2 ** Math.min(failures / this.pool.conns.length, 5),
          );
          await sleep(Math.max(0, Math.min(backoffMs, deadlineMs - Date.now())), signal);
        }
      }
    }
  }

  private callOnce<Req, Res>(
    conn: Conn,
    def: MethodDef<Req, Res>,
    request: Req,
    deadlineMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const callOpts: GrpcCallOptions = {};
      if (Number.isFinite(deadlineMs)) callOpts.deadline = new Date(deadlineMs);
      const call = conn.client.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        this.metadata(false),
        callOpts,
        (err, value) => {
          signal?.removeEventListener("abort", onAbort);
          if (err) reject(err);
          else if (value === undefined) reject(new Error(`${def.path}: empty response`));
          else resolve(value);
        },
      );
      const onAbort = (): void => call.cancel();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Finds a connected endpoint (failing over like unary calls) and opens a stream on it.
   * Streams are not retried: their owners (watch, keep-alive) decide how to resume.
   */
  async readyConn(deadlineMs: number, signal?: AbortSignal): Promise<Conn> {
    let failures = 0;
    for (;;) {
      this.checkAlive(signal);
      const conn = this.pool.pick();
      const ready = await this.pool.waitReady(
        conn,
        Math.min(deadlineMs, Date.now() + this.dialTimeoutMs),
      );
      if (ready.ok) return conn;
      if (Date.now() >= deadlineMs) {
        throw new EtcdClientError(DEADLINE_EXCEEDED_TEXT, {
          code: GrpcStatus.DEADLINE_EXCEEDED,
          endpoint: conn.endpoint,
          unreachable: true,
        });
      }
      this.pool.rotate(conn);
      failures++;
      if (failures % this.pool.conns.length === 0) {
        await sleep(Math.max(0, Math.min(100, deadlineMs - Date.now())), signal);
      }
    }
  }

  async openDuplex<Req, Res>(
    def: MethodDef<Req, Res>,
    opts: CallOptions & { requireLeader?: boolean; openTimeoutMs?: number },
  ): Promise<{ conn: Conn; call: ClientDuplexStream<Req, Res> }> {
    const openDeadline = Date.now() + (opts.openTimeoutMs ?? this.commandTimeoutMs);
    await this.ensureAuth(openDeadline, opts.signal);
    const conn = await this.readyConn(openDeadline, opts.signal);
    const callOpts: GrpcCallOptions = {};
    const deadlineMs =
      opts.timeoutMs !== undefined && opts.timeoutMs > 0 ? Date.now() + opts.timeoutMs : Infinity;
    if (Number.isFinite(deadlineMs)) callOpts.deadline = new Date(deadlineMs);
    const call = conn.client.makeBidiStreamRequest(
      def.path,
      def.requestSerialize,
      def.responseDeserialize,
      this.metadata(opts.requireLeader ?? false),
      callOpts,
    );
    opts.signal?.addEventListener("abort", () => call.cancel(), { once: true });
    return { conn, call };
  }

  async openServerStream<Req, Res>(
    def: MethodDef<Req, Res>,
    request: Req,
    opts: CallOptions & { openTimeoutMs?: number },
  ): Promise<{ conn: Conn; call: ClientReadableStream<Res> }> {
    const openDeadline = Date.now() + (opts.openTimeoutMs ?? this.commandTimeoutMs);
    await this.ensureAuth(openDeadline, opts.signal);
    const conn = await this.readyConn(openDeadline, opts.signal);
    const callOpts: GrpcCallOptions = {};
    const deadlineMs =
      opts.timeoutMs !== undefined && opts.timeoutMs > 0 ? Date.now() + opts.timeoutMs : Infinity;
    if (Number.isFinite(deadlineMs)) callOpts.deadline = new Date(deadlineMs);
    const call = conn.client.makeServerStreamRequest(
      def.path,
      def.requestSerialize,
      def.responseDeserialize,
      request,
      this.metadata(false),
      callOpts,
    );
    opts.signal?.addEventListener("abort", () => call.cancel(), { once: true });
    return { conn, call };
  }

  metadata(requireLeader: boolean): Metadata {
    const md = new Metadata();
    for (const [k, v] of Object.entries(this.options.metadata ?? {})) md.set(k, v);
    if (this.auth.token !== undefined) md.set("token", this.auth.token);
    if (requireLeader) md.set("hasleader", "true");
    return md;
  }

  /**
   * Records the outcome of an explicit Authenticate made with this client's own credentials, so
   * the next call does not log in a second time.
   */
  adoptAuthentication(
    name: string,
    password: string,
    outcome: { token: string } | EtcdClientError,
  ): void {
    if (
      !this.hasCredentials() ||
      name !== this.options.user ||
      password !== (this.options.password ?? "")
    ) {
      return;
    }
    if (outcome instanceof EtcdClientError) {
      if (outcome.message === AUTH_NOT_ENABLED) this.auth.disabled = true;
      return;
    }
    this.auth.token = outcome.token;
  }

  private hasCredentials(): boolean {
    return this.options.user !== undefined && this.options.user !== "";
  }

  /** Authenticates once (shared by concurrent callers) when credentials are configured. */
  async ensureAuth(deadlineMs: number, signal?: AbortSignal): Promise<void> {
    if (!this.hasCredentials() || this.auth.token !== undefined || this.auth.disabled) return;
    if (this.auth.pending === undefined) {
      this.auth.pending = this.authenticate(deadlineMs, signal).finally(() => {
        this.auth.pending = undefined;
      });
    }
    await this.auth.pending;
  }

  private async authenticate(deadlineMs: number, signal?: AbortSignal): Promise<void> {
    const request = AuthenticateRequest.fromPartial({
      name: this.options.user ?? "",
      password: this.options.password ?? "",
    });
    try {
      const resp = await this.unaryWithFailover(
        AuthService.authenticate,
        request,
        "read",
        deadlineMs,
        signal,
      );
      this.auth.token = resp.token;
    } catch (err) {
      // clientv3 treats a server without auth as "no token needed", not as an error.
      if (err instanceof EtcdClientError && err.message === AUTH_NOT_ENABLED) {
        this.auth.disabled = true;
        return;
      }
      throw err;
    }
  }

  private checkAlive(signal: AbortSignal | undefined): void {
    if (this.pool.isClosed) {
      throw new EtcdClientError("grpc: the client connection is closing", {
        code: GrpcStatus.CANCELLED,
      });
    }
    if (signal?.aborted) throw new EtcdClientError(CANCELED_TEXT, { code: GrpcStatus.CANCELLED });
  }
}

function lastErrorOf(err: unknown): string {
  const details = String((err as { details?: unknown }).details ?? err);
  const m = /Last error: (.*?)(\. Resolution note|$)/.exec(details);
  return m?.[1] ?? details;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
