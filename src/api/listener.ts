// The client-port listener: one TCP port serving both gRPC (HTTP/2) and HTTP/1.1, as etcd
// does. Each connection's first bytes are sniffed: the HTTP/2 client preface goes to the
// grpc-js server (through its connection injector), anything else to a node:http server.
import { rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import type { AddressInfo, Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type { TlsOptions } from "node:tls";
import { ServerCredentials } from "@grpc/grpc-js";
import type { Server as GrpcServer } from "@grpc/grpc-js";

import {
  AuthorityRewritingStream,
  EMPTY_SETTINGS_FRAME,
  scanFirstRequest,
} from "./h2-authority.js";

const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** TLS for an https:// client URL (--cert-file, --key-file, --trusted-ca-file, ...). */
export interface ListenerTls {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA bundle that client certificates must chain to. */
  ca?: string | Buffer;
  /** --client-cert-auth: require a client certificate signed by `ca`. */
  clientCertAuth?: boolean;
  /** --client-crl-file contents. */
  crl?: string | Buffer;
  /** OpenSSL cipher list (from --cipher-suites). */
  ciphers?: string;
}

export interface ClientListenerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /**
   * Listen on this unix socket path instead of host:port (etcd's unix:// and unixs:// URLs
   * name the socket file by their host:port text). A stale file there is removed first.
   */
  socketPath?: string;
  /** Receives HTTP/2 connections; must not be bound to a port itself. */
  grpcServer?: GrpcServer;
  httpHandler: HttpHandler;
  /** Serve TLS (gRPC and HTTPS on the same port, as etcd does); plain TCP when absent. */
  tls?: ListenerTls;
  /** A connection that has not shown which protocol it speaks by then is closed. */
  sniffTimeoutMs?: number;
  /** How long open gRPC sessions may finish their calls on close(). */
  drainGraceMs?: number;
}

export interface ClientListener {
  /** The bound TCP port (0 on a unix socket). */
  port: number;
  host: string;
  close(): Promise<void>;
}

export const DEFAULT_SNIFF_TIMEOUT_MS = 10_000;
/** How long, and how many bytes, we wait for a new HTTP/2 connection's first request. */
const FIRST_REQUEST_PEEK_MS = 2000;
/** A client silent this long after its preface is waiting for our SETTINGS. */
const SETTINGS_AFTER_MS = 20;
// A client may send a whole flow-control window (64 KiB) of request data, plus headers, before
// it sees our SETTINGS; we must still find its ACK of those SETTINGS, which nghttp2 must not
// receive (it never sent them).
const FIRST_REQUEST_PEEK_MAX_BYTES = 4 * 1024 * 1024;

type Protocol = "grpc" | "http" | undefined;

/** Decides as soon as the bytes seen diverge from, or complete, the HTTP/2 preface. */
export function sniffProtocol(head: Buffer): Protocol {
  const n = Math.min(head.length, HTTP2_PREFACE.length);
  if (head.subarray(0, n).compare(HTTP2_PREFACE, 0, n) !== 0) return "http";
  return head.length >= HTTP2_PREFACE.length ? "grpc" : undefined;
}

export async function startClientListener(opts: ClientListenerOptions): Promise<ClientListener> {
  const sniffTimeoutMs = opts.sniffTimeoutMs ?? DEFAULT_SNIFF_TIMEOUT_MS;
  const httpServer = createHttpServer(opts.httpHandler);
  const injector = opts.grpcServer?.createConnectionInjector(ServerCredentials.createInsecure());
  const sockets = new Set<Socket>();

  const dispatch = (socket: Socket, head: Buffer, protocol: "grpc" | "http") => {
    // Stop the flow so the sniffed bytes wait in the socket's buffer for their new owner.
    socket.pause();
    socket.unshift(head);
    if (protocol === "grpc") {
      // The HTTP/2 session reads what is buffered on its next tick, then owns the handle.
      if (injector) injector.injectConnection(socket);
      else socket.destroy();
    } else {
      httpServer.emit("connection", socket);
      socket.resume();
    }
  };

  const onConnection = (socket: Socket) => {
    let head: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), sniffTimeoutMs);
    timer.unref();
    let settingsTimer: NodeJS.Timeout | undefined;
    let giveUpTimer: NodeJS.Timeout | undefined;
    let sentSettings = false;
    const finish = (protocol: "grpc" | "http", rewrite: boolean) => {
      clearTimeout(timer);
      clearTimeout(settingsTimer);
      clearTimeout(giveUpTimer);
      socket.removeListener("data", onData);
      socket.removeListener("error", onEarlyError);
      // A TLS socket goes through the JS stream too: handing nghttp2 the TLSSocket itself
      // right after the handshake can collide with TLS's own pending write (a native
      // assertion, !current_write_, aborts the process).
      if (protocol === "grpc" && (rewrite || opts.tls) && injector) {
        socket.pause();
        injector.injectConnection(new AuthorityRewritingStream(socket, head));
      } else {
        dispatch(socket, head, protocol);
      }
    };
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const protocol = sniffProtocol(head);
      if (protocol === undefined) return;
      if (protocol === "http") return finish("http", false);
      // Look at the first request's headers: a URL as :authority needs rewriting (see
      // h2-authority.ts). A client that waits for the server's SETTINGS before its first
      // request gets an empty SETTINGS frame from us, whose ACK we keep from nghttp2.
      const scan = scanFirstRequest(head, sentSettings);
      if (scan.decision !== "wait") {
        head = scan.head;
        return finish("grpc", scan.decision === "rewrite");
      }
      if (head.length > FIRST_REQUEST_PEEK_MAX_BYTES) return finish("grpc", false);
      settingsTimer ??= setTimeout(() => {
        sentSettings = true;
        socket.write(EMPTY_SETTINGS_FRAME);
      }, SETTINGS_AFTER_MS);
      giveUpTimer ??= setTimeout(() => finish("grpc", false), FIRST_REQUEST_PEEK_MS);
    };
    const onEarlyError = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    socket.on("data", onData);
    socket.on("error", onEarlyError);
    socket.once("end", () => clearTimeout(timer));
  };

  // With TLS, a tls.Server does the handshake (bounded by the sniff timeout) and hands over
  // decrypted sockets; the protocol is then sniffed the same way.
  const netServer = opts.tls
    ? createTlsServer(tlsServerOptions(opts.tls, sniffTimeoutMs), onConnection)
    : createNetServer({ noDelay: true }, onConnection);
  netServer.on("connection", (raw: Socket) => {
    raw.setNoDelay(true);
    sockets.add(raw);
    raw.once("close", () => sockets.delete(raw));
  });
  if (opts.tls) netServer.on("tlsClientError", () => undefined);

  await new Promise<void>((resolve, reject) => {
    netServer.once("error", reject);
    const ready = () => {
      netServer.removeListener("error", reject);
      resolve();
    };
    if (opts.socketPath !== undefined) {
      rmSync(opts.socketPath, { force: true });
      netServer.listen(opts.socketPath, ready);
    } else {
      netServer.listen(opts.port, opts.host, ready);
    }
  });
  const address = netServer.address();
  const port = typeof address === "object" && address !== null ? (address as AddressInfo).port : 0;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      netServer.close(() => resolve());
      injector?.drain(opts.drainGraceMs ?? 1000);
      httpServer.closeAllConnections();
      httpServer.close();
      // Idle HTTP/2 sessions and half-sniffed connections would keep the port open.
      setTimeout(() => {
        injector?.destroy();
        for (const s of sockets) s.destroy();
      }, opts.drainGraceMs ?? 1000).unref();
      if (!injector) for (const s of sockets) s.destroy();
    });
    return closing;
  };
  return { port, host: opts.host, close };
}

function tlsServerOptions(tls: ListenerTls, handshakeTimeoutMs: number): TlsOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    crl: tls.crl,
    ciphers: tls.ciphers,
    minVersion: "TLSv1.2",
    requestCert: tls.clientCertAuth === true,
    rejectUnauthorized: tls.clientCertAuth === true,
    ALPNProtocols: ["h2", "http/1.1"],
    handshakeTimeout: handshakeTimeoutMs,
  };
}
