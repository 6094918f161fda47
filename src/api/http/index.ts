// The always-on HTTP endpoints of the client port (/version, /health, /metrics) and the
// router other HTTP APIs mount into.
export { createClientHttpRouter, goError, allowMethod } from "./router.js";
export type { ClientHttpOptions, ClientHttpRouter, HealthProbe, HealthResult } from "./router.js";
export { createServerMetrics, clusterVersionLabel } from "./metrics.js";
export type { ServerMetrics, MetricsOptions } from "./metrics.js";
