// Public surface of the v2 (HTTP) client.
export { V2Client, DEFAULT_V2_ENDPOINTS, keyPath } from "./client.js";
export type { V2ClientOptions } from "./client.js";
export {
  V2Error,
  V2HttpError,
  V2ClusterError,
  V2InvalidResponseError,
  V2TimeoutError,
  INVALID_JSON_TEXT,
} from "./errors.js";
export type * from "./types.js";
export { V2Auth } from "./auth.js";
export type { V2User, V2Role, V2Permissions } from "./auth.js";
