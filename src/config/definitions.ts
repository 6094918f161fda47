// Every flag `etcd` 3.4 accepts (same names, kinds and defaults), with its help section and
// our own one-line description. The flag parser, env mapping, YAML keys and --help all read it.
import type { FlagDef, FlagKind, FlagValue } from "./flags.js";

export interface ServerFlagDef extends FlagDef {
  section: string;
  /** Default as --help shows it. */
  shown: string;
  help: string;
  /** Not listed in --help (still accepted). */
  hidden?: boolean;
}

const DEFAULT_PEER = "http://localhost:2380";
const DEFAULT_CLIENT = "http://localhost:2379";

/** Legacy flags from etcd 0.4/2.x: accepted anywhere, warned about, otherwise ignored. */
export const IGNORED_FLAGS = [
  "cluster-active-size",
  "cluster-remove-delay",
  "cluster-sync-interval",
  "config",
  "force",
  "max-result-buffer",
  "max-retry-attempts",
  "peer-heartbeat-interval",
  "peer-election-timeout",
  "retry-interval",
  "snapshot",
  "v",
  "vv",
  "test.coverprofile",
  "test.outputdir",
] as const;

function def(
  section: string,
  name: string,
  kind: FlagKind,
  initial: FlagValue,
  help: string,
  extra: Partial<ServerFlagDef> = {},
): ServerFlagDef {
  const shown = Array.isArray(initial)
    ? initial.join(",")
    : kind === "duration" && typeof initial === "number"
      ? (extra.shown ?? String(initial))
      : String(initial);
  return { section, name, kind, initial, help, shown, ...extra };
}

const M = "Member";
const C = "Clustering";
const S = "Security";
const A = "Auth";
const MON = "Profiling and Monitoring";
const L = "Logging";
const V2P = "v2 Proxy (to be deprecated in v3.5)";
const X = "Experimental distributed tracing and features";
const U = "Unsafe feature";
const D = "To be deprecated";

