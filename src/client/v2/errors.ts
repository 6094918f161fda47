// Errors of the v2 client, shaped like the Go client's so etcdctl's texts can be reproduced:
// a server error body ({errorCode, message, cause, index}), a cluster-wide connection failure
// (`client: etcd cluster is unavailable or misconfigured; error #0: ...`), and a non-etcd reply.

export class V2Error extends Error {
  readonly errorCode: number;
  /** The body's `cause` (usually the key), when sent. */
  override readonly cause: string | undefined;
  readonly index: number;
  readonly status: number;
  readonly endpoint: string;

  /** `message` is the body's message unchanged (`Key not found`). */
  constructor(
    body: { errorCode: number; message: string; cause?: string; index?: number },
    status: number,
    endpoint: string,
  ) {
    super(body.message);
    this.name = "V2Error";
    this.errorCode = body.errorCode;
    this.cause = body.cause;
    this.index = body.index ?? 0;
    this.status = status;
    this.endpoint = endpoint;
  }

  /** The Go client's text, which etcdctl prints: `100: Key not found (/foo) [38]`. */
  goText(): string {
    return `${this.errorCode}: ${this.message} (${this.cause ?? ""}) [${this.index}]`;
  }
}

/** A non-keys endpoint answered with an error status, e.g. members: `{"message":"..."}`. */
export class V2HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly endpoint: string,
  ) {
    super(message);
    this.name = "V2HttpError";
  }
}

/** No endpoint could be reached. `errors` are Go-style per-endpoint texts. */
export class V2ClusterError extends Error {
  constructor(readonly errors: string[]) {
    super(
      "client: etcd cluster is unavailable or misconfigured" +
        errors.map((e, i) => `; error #${i}: ${e}`).join(""),
    );
    this.name = "V2ClusterError";
  }

  /** Go's ClusterError.Detail(): one `error #i: ...` line per endpoint. */
  detail(): string {
    return this.errors.map((e, i) => `error #${i}: ${e}\n`).join("");
  }
}

export const INVALID_JSON_TEXT =
  "client: response is invalid json. The endpoint is probably not valid etcd cluster endpoint";

export class V2InvalidResponseError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly endpoint: string,
  ) {
    super(INVALID_JSON_TEXT);
    this.name = "V2InvalidResponseError";
  }
}

/** The request's own deadline passed (Go: `context deadline exceeded`). */
export class V2TimeoutError extends Error {
  constructor(readonly endpoint: string) {
    super("context deadline exceeded");
    this.name = "V2TimeoutError";
  }
}
