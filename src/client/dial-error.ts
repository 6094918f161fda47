// Go's wording of socket errors, which etcdctl prints (`dial tcp 127.0.0.1:1: connect: connection
// refused`), derived from Node's (`connect ECONNREFUSED 127.0.0.1:1`). Shared by the v2 and v3 clients.

/**
 * Rewrites a Node socket error as Go's net package words it, e.g.
 * `connect ECONNREFUSED 127.0.0.1:1` -> `dial tcp 127.0.0.1:1: connect: connection refused`.
 * `hostPort` is used when the text carries no address.
 */
export function goDialError(nodeText: string, hostPort: string): string {
  const m =
    /\b(ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|ENOTFOUND|EAI_AGAIN)\b\s*(\S+)?/.exec(
      nodeText,
    );
  const code = m?.[1];
  const addr =
    (m?.[2] !== undefined && /:\d+$/.test(m[2]) ? m[2] : undefined) ?? stripScheme(hostPort);
  switch (code) {
    case "ECONNREFUSED":
      return `dial tcp ${addr}: connect: connection refused`;
    case "ETIMEDOUT":
      return `dial tcp ${addr}: i/o timeout`;
    case "EHOSTUNREACH":
      return `dial tcp ${addr}: connect: no route to host`;
    case "ENETUNREACH":
      return `dial tcp ${addr}: connect: network is unreachable`;
    case "ECONNRESET":
      return `read tcp ${addr}: read: connection reset by peer`;
    case "ENOTFOUND":
    case "EAI_AGAIN": {
      const host = addr.replace(/:\d+$/, "");
      return `dial tcp: lookup ${host}: no such host`;
    }
    default:
      return `dial tcp ${addr}: ${nodeText}`;
  }
}

function stripScheme(endpoint: string): string {
  return endpoint.replace(/^[a-z]+:\/\//, "");
}
