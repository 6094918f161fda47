// Turns a gRPC response stream into an async iterable of messages whose errors are
// EtcdClientErrors; a stream cancelled by its owner ends quietly instead of throwing.
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { ClientDuplexStream, ClientReadableStream } from "@grpc/grpc-js";
import { fromGrpcError } from "./errors.js";

type AnyCall<T> = ClientReadableStream<T> | ClientDuplexStream<unknown, T>;

export class ResponseStream<T> implements AsyncIterable<T> {
  private closedByUs = false;

  constructor(
    protected readonly call: AnyCall<T>,
    readonly endpoint: string,
  ) {}

  /** Ends the stream; a pending or later iteration finishes without error. */
  close(): void {
    if (this.closedByUs) return;
    this.closedByUs = true;
    this.call.cancel();
  }

  get closed(): boolean {
    return this.closedByUs;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    try {
      for await (const message of this.call as AsyncIterable<T>) yield message;
    } catch (err) {
      if (this.closedByUs && (err as { code?: unknown }).code === GrpcStatus.CANCELLED) return;
      throw fromGrpcError(err, this.endpoint);
    }
  }

  /** The next message, or undefined once the stream has ended. */
  async next(): Promise<T | undefined> {
    const it = this.iterator ?? (this.iterator = this[Symbol.asyncIterator]());
    const r = await it.next();
    return r.done ? undefined : r.value;
  }

  private iterator: AsyncGenerator<T, void, undefined> | undefined;
}

/** A response stream whose requests are written by the owner (watch, lease keep-alive). */
export class DuplexStream<Req, Res> extends ResponseStream<Res> {
  constructor(
    private readonly duplex: ClientDuplexStream<Req, Res>,
    endpoint: string,
  ) {
    super(duplex, endpoint);
  }

  send(request: Req): void {
    if (this.closed) throw new Error("stream is closed");
    this.duplex.write(request);
  }

  /** Half-closes: no more requests, responses keep coming until the server ends the stream. */
  end(): void {
    this.duplex.end();
  }
}
