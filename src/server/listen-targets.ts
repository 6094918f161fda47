// Where and how the member listens and dials: turns --listen-*-urls into TCP or unix-socket
// targets and the --cert-file/--peer-cert-file family into TLS options for the client,
// metrics and peer listeners and for the peer transport's outbound connections.
import { readFileSync } from "node:fs";
import type { TlsConfig } from "../config/server-config.js";
import type { ListenerTls } from "../api/listener.js";
import type { PeerClientTls, PeerServerTls } from "../transport/index.js";

export interface ListenTarget {
  host: string;
  /** 0 on a unix socket. */
  port: number;
  /** unix:// and unixs:// URLs: the socket file, named by the URL's host:port text. */
  socketPath?: string;
  /** https:// and unixs:// URLs serve TLS. */
  secure: boolean;
}

export function listenTarget(url: string): ListenTarget {
  const u = new URL(url);
  const scheme = u.protocol.replace(/:$/, "");
  if (scheme === "unix" || scheme === "unixs") {
    // etcd listens on a socket file named after the URL's host (and port), relative to the
    // working directory, e.g. unix://localhost:2379 → ./localhost:2379
    const name = u.host + (u.pathname === "/" ? "" : u.pathname);
    return { host: u.hostname, port: 0, socketPath: name, secure: scheme === "unixs" };
  }
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const secure = scheme === "https";
  return { host, port: Number(u.port || (secure ? 443 : 80)), secure };
}

function hasCert(t: TlsConfig): boolean {
  return t.certFile !== "" && t.keyFile !== "";
}

function readOptional(file: string): Buffer | undefined {
  return file === "" ? undefined : readFileSync(file);
}

/** TLS for a client (or metrics) listener on an https:// URL; throws without a certificate,
 * as etcd refuses such a URL without --cert-file/--key-file. */
export function clientListenerTls(t: TlsConfig, url: string): ListenerTls {
  if (!hasCert(t)) {
    throw new Error(
      `TLS key/cert (--cert-file, --key-file) must be provided for client url ${url} with HTTPS scheme`,
    );
  }
  return {
    cert: readFileSync(t.certFile),
    key: readFileSync(t.keyFile),
    ca: readOptional(t.trustedCaFile),
    crl: readOptional(t.crlFile),
    clientCertAuth: t.clientCertAuth,
  };
}

/** TLS for the peer listener on an https:// peer URL. */
export function peerServerTls(t: TlsConfig, url: string): PeerServerTls {
  if (!hasCert(t)) {
    const { host, port } = listenTarget(url);
    throw new Error(
      `cannot listen on TLS for ${host}:${port}: KeyFile and CertFile are not presented`,
    );
  }
  return {
    cert: readFileSync(t.certFile),
    key: readFileSync(t.keyFile),
    ca: readOptional(t.trustedCaFile),
    clientCertAuth: t.clientCertAuth,
  };
}

/** What the transport presents when it dials https:// peers; undefined with no peer TLS. */
export function peerClientTls(t: TlsConfig): PeerClientTls | undefined {
  if (!hasCert(t) && t.trustedCaFile === "") return undefined;
  return {
    ca: readOptional(t.trustedCaFile),
    cert: readOptional(t.certFile),
    key: readOptional(t.keyFile),
    // Without a CA bundle the system roots would refuse a private CA; etcd's InsecureSkipVerify
    // is only for auto TLS, which is handled by the caller.
    rejectUnauthorized: !t.autoTls,
  };
}

/** Refuses up front (before any data is written) TLS URLs that have no certificate. */
export function checkListenTls(cfg: {
  listenClientUrls: string[];
  listenPeerUrls: string[];
  clientTls: TlsConfig;
  peerTls: TlsConfig;
}): void {
  for (const url of cfg.listenClientUrls) {
    if (listenTarget(url).secure && !hasCert(cfg.clientTls)) clientListenerTls(cfg.clientTls, url);
  }
  for (const url of cfg.listenPeerUrls) {
    if (listenTarget(url).secure && !hasCert(cfg.peerTls)) peerServerTls(cfg.peerTls, url);
  }
}
