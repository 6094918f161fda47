// The gRPC connection a v3 command talks over: one channel to the first endpoint, typed
// service clients sharing it, etcdctl's deadlines and auth token, and the mapping of gRPC
// failures to etcdctl's error texts. Loaded lazily (grpc-js and the protos are heavy).
// It stands in for the v3 client library (src/client/v3) until that exists.
import * as grpc from "@grpc/grpc-js";
import fs from "node:fs";
import * as pb from "../../src/proto/index.js";
import { CommandError, ExitCode } from "../errors.js";
import type { GlobalOptions } from "./globals.js";

type Callback<Res> = (err: grpc.ServiceError | null, res?: Res) => void;
export type Invoke<Res> = (
  md: grpc.Metadata,
  opts: Partial<grpc.CallOptions>,
  cb: Callback<Res>,
) => unknown;

/** host:port for a `--endpoints` entry (which may be a URL). */
export function endpointAddress(endpoint: string): string {
  return endpoint.replace(/^(https?|unixs?):\/\//, "").replace(/\/+$/, "");
}

function credentials(g: GlobalOptions, endpoint: string): grpc.ChannelCredentials {
  const secure =
    endpoint.startsWith("https://") ||
    g.cacert !== undefined ||
    g.cert !== undefined ||
    !g.insecureTransport;
  if (!secure) return grpc.credentials.createInsecure();
  const read = (f: string | undefined) => (f === undefined ? null : fs.readFileSync(f));
  return grpc.credentials.createSsl(
    read(g.cacert),
    read(g.key),
    read(g.cert),
    g.insecureSkipTlsVerify ? { checkServerIdentity: () => undefined } : {},
  );
}

/** etcdctl's text for a failed RPC: the server's message, or Go's context errors. */
export function rpcErrorText(err: grpc.ServiceError): string {
  if (err.code === grpc.status.DEADLINE_EXCEEDED) return "context deadline exceeded";
  if (err.code === grpc.status.CANCELLED) return "context canceled";
  return err.details || err.message;
}

export class Conn {
  readonly channel: grpc.Channel;
  readonly kv: pb.KVClient;
  readonly watchClient: pb.WatchClient;
  readonly lease: pb.LeaseClient;
  readonly cluster: pb.ClusterClient;
  readonly maintenance: pb.MaintenanceClient;
  readonly auth: pb.AuthClient;
  readonly lock: pb.LockClient;
  readonly election: pb.ElectionClient;
  private token: string | undefined;

  constructor(
    readonly globals: GlobalOptions,
    readonly endpoint: string,
  ) {
    const address = endpointAddress(endpoint);
    const options: grpc.ChannelOptions = {
      "grpc.keepalive_time_ms": globals.keepaliveTimeMs,
      "grpc.keepalive_timeout_ms": globals.keepaliveTimeoutMs,
      "grpc.max_receive_message_length": -1,
      "grpc.max_send_message_length": 2 * 1024 * 1024,
      "grpc.enable_retries": 0,
    };
    this.channel = new grpc.Channel(address, credentials(globals, endpoint), options);
    const shared = { channelOverride: this.channel };
    const insecure = grpc.credentials.createInsecure();
    this.kv = new pb.KVClient(address, insecure, shared);
    this.watchClient = new pb.WatchClient(address, insecure, shared);
    this.lease = new pb.LeaseClient(address, insecure, shared);
    this.cluster = new pb.ClusterClient(address, insecure, shared);
    this.maintenance = new pb.MaintenanceClient(address, insecure, shared);
    this.auth = new pb.AuthClient(address, insecure, shared);
    this.lock = new pb.LockClient(address, insecure, shared);
    this.election = new pb.ElectionClient(address, insecure, shared);
  }

  /** Per-call metadata: waits for the connection (as etcdctl does) and carries the token. */
  metadata(): grpc.Metadata {
    const md = new grpc.Metadata({ waitForReady: true });
    if (this.token !== undefined) md.set("token", this.token);
    return md;
  }

  /** One unary RPC bounded by --command-timeout (or `timeoutMs`); failures → CommandError(1). */
  call<Res>(invoke: Invoke<Res>, timeoutMs = this.globals.commandTimeoutMs): Promise<Res> {
    return this.rawCall(invoke, timeoutMs).catch((err: unknown) => {
      throw toCommandError(err);
    });
  }

  /** Like call() but rejects with the grpc ServiceError itself. */
  rawCall<Res>(invoke: Invoke<Res>, timeoutMs = this.globals.commandTimeoutMs): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
      invoke(this.metadata(), { deadline }, (err, res) => {
        if (err !== null) reject(err);
        else if (res === undefined) reject(new Error("empty gRPC response"));
        else resolve(res);
      });
    });
  }

  /** Logs in with --user/--password; bad credentials exit 2 as etcdctl's client setup does. */
  async authenticate(name: string, password: string): Promise<void> {
    try {
      const resp = await this.rawCall<pb.AuthenticateResponse>(
        (md, opts, cb) => this.auth.authenticate({ name, password }, md, opts, cb),
        this.globals.dialTimeoutMs + this.globals.commandTimeoutMs,
      );
      this.token = resp.token;
    } catch (err) {
      throw new CommandError(ExitCode.BadConnection, errorText(err));
    }
  }

  close(): void {
    for (const c of [
      this.kv,
      this.watchClient,
      this.lease,
      this.cluster,
      this.maintenance,
      this.auth,
      this.lock,
      this.election,
    ])
      c.close();
    this.channel.close();
  }
}

function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === "number";
}

export function errorText(err: unknown): string {
  if (isServiceError(err)) return rpcErrorText(err);
  return err instanceof Error ? err.message : String(err);
}

export function toCommandError(err: unknown, exitCode: number = ExitCode.Error): CommandError {
  if (err instanceof CommandError) return err;
  return new CommandError(exitCode, errorText(err));
}

/** Splits `--user name[:password]`; prompts on the terminal when no password is given. */
async function credentialsFor(g: GlobalOptions): Promise<[string, string] | undefined> {
  if (g.user === undefined) return undefined;
  if (g.password !== undefined) {
    if (g.user.includes(":"))
      throw new CommandError(
        ExitCode.BadArgs,
        "If --password is specified, --user shouldn't include password",
      );
    return [g.user, g.password];
  }
  const i = g.user.indexOf(":");
  if (i >= 0) return [g.user.slice(0, i), g.user.slice(i + 1)];
  const { promptPassword } = await import("./prompt.js");
  return [g.user, await promptPassword("Password: ")];
}

/** A connection to the first endpoint, logged in when --user is given. */
export async function connect(g: GlobalOptions, endpoint = g.endpoints[0]): Promise<Conn> {
  if (endpoint === undefined) throw new CommandError(ExitCode.BadArgs, "no endpoints given");
  const conn = new Conn(g, endpoint);
  const creds = await credentialsFor(g);
  if (creds !== undefined) await conn.authenticate(creds[0], creds[1]);
  return conn;
}
