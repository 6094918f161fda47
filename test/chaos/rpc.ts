// Per-member gRPC clients for chaos runs and a bounded unary call helper.
import * as grpc from "@grpc/grpc-js";
import * as pb from "../../src/proto/index.js";

export interface MemberClients {
  kv: pb.KVClient;
  lease: pb.LeaseClient;
  watch: pb.WatchClient;
  maintenance: pb.MaintenanceClient;
  close(): void;
}

export function connect(endpoint: string): MemberClients {
  const creds = grpc.credentials.createInsecure();
  // Fast reconnects: members come and go all the time here.
  const options = {
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 500,
  };
  const kv = new pb.KVClient(endpoint, creds, options);
  const lease = new pb.LeaseClient(endpoint, creds, options);
  const watch = new pb.WatchClient(endpoint, creds, options);
  const maintenance = new pb.MaintenanceClient(endpoint, creds, options);
  return {
    kv,
    lease,
    watch,
    maintenance,
    close() {
      kv.close();
      lease.close();
      watch.close();
      maintenance.close();
    },
  };
}

type Callback<Res> = (error: grpc.ServiceError | null, response: Res) => void;
type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: Callback<Res>,
) => grpc.ClientUnaryCall;

/** One unary call with a deadline; rejects with the gRPC error. */
export function unary<Req, Res>(
  client: grpc.Client,
  method: UnaryMethod<Req, Res>,
  request: Req,
  timeoutMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(
      client,
      request,
      new grpc.Metadata(),
      { deadline: new Date(Date.now() + timeoutMs) },
      (err: grpc.ServiceError | null, res: Res) => (err ? reject(err) : resolve(res)),
    );
  });
}

export { pb };
