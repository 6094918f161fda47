// Public surface of the v3 (gRPC) client.
export { EtcdClient } from "./client.js";
export type { ClientOptions } from "./options.js";
export {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_ENDPOINT,
  parseEndpoint,
} from "./options.js";
export type { CallOptions, RetryClass } from "./core.js";
export { EtcdClientError, DEADLINE_EXCEEDED_TEXT, CANCELED_TEXT, goDialError } from "./errors.js";
export { WatchStream } from "./watch.js";
export type { WatchStreamOptions } from "./watch.js";
export { ResponseStream, DuplexStream } from "./streams.js";
export type { Input } from "./input.js";
export { prefixEnd } from "./keys.js";
