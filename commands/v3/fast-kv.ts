// A lean path for the hot one-shot KV commands (get, put, del): one HTTP/2 request with
// hand-rolled protobuf for exactly these messages, so the command does not load grpc-js and
// the generated protos (~40 ms of start-up). Used only for one plain-text endpoint without
// auth; if the connection cannot be made, the caller falls back to the full client, which
// owns retries, timeouts and their error texts. Server errors are final and returned as is.
import type {
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
} from "../../src/proto/index.js";
import type { KeyValue } from "../../src/proto/index.js";
import type { EtcdClient } from "../../src/client/v3/index.js";
import { CommandError, ExitCode } from "../errors.js";
import type { CommandContext } from "./context.js";
import type { GlobalOptions } from "./globals.js";

/** The server answered with a gRPC error; `message` is its text (e.g. "etcdserver: ..."). */
export class FastServerError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "FastServerError";
  }
}

// ---- protobuf wire encoding of the three requests ----

class Writer {
  private readonly parts: number[] = [];
  private varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.parts.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.parts.push(Number(x));
  }
  int(field: number, v: bigint | number | boolean): this {
    const n = typeof v === "boolean" ? (v ? 1n : 0n) : BigInt(v);
    if (n !== 0n) {
      this.varint(BigInt(field << 3));
      this.varint(n);
    }
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    if (b.length > 0) {
      this.varint(BigInt((field << 3) | 2));
      this.varint(BigInt(b.length));
      for (const x of b) this.parts.push(x);
    }
    return this;
  }
  finish(): Buffer {
    return Buffer.from(this.parts);
  }
}

export function encodeRange(r: RangeRequest): Buffer {
  return new Writer()
    .bytes(1, r.key)
    .bytes(2, r.rangeEnd)
    .int(3, r.limit)
    .int(4, r.revision)
    .int(5, r.sortOrder)
    .int(6, r.sortTarget)
    .int(7, r.serializable)
    .int(8, r.keysOnly)
    .int(9, r.countOnly)
    .int(10, r.minModRevision)
    .int(11, r.maxModRevision)
    .int(12, r.minCreateRevision)
    .int(13, r.maxCreateRevision)
    .finish();
}

export function encodePut(r: PutRequest): Buffer {
  return new Writer()
    .bytes(1, r.key)
    .bytes(2, r.value)
    .int(3, r.lease)
    .int(4, r.prevKv)
    .int(5, r.ignoreValue)
    .int(6, r.ignoreLease)
    .finish();
}

export function encodeDeleteRange(r: DeleteRangeRequest): Buffer {
  return new Writer().bytes(1, r.key).bytes(2, r.rangeEnd).int(3, r.prevKv).finish();
}

