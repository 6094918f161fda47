// EtcdClient: the v3 client library. One object per set of endpoints; services hang off it
// (`client.kv.put(...)`, `client.lease.grant(...)`), and `forEndpoint` gives a client bound to a
// single member for the per-endpoint commands (endpoint status/health/hashkv, defrag).
import { Auth } from "./auth.js";
import { Cluster } from "./cluster.js";
import { Core } from "./core.js";
import { Election } from "./election.js";
import { KV } from "./kv.js";
import { Lease } from "./lease.js";
import { Lock } from "./lock.js";
import { Maintenance } from "./maintenance.js";
import type { ClientOptions } from "./options.js";
import { openWatchStream } from "./watch.js";
import type { WatchStream, WatchStreamOptions } from "./watch.js";
import type { Input } from "./input.js";
import type { WatchCreateRequest } from "../../proto/gen/etcdserverpb/rpc.js";

export class EtcdClient {
  readonly kv: KV;
  readonly lease: Lease;
  readonly cluster: Cluster;
  readonly maintenance: Maintenance;
  readonly auth: Auth;
  readonly lock: Lock;
  readonly election: Election;
  private readonly core: Core;
  private readonly children = new Map<string, EtcdClient>();

  constructor(options: ClientOptions = {}, core?: Core) {
    this.core = core ?? new Core(options);
    this.kv = new KV(this.core);
    this.lease = new Lease(this.core);
    this.cluster = new Cluster(this.core);
    this.maintenance = new Maintenance(this.core);
    this.auth = new Auth(this.core);
    this.lock = new Lock(this.core);
    this.election = new Election(this.core);
  }

  get endpoints(): string[] {
    return this.core.endpoints;
  }

  get options(): Readonly<ClientOptions> {
    return this.core.options;
  }

  /** A client talking only to `endpoint`, sharing options and auth token; closed with this one. */
  forEndpoint(endpoint: string): EtcdClient {
    let child = this.children.get(endpoint);
    if (child === undefined) {
      child = new EtcdClient(this.core.options, this.core.child(endpoint));
      this.children.set(endpoint, child);
    }
    return child;
  }

  /** Opens an empty watch stream; send create/cancel/progress requests on it. */
  watchStream(opts?: WatchStreamOptions): Promise<WatchStream> {
    return openWatchStream(this.core, opts);
  }

  /** Opens a watch stream with one watcher; the first response is its `created` message. */
  async watch(
    req: Input<typeof WatchCreateRequest>,
    opts?: WatchStreamOptions,
  ): Promise<WatchStream> {
    const stream = await openWatchStream(this.core, opts);
    stream.create(req);
    return stream;
  }

  /**
   * Logs in now with the user/password options (otherwise done on the first call): errors such
   * as a wrong password surface here. A server without auth is not an error. Default deadline:
   * dialTimeoutMs + commandTimeoutMs.
   */
  async login(timeoutMs = this.core.dialTimeoutMs + this.core.commandTimeoutMs): Promise<void> {
    await this.core.ensureAuth(Date.now() + timeoutMs);
  }

  /** Waits until some endpoint is connected (or fails with `context deadline exceeded`). */
  async connect(timeoutMs = this.core.dialTimeoutMs): Promise<string> {
    const conn = await this.core.readyConn(Date.now() + timeoutMs);
    return conn.endpoint;
  }

  close(): void {
    for (const child of this.children.values()) child.close();
    this.children.clear();
    this.core.close();
  }
}
