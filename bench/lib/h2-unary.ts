// A minimal gRPC unary client straight on node:http2 for the load workers: one HTTP/2 stream
// per call, a pre-framed request body, the response's grpc-status checked. It skips
// grpc-js's per-call machinery (interceptors, call objects, metadata), so one worker can
// offer several times more load per CPU-second.

import http2 from "node:http2";

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_TE } =
  http2.constants;

/** A gRPC length-prefixed message: flag byte 0 (uncompressed), 4-byte big-endian length. */
export function grpcFrame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

export type UnaryCallback = (err: Error | null) => void;

export class H2Connection {
  private readonly session: http2.ClientHttp2Session;
  private readonly ready: Promise<void>;
  /** The first session-level failure, added to call errors to explain them. */
  private sessionProblem: string | undefined;

  constructor(endpoint: string) {
    this.session = http2.connect(`http://${endpoint}`);
    this.session.on("error", (err) => {
      this.sessionProblem ??= `session error: ${err.message}`;
    });
    this.session.on("goaway", (code, lastStreamId) => {
      this.sessionProblem ??= `GOAWAY code ${code} after stream ${lastStreamId}`;
    });
    // Like grpc-go and grpc-js, send nothing until the server's SETTINGS have arrived.
    this.ready = new Promise((resolve, reject) => {
      this.session.once("remoteSettings", () => resolve());
      this.session.once("error", reject);
    });
  }

  waitReady(): Promise<void> {
    return this.ready;
  }

  /** Sends one pre-framed request; the callback gets an error unless grpc-status is 0. */
  call(path: string, framedRequest: Buffer, cb: UnaryCallback): void {
    let stream: http2.ClientHttp2Stream;
    try {
      stream = this.session.request({
        [HTTP2_HEADER_METHOD]: "POST",
        [HTTP2_HEADER_PATH]: path,
        [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
        [HTTP2_HEADER_TE]: "trailers",
      });
    } catch (err) {
      cb(err as Error);
      return;
    }
    let grpcStatus: string | undefined;
    let grpcMessage: string | undefined;
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      cb(err);
    };
    const takeStatus = (h: http2.IncomingHttpHeaders): void => {
      const s = h["grpc-status"];
      if (s !== undefined) {
        grpcStatus = String(s);
        grpcMessage = h["grpc-message"] === undefined ? undefined : String(h["grpc-message"]);
      }
    };
    stream.on("response", takeStatus); // trailers-only responses carry the status here
    stream.on("trailers", takeStatus);
    stream.on("data", () => {
      /* the body is not needed: throughput and latency only */
    });
    stream.on("error", (err) =>
      finish(this.sessionProblem ? new Error(`${err.message} (${this.sessionProblem})`) : err),
    );
    stream.on("close", () => {
      if (grpcStatus === "0") finish(null);
      else finish(new Error(`grpc-status ${grpcStatus ?? "missing"}: ${grpcMessage ?? ""}`));
    });
    stream.end(framedRequest);
  }

  close(): void {
    this.session.close();
  }
}
