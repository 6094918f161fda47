// The peer transport's public surface: what the member (src/server) imports.
export { PeerTransport } from "./transport.js";
export type {
  MessageCodec,
  PeerClientTls,
  PeerTransportOptions,
  TransportLogger,
  TransportStats,
} from "./common.js";
export { startPeerListener, PeerRouteError, rfc3339Nano } from "./listener.js";
export type { PeerListener, PeerListenerOptions, PeerRoutes, PeerServerTls } from "./listener.js";
export { fetchClusterMembers, membersJson, parseMembersJson } from "./members.js";
export type { FetchedCluster, PeerMember } from "./members.js";
export type { PeerRequest, PeerResponse } from "./inbound.js";
