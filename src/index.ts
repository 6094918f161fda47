// The tsctl library: what other programs may import from the package.
export { ETCD_VERSION, API_VERSION, TSCTL_VERSION } from "./version.js";
export { parseGoDurationMs, formatGoDuration } from "./util/duration.js";