export const SERVER_FLAGS: readonly ServerFlagDef[] = [
  def(
    "",
    "config-file",
    "string",
    "",
    "YAML file with the whole server configuration; when given, every other flag and ETCD_* variable is ignored.",
    { hidden: true },
  ),
  // member
  def(M, "name", "string", "default", "Name of this member, unique within the cluster."),
  def(M, "data-dir", "string", "", "Directory holding the member's data.", {
    shown: "${name}.etcd",
  }),
  def(
    M,
    "wal-dir",
    "string",
    "",
    "Put the write-ahead log in this directory instead of the data directory.",
  ),
  def(M, "snapshot-count", "uint", 100000, "Applied entries between two snapshots to disk."),
  def(M, "heartbeat-interval", "uint", 100, "Milliseconds between leader heartbeats."),
  def(
    M,
    "election-timeout",
    "uint",
    1000,
    "Milliseconds without a heartbeat before a follower starts an election.",
  ),
  def(
    M,
    "initial-election-tick-advance",
    "bool",
    true,
    "Fast-forward election ticks at start so a new cluster elects sooner.",
  ),
  def(
    M,
    "listen-peer-urls",
    "urls",
    [DEFAULT_PEER],
    "URLs to accept peer (member-to-member) traffic on.",
  ),
  def(
    M,
    "listen-client-urls",
    "urls",
    [DEFAULT_CLIENT],
    "URLs to accept client traffic (gRPC and HTTP) on.",
  ),
  def(M, "max-snapshots", "uint", 5, "Snapshot files to keep (0 keeps all)."),
  def(M, "max-wals", "uint", 5, "WAL files to keep (0 keeps all)."),
  def(
    M,
    "quota-backend-bytes",
    "int",
    0,
    "Backend size that raises the NOSPACE alarm (0 means the 2 GiB default).",
  ),
  def(
    M,
    "backend-batch-interval",
    "duration",
    0,
    "Longest time a backend transaction stays open before commit.",
    { shown: "" },
  ),
  def(
    M,
    "backend-batch-limit",
    "int",
    0,
    "Most operations in one backend transaction before commit.",
  ),
  def(M, "max-txn-ops", "uint", 128, "Most operations allowed in one transaction."),
  def(M, "max-request-bytes", "uint", 1572864, "Largest client request accepted, in bytes."),
  def(
    M,
    "max-concurrent-streams",
    "uint32",
    4294967295,
    "Most concurrent gRPC streams per client connection.",
    {
      shown: "math.MaxUint32",
    },
  ),
  def(
    M,
    "grpc-keepalive-min-time",
    "duration",
    5000,
    "Shortest interval a client may ping the server at.",
    { shown: "5s" },
  ),
  def(
    M,
    "grpc-keepalive-interval",
    "duration",
    7_200_000,
    "How often the server pings idle clients (0 disables).",
    {
      shown: "2h",
    },
  ),
  def(
    M,
    "grpc-keepalive-timeout",
    "duration",
    20_000,
    "How long to wait for a ping answer before closing (0 disables).",
    {
      shown: "20s",
    },
  ),
  // clustering
  def(
    C,
    "initial-advertise-peer-urls",
    "urls",
    [DEFAULT_PEER],
    "This member's peer URLs, as announced to the rest of the cluster.",
  ),
  def(
    C,
    "initial-cluster",
    "string",
    `default=${DEFAULT_PEER}`,
    "Bootstrap members as name=peerURL pairs, comma separated.",
  ),
  def(
    C,
    "initial-cluster-state",
    "enum",
    "new",
    "'new' to create a cluster, 'existing' to join one.",
    {
      valids: ["new", "existing"],
    },
  ),
  def(
    C,
    "initial-cluster-token",
    "string",
    "etcd-cluster",
    "Token that makes ids unique to this cluster during bootstrap.",
  ),
  def(
    C,
    "advertise-client-urls",
    "urls",
    [DEFAULT_CLIENT],
    "This member's client URLs, as announced to clients.",
  ),
  def(C, "discovery", "string", "", "Bootstrap the cluster through this discovery URL."),
  def(
    C,
    "discovery-fallback",
    "enum",
    "proxy",
    "What to do when discovery fails: 'exit' or 'proxy' (v2 proxy).",
    {
      valids: ["proxy", "exit"],
    },
  ),
  def(C, "discovery-proxy", "string", "", "HTTP proxy for requests to the discovery service."),
  def(C, "discovery-srv", "string", "", "DNS domain whose SRV records list the bootstrap members."),
  def(
    C,
    "discovery-srv-name",
    "string",
    "",
    "Suffix of the SRV service name queried for discovery.",
  ),
  def(
    C,
    "strict-reconfig-check",
    "bool",
    true,
    "Refuse membership changes that could lose quorum.",
  ),
  def(C, "pre-vote", "bool", false, "Run a pre-vote round before elections."),
  def(
    C,
    "auto-compaction-retention",
    "string",
    "0",
    "How much history to keep when compacting automatically (0 disables).",
  ),
  def(
    C,
    "auto-compaction-mode",
    "string",
    "periodic",
    "How to read the retention: 'periodic' (a duration, hours if no unit) or 'revision' (a count).",
  ),
  def(C, "enable-v2", "bool", false, "Serve the v2 HTTP API."),
  // proxy
  def(V2P, "proxy", "enum", "off", "Run as a v2 proxy: 'off', 'readonly' or 'on'.", {
    valids: ["off", "readonly", "on"],
  }),
  def(V2P, "proxy-failure-wait", "uint", 5000, "Milliseconds an endpoint stays marked failed."),
  def(V2P, "proxy-refresh-interval", "uint", 30000, "Milliseconds between endpoint refreshes."),
  def(V2P, "proxy-dial-timeout", "uint", 1000, "Milliseconds before a dial gives up (0 never)."),
  def(V2P, "proxy-write-timeout", "uint", 5000, "Milliseconds before a write gives up (0 never)."),
  def(V2P, "proxy-read-timeout", "uint", 0, "Milliseconds before a read gives up (0 never)."),
  // security
  def(S, "cert-file", "string", "", "TLS certificate for the client listener."),
  def(S, "key-file", "string", "", "TLS key for the client listener."),
  def(S, "client-cert-auth", "bool", false, "Require client certificates on the client listener."),
  def(S, "client-crl-file", "string", "", "Certificate revocation list for client certificates."),
  def(S, "client-cert-allowed-hostname", "string", "", "Hostname a client certificate must carry."),
  def(S, "trusted-ca-file", "string", "", "CA bundle to verify client certificates with."),
  def(
    S,
    "auto-tls",
    "bool",
    false,
    "Serve clients over TLS with a generated self-signed certificate.",
  ),
  def(S, "peer-cert-file", "string", "", "TLS certificate for the peer listener."),
  def(S, "peer-key-file", "string", "", "TLS key for the peer listener."),
  def(S, "peer-client-cert-auth", "bool", false, "Require client certificates from peers."),
  def(S, "peer-trusted-ca-file", "string", "", "CA bundle to verify peer certificates with."),
  def(S, "peer-cert-allowed-cn", "string", "", "Common name a peer certificate must carry."),
  def(S, "peer-cert-allowed-hostname", "string", "", "Hostname a peer certificate must carry."),
  def(S, "peer-auto-tls", "bool", false, "Talk to peers over TLS with generated certificates."),
  def(S, "peer-crl-file", "string", "", "Certificate revocation list for peer certificates."),
  def(
    S,
    "cipher-suites",
    "strings",
    [],
    "TLS cipher suites to allow, comma separated (empty: the runtime's defaults).",
  ),
  def(
    S,
    "cors",
    "cors",
    ["*"],
    "Origins allowed by CORS, comma separated ('*' or empty allows all).",
  ),
  def(
    S,
    "host-whitelist",
    "uniqueStrings",
    ["*"],
    "Host headers accepted on plain-HTTP requests ('*' or empty accepts all).",
  ),
  // auth
  def(
    A,
    "auth-token",
    "string",
    "simple",
    "Token type: 'simple' or 'jwt,pub-key=...,priv-key=...,sign-method=...,ttl=...'.",
  ),
  def(A, "bcrypt-cost", "uint", 10, "bcrypt cost for password hashes (4..31)."),
  def(A, "auth-token-ttl", "uint", 300, "Seconds a simple token stays valid."),
  // monitoring
  def(
    MON,
    "enable-pprof",
    "bool",
    false,
    "Serve runtime profiles under /debug/pprof/ on the client URLs.",
  ),
  def(
    MON,
    "metrics",
    "string",
    "basic",
    "Metric detail: 'basic' or 'extensive' (adds histograms).",
  ),
  def(MON, "listen-metrics-urls", "urls", [], "Extra URLs serving only /metrics and /health."),
  // logging
  def(L, "logger", "string", "zap", "'zap' for JSON lines, 'capnslog' for etcd 3.3's text lines."),
  def(
    L,
    "log-outputs",
    "uniqueStrings",
    ["default"],
    "Where logs go: 'default', 'stderr', 'stdout' or file paths, comma separated.",
  ),
  def(
    L,
    "log-level",
    "string",
    "info",
    "Lowest level logged: debug, info, warn, error, panic or fatal.",
  ),
  // gateway
  def(M, "enable-grpc-gateway", "bool", true, "Serve the v3 JSON gateway under /v3/.", {
    hidden: true,
  }),
  // experimental
  def(
    X,
    "experimental-initial-corrupt-check",
    "bool",
    false,
    "Compare data with the peers before serving.",
  ),
  def(
    X,
    "experimental-corrupt-check-time",
    "duration",
    0,
    "Interval between corruption checks (0 disables).",
    {
      shown: "0s",
    },
  ),
  def(
    X,
    "experimental-enable-v2v3",
    "string",
    "",
    "Serve v2 requests from the v3 store under this prefix.",
  ),
  def(
    X,
    "experimental-backend-bbolt-freelist-type",
    "string",
    "",
    "Freelist type of the backend ('array' or 'map').",
  ),
  def(
    X,
    "experimental-enable-lease-checkpoint",
    "bool",
    false,
    "Leader checkpoints remaining lease TTLs to followers.",
  ),
  def(
    X,
    "experimental-enable-lease-checkpoint-persist",
    "bool",
    false,
    "Persist lease checkpoints (needs lease checkpoints on).",
    {
      hidden: true,
    },
  ),
  def(
    X,
    "experimental-compaction-batch-limit",
    "int",
    1000,
    "Revisions removed per compaction batch.",
  ),
  def(
    X,
    "experimental-peer-skip-client-san-verification",
    "bool",
    false,
    "Do not check the SAN of peer client certificates.",
  ),
  def(
    X,
    "experimental-watch-progress-notify-interval",
    "duration",
    600_000,
    "Interval of watch progress notifications.",
    {
      shown: "10m",
    },
  ),
  def(
    X,
    "experimental-warning-apply-duration",
    "duration",
    100,
    "Warn when applying a request takes longer than this.",
    {
      shown: "100ms",
    },
  ),
  // unsafe
  def(U, "unsafe-no-fsync", "bool", false, "Skip fsync (data loss on crash).", { hidden: true }),
  def(U, "force-new-cluster", "bool", false, "Restart as a one-member cluster keeping the data."),
  // deprecated
  def(D, "debug", "bool", false, "Log at debug level (use --log-level=debug)."),
  def(D, "log-package-levels", "string", "", "Per-package log levels (capnslog only)."),
  def(D, "log-output", "uniqueStrings", ["default"], "Old name of --log-outputs.", {
    hidden: true,
  }),
  def("", "version", "bool", false, "Print the version and exit.", { hidden: true }),
  ...IGNORED_FLAGS.map((name) =>
    def("", name, "ignored", "", "Accepted for compatibility and ignored.", { hidden: true }),
  ),
];

export const SERVER_FLAG_BY_NAME: ReadonlyMap<string, ServerFlagDef> = new Map(
  SERVER_FLAGS.map((d) => [d.name, d]),
);

/** ETCD_FOO_BAR for flag foo-bar (dots kept, as etcd does). */
export function flagToEnv(prefix: string, name: string): string {
  return `${prefix}_${name.replaceAll("-", "_").toUpperCase()}`;
}