// ---- decoding of the three responses ----

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error("truncated varint");
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  /** Field number and wire type of the next tag. */
  tag(): [number, number] {
    const t = Number(this.varint());
    return [t >>> 3, t & 7];
  }
  bytes(): Buffer {
    const n = Number(this.varint());
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const int64 = (v: bigint) => BigInt.asIntN(64, v);

function decodeHeader(buf: Buffer): ResponseHeader {
  const h: ResponseHeader = { clusterId: 0n, memberId: 0n, revision: 0n, raftTerm: 0n };
  const r = new Reader(buf);
  while (!r.done) {
    const [f, w] = r.tag();
    if (w !== 0) r.skip(w);
    else if (f === 1) h.clusterId = r.varint();
    else if (f === 2) h.memberId = r.varint();
    else if (f === 3) h.revision = int64(r.varint());
    else if (f === 4) h.raftTerm = r.varint();
    else r.varint();
  }
  return h;
}

function decodeKv(buf: Buffer): KeyValue {
  const kv: KeyValue = {
    key: Buffer.alloc(0),
    createRevision: 0n,
    modRevision: 0n,
    version: 0n,
    value: Buffer.alloc(0),
    lease: 0n,
  };
  const r = new Reader(buf);
  while (!r.done) {
    const [f, w] = r.tag();
    if (f === 1 && w === 2) kv.key = Buffer.from(r.bytes());
    else if (f === 5 && w === 2) kv.value = Buffer.from(r.bytes());
    else if (w !== 0) r.skip(w);
    else if (f === 2) kv.createRevision = int64(r.varint());
    else if (f === 3) kv.modRevision = int64(r.varint());
    else if (f === 4) kv.version = int64(r.varint());
    else if (f === 6) kv.lease = int64(r.varint());
    else r.varint();
  }
  return kv;
}

export function decodeRange(buf: Buffer): RangeResponse {
  const out: RangeResponse = { header: undefined, kvs: [], more: false, count: 0n };
  const r = new Reader(buf);
  while (!r.done) {
    const [f, w] = r.tag();
    if (f === 1 && w === 2) out.header = decodeHeader(r.bytes());
    else if (f === 2 && w === 2) out.kvs.push(decodeKv(r.bytes()));
    else if (f === 3 && w === 0) out.more = r.varint() !== 0n;
    else if (f === 4 && w === 0) out.count = int64(r.varint());
    else r.skip(w);
  }
  return out;
}

export function decodePut(buf: Buffer): PutResponse {
  const out: PutResponse = { header: undefined, prevKv: undefined };
  const r = new Reader(buf);
  while (!r.done) {
    const [f, w] = r.tag();
    if (f === 1 && w === 2) out.header = decodeHeader(r.bytes());
    else if (f === 2 && w === 2) out.prevKv = decodeKv(r.bytes());
    else r.skip(w);
  }
  return out;
}

export function decodeDeleteRange(buf: Buffer): DeleteRangeResponse {
  const out: DeleteRangeResponse = { header: undefined, deleted: 0n, prevKvs: [] };
  const r = new Reader(buf);
  while (!r.done) {
    const [f, w] = r.tag();
    if (f === 1 && w === 2) out.header = decodeHeader(r.bytes());
    else if (f === 2 && w === 0) out.deleted = int64(r.varint());
    else if (f === 3 && w === 2) out.prevKvs.push(decodeKv(r.bytes()));
    else r.skip(w);
  }
  return out;
}

// ---- one unary call over HTTP/2 ----

// Started on first use (the quick path asks early, so it overlaps with parsing and printing
// set-up); never at import, so importing this module for its codecs costs nothing.
// process.getBuiltinModule (Node >= 20.16) loads it synchronously, without starting the ES
// module loader in the CommonJS quick entry; import() is the fallback on older Nodes.
let http2Module: Promise<typeof import("node:http2")> | undefined;
export function loadHttp2(): Promise<typeof import("node:http2")> {
  const getBuiltin = (
    process as { getBuiltinModule?: (id: "node:http2") => typeof import("node:http2") }
  ).getBuiltinModule;
  return (http2Module ??=
    getBuiltin !== undefined
      ? Promise.resolve(getBuiltin.call(process, "node:http2"))
      : import("node:http2"));
}

/** host:port when the fast path applies to these globals, else undefined. */
export function fastTarget(g: GlobalOptions): string | undefined {
  if (g.endpoints.length !== 1 || g.user !== undefined) return undefined;
  if (g.cert !== undefined || g.key !== undefined || g.cacert !== undefined) return undefined;
  if (!g.insecureTransport || g.insecureSkipTlsVerify) return undefined;
  const ep = g.endpoints[0]!;
  const m = /^(?:http:\/\/)?([^/]+?)\/*$/.exec(ep);
  if (m === null || /^[a-z]+:\/\//i.test(ep.replace(/^http:\/\//, ""))) return undefined;
  return m[1];
}

/**
 * Sends one gRPC request. Resolves with the response bytes, rejects with FastServerError
 * for a gRPC error status, or resolves undefined when the connection could not be made
 * (nothing was sent): the caller then uses the full client.
 */
export async function unary(
  target: string,
  path: string,
  body: Buffer,
  timeoutMs: number,
): Promise<Buffer | undefined> {
  const http2 = await loadHttp2();
  return new Promise((resolve, reject) => {
    let sent = false;
    const session = http2.connect(`http://${target}`);
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            session.destroy();
            reject(new FastServerError(4, "context deadline exceeded"));
          }, timeoutMs)
        : undefined;
    const finish = () => {
      if (timer !== undefined) clearTimeout(timer);
      session.close();
    };
    session.on("error", () => {
      finish();
      if (!sent) resolve(undefined);
      else reject(new Error("connection lost"));
    });
    session.on("connect", () => {
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length, 1);
      body.copy(frame, 5);
      const req = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
      });
      sent = true;
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let message = "";
      const headersOf = (h: Record<string, unknown>) => {
        if (h["grpc-status"] !== undefined) {
          status = String(h["grpc-status"]);
          message = decodeURIComponent(String(h["grpc-message"] ?? ""));
        }
      };
      req.on("response", headersOf);
      req.on("trailers", headersOf);
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("error", (err) => {
        finish();
        reject(err);
      });
      req.on("end", () => {
        finish();
        if (status !== undefined && status !== "0") {
          reject(new FastServerError(Number(status), message));
          return;
        }
        const all = Buffer.concat(chunks);
        if (all.length < 5) {
          reject(new Error("empty gRPC response"));
          return;
        }
        resolve(all.subarray(5, 5 + all.readUInt32BE(1)));
      });
      req.end(frame);
    });
  });
}

export type KvMethod = "Range" | "Put" | "DeleteRange";

/**
 * One KV call over the lean path. Undefined when it does not apply to these globals or the
 * endpoint refused the connection (nothing was sent); a server error is a CommandError.
 */
export async function fastKvCall<Res>(
  globals: GlobalOptions,
  method: KvMethod,
  encoded: Buffer,
  decode: (bytes: Buffer) => Res,
): Promise<Res | undefined> {
  const target = fastTarget(globals);
  if (target === undefined) return undefined;
  try {
    const bytes = await unary(
      target,
      `/etcdserverpb.KV/${method}`,
      encoded,
      globals.commandTimeoutMs,
    );
    return bytes === undefined ? undefined : decode(bytes);
  } catch (err) {
    if (err instanceof FastServerError) throw new CommandError(ExitCode.Error, err.message);
    throw err;
  }
}

/**
 * One KV call: over the lean path when it applies and the endpoint accepts the connection,
 * otherwise through the full client.
 */
export async function kvCall<Res>(
  ctx: CommandContext,
  method: KvMethod,
  encoded: Buffer,
  decode: (bytes: Buffer) => Res,
  slow: (client: EtcdClient) => Promise<Res>,
): Promise<Res> {
  ctx.clientStarting();
  const fast = await fastKvCall(ctx.globals, method, encoded, decode);
  return fast !== undefined ? fast : slow(await ctx.client());
}
