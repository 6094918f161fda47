// The one error type the v3 client throws: a gRPC status code plus the server's text unchanged
// (etcdctl prints `Error: <message>`), the endpoint that answered, and transport details.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { goDialError } from "../dial-error.js";

export { goDialError };

/** The text Go's context package uses; etcdctl prints it for timeouts and unreachable endpoints. */
export const DEADLINE_EXCEEDED_TEXT = "context deadline exceeded";
export const CANCELED_TEXT = "context canceled";

export interface EtcdClientErrorInit {
  code: number;
  endpoint?: string | undefined;
  /** Raw Node error text of the last failed connection attempt, e.g. `connect ECONNREFUSED ...`. */
  transportError?: string | undefined;
  /** True when no connection to any endpoint could be used (nothing reached a server). */
  unreachable?: boolean;
  cause?: unknown;
}

export class EtcdClientError extends Error {
  /** gRPC status code (`@grpc/grpc-js` `status` enum). */
  readonly code: number;
  /** Endpoint as the caller spelled it, when one was involved. */
  readonly endpoint: string | undefined;
  readonly transportError: string | undefined;
  readonly unreachable: boolean;

  constructor(message: string, init: EtcdClientErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "EtcdClientError";
    this.code = init.code;
    this.endpoint = init.endpoint;
    this.transportError = init.transportError;
    this.unreachable = init.unreachable ?? false;
  }

  /** Name of the gRPC code as Go prints it (`DeadlineExceeded`, `Unavailable`, ...). */
  get codeName(): string {
    return GO_CODE_NAMES[this.code] ?? `Code(${this.code})`;
  }

  /**
   * The balancer text clientv3 reports when it could not reach any endpoint, as in
   * `rpc error: code = DeadlineExceeded desc = latest balancer error: ...`. `perEndpoint` selects
   * the single-endpoint wording etcdctl's endpoint commands show.
   */
  balancerError(perEndpoint: boolean): string | undefined {
    if (!this.unreachable) return undefined;
    if (!perEndpoint || this.transportError === undefined) {
      return "latest balancer error: all SubConns are in TransientFailure";
    }
    const dial = goDialError(this.transportError, this.endpoint ?? "");
    return `latest balancer error: connection error: desc = "transport: Error while dialing ${dial}"`;
  }
}

const GO_CODE_NAMES: Record<number, string> = {
  0: "OK",
  1: "Canceled",
  2: "Unknown",
  3: "InvalidArgument",
  4: "DeadlineExceeded",
  5: "NotFound",
  6: "AlreadyExists",
  7: "PermissionDenied",
  8: "ResourceExhausted",
  9: "FailedPrecondition",
  10: "Aborted",
  11: "OutOfRange",
  12: "Unimplemented",
  13: "Internal",
  14: "Unavailable",
  15: "DataLoss",
  16: "Unauthenticated",
};

interface GrpcLikeError {
  code?: unknown;
  details?: unknown;
  message?: unknown;
}

/** Wraps an error from @grpc/grpc-js, keeping the server's text unchanged. */
export function fromGrpcError(err: unknown, endpoint: string | undefined): EtcdClientError {
  if (err instanceof EtcdClientError) return err;
  const e = (err ?? {}) as GrpcLikeError;
  const code = typeof e.code === "number" ? e.code : GrpcStatus.UNKNOWN;
  const details =
    typeof e.details === "string"
      ? e.details
      : typeof e.message === "string"
        ? e.message
        : String(err);
  if (code === GrpcStatus.DEADLINE_EXCEEDED) {
    return new EtcdClientError(DEADLINE_EXCEEDED_TEXT, { code, endpoint, cause: err });
  }
  if (code === GrpcStatus.CANCELLED && !details.startsWith("etcdserver:")) {
    return new EtcdClientError(CANCELED_TEXT, { code, endpoint, cause: err });
  }
  return new EtcdClientError(details, { code, endpoint, cause: err });
}

/** True for a transport-level UNAVAILABLE (the server did not produce it). */
export function isTransportUnavailable(err: unknown): boolean {
  const e = (err ?? {}) as GrpcLikeError;
  if (e.code !== GrpcStatus.UNAVAILABLE) return false;
  const details = typeof e.details === "string" ? e.details : "";
  return !details.startsWith("etcdserver:");
}

/** True when the call failed while establishing a connection, so the request never left. */
export function isConnectFailure(err: unknown): boolean {
  if (!isTransportUnavailable(err)) return false;
  const details = String((err as GrpcLikeError).details ?? "");
  return /No connection established|Failed to connect|connect E[A-Z]+|getaddrinfo|Name resolution failed/.test(
    details,
  );
}
