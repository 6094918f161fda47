// The tsctl library: what other programs may import from the package.
export { ETCD_VERSION, API_VERSION, TSCTL_VERSION } from "./version.js";
export { parseGoDurationMs, formatGoDuration } from "./util/duration.js";
export {
  EtcdClient,
  EtcdClientError,
  WatchStream,
  ResponseStream,
  DuplexStream,
  prefixEnd,
} from "./client/v3/index.js";
export type { ClientOptions, CallOptions } from "./client/v3/index.js";
export * as proto from "./proto/index.js";
export {
  V2Client,
  V2Error,
  V2HttpError,
  V2ClusterError,
  V2InvalidResponseError,
  V2TimeoutError,
} from "./client/v2/index.js";
export type { V2ClientOptions, V2Response, V2Node, V2Member } from "./client/v2/index.js";
export { discoverSrv, srvName } from "./client/srv.js";
export type { SrvDiscovery } from "./client/srv.js";
