// Adapts the server's promise-returning request methods to grpc-js handlers, mapping errors
// to gRPC statuses: errors carrying an etcd gRPC code keep it and their exact text.
import {
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceError,
  Metadata,
} from "@grpc/grpc-js";

export interface CallContext {
  /** The auth token from metadata key `token`, if any. */
  token?: string;
  /** Whether the client asked to fail fast without a leader (`hasleader: true`). */
  requireLeader: boolean;
}

export function callContext(metadata: Metadata): CallContext {
  const token = metadata.get("token")[0];
  const hasLeader = metadata.get("hasleader")[0];
  return {
    token: token === undefined ? undefined : String(token),
    requireLeader: hasLeader !== undefined && String(hasLeader) === "true",
  };
}

/** An error as a gRPC status: `code` (0..16) when the error has one, else UNKNOWN. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const e = err as { code?: unknown; grpcCode?: unknown; message?: unknown };
  const code =
    typeof e.grpcCode === "number"
      ? e.grpcCode
      : typeof e.code === "number" && e.code >= 0 && e.code <= 16
        ? e.code
        : status.UNKNOWN;
  const details = typeof e.message === "string" ? e.message : String(err);
  return { code, details, metadata: new Metadata() };
}

export function unary<Req, Res>(
  fn: (req: Req, ctx: CallContext) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    let ctx: CallContext;
    try {
      ctx = callContext(call.metadata);
    } catch (err) {
      callback(toServiceError(err));
      return;
    }
    fn(call.request, ctx).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(err)),
    );
  };
}
