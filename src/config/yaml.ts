// `--config-file`: etcd's YAML keys (flag names; TLS under client-/peer-transport-security;
// URL lists as comma-separated strings; durations as integer nanoseconds), decoded with the
// type rules and error texts of Go's encoding/json, which etcd goes through.
import { readFileSync } from "node:fs";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { FlagValue } from "./flags.js";
import { parseUrlList } from "./urls.js";

type GoType =
  "string" | "bool" | "uint" | "uint32" | "uint64" | "int" | "int64" | "time.Duration" | "[]string";

/** Keys of etcd's configYAML struct and their Go types. */
const YAML_KEYS: Readonly<Record<string, GoType>> = {
  name: "string",
  "data-dir": "string",
  "wal-dir": "string",
  "snapshot-count": "uint64",
  "max-snapshots": "uint",
  "max-wals": "uint",
  "heartbeat-interval": "uint",
  "election-timeout": "uint",
  "initial-election-tick-advance": "bool",
  "backend-batch-interval": "time.Duration",
  "backend-batch-limit": "int",
  "quota-backend-bytes": "int64",
  "max-txn-ops": "uint",
  "max-request-bytes": "uint",
  "max-concurrent-streams": "uint32",
  "cipher-suites": "[]string",
  "initial-cluster-state": "string",
  "discovery-srv": "string",
  "discovery-srv-name": "string",
  "discovery-proxy": "string",
  discovery: "string",
  "initial-cluster": "string",
  "initial-cluster-token": "string",
  "strict-reconfig-check": "bool",
  "enable-v2": "bool",
  "auto-compaction-mode": "string",
  "auto-compaction-retention": "string",
  "grpc-keepalive-min-time": "time.Duration",
  "grpc-keepalive-interval": "time.Duration",
  "grpc-keepalive-timeout": "time.Duration",
  "pre-vote": "bool",
  "auth-token": "string",
  "bcrypt-cost": "uint",
  "auth-token-ttl": "uint",
  "experimental-initial-corrupt-check": "bool",
  "experimental-corrupt-check-time": "time.Duration",
  "experimental-enable-v2v3": "string",
  "experimental-backend-bbolt-freelist-type": "string",
  "experimental-enable-lease-checkpoint": "bool",
  "experimental-enable-lease-checkpoint-persist": "bool",
  "experimental-compaction-batch-limit": "int",
  "experimental-watch-progress-notify-interval": "time.Duration",
  "experimental-warning-apply-duration": "time.Duration",
  "force-new-cluster": "bool",
  "enable-pprof": "bool",
  metrics: "string",
  "listen-metrics-urls": "string",
  logger: "string",
  "log-level": "string",
  "log-outputs": "[]string",
  "enable-grpc-gateway": "bool",
  "log-output": "[]string",
  debug: "bool",
  "log-package-levels": "string",
  "unsafe-no-fsync": "bool",
  // configJSON: URL lists as one string
  "listen-peer-urls": "string",
  "listen-client-urls": "string",
  "initial-advertise-peer-urls": "string",
  "advertise-client-urls": "string",
  cors: "string",
  "host-whitelist": "string",
};

/** Keys read in etcd's second pass (struct configProxy). */
const PROXY_KEYS: Readonly<Record<string, GoType>> = {
  "proxy-failure-wait": "uint",
  "proxy-refresh-interval": "uint",
  "proxy-dial-timeout": "uint",
  "proxy-write-timeout": "uint",
  "proxy-read-timeout": "uint",
  proxy: "string",
  "discovery-fallback": "string",
};

const SECURITY_KEYS: Readonly<Record<string, GoType>> = {
  "cert-file": "string",
  "key-file": "string",
  "client-cert-auth": "bool",
  "trusted-ca-file": "string",
  "auto-tls": "bool",
};

/** Where a YAML problem surfaces, mirroring etcd. */
export class YamlConfigError extends Error {
  constructor(
    message: string,
    /** "verify": "error verifying flags, ..."; "raw": printed as is; "fatal-log": a std log line. */
    readonly how: "verify" | "raw" | "fatal-log",
  ) {
    super(message);
    this.name = "YamlConfigError";
  }
}

const URL_KEYS: ReadonlyArray<[key: string, label: string]> = [
  ["listen-peer-urls", "listen-peer-urls"],
  ["listen-client-urls", "listen-client-urls"],
  ["initial-advertise-peer-urls", "initial-advertise-peer-urls"],
  // etcd names the wrong flag in this message; kept for identical output.
  ["advertise-client-urls", "advertise-peer-urls"],
  ["listen-metrics-urls", "listen-metrics-urls"],
];

/**
 * Reads the file and overlays it on `values` (flag defaults), returning the merged values.
 * Throws YamlConfigError.
 */
export interface YamlLoad {
  values: Map<string, FlagValue>;
  /**
   * A problem in etcd's second pass (the v2 proxy keys): etcd reports it only after the
   * main configuration validated, with the configured logger.
   */
  proxyError?: YamlConfigError;
}

export function applyYamlConfigFile(path: string, values: Map<string, FlagValue>): YamlLoad {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === "ENOENT"
        ? "no such file or directory"
        : e.code === "EACCES"
          ? "permission denied"
          : e.message;
    throw new YamlConfigError(`open ${path}: ${why}`, "verify");
  }
  return applyYamlConfigText(text, values);
}

export function applyYamlConfigText(text: string, base: Map<string, FlagValue>): YamlLoad {
  let doc: unknown;
  try {
    doc = parseYaml(text, { version: "1.1", uniqueKeys: false });
  } catch (err) {
    const line =
      err instanceof YAMLParseError && err.linePos ? `line ${err.linePos[0].line}: ` : "";
    const first = (err as Error).message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    throw new YamlConfigError(`error converting YAML to JSON: yaml: ${line}${first}`, "verify");
  }
  const values = new Map(base);
  if (doc === null || doc === undefined) return finish(values, {});
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new YamlConfigError(
      `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonKind(doc)} into Go value of type embed.configYAML`,
      "verify",
    );
  }
  const obj = doc as Record<string, unknown>;
  const decoded = decodeStruct(obj, YAML_KEYS, "configYAML", "");
  for (const sec of ["client-transport-security", "peer-transport-security"]) {
    const raw = lookupKey(obj, sec);
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== "object" || Array.isArray(raw)) {
      decoded.errors.push({
        key: sec,
        text: `json: cannot unmarshal ${jsonKind(raw)} into Go struct field configYAML.${sec} of type embed.securityConfig`,
      });
      continue;
    }
    const inner = decodeStruct(
      raw as Record<string, unknown>,
      SECURITY_KEYS,
      "securityConfig",
      `${sec}.`,
    );
    decoded.errors.push(...inner.errors.map((e) => ({ ...e, key: `${sec}.${e.key}` })));
    for (const [k, v] of inner.values) decoded.values.set(`${sec}.${k}`, v);
  }
  if (decoded.errors.length > 0) {
    decoded.errors.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    throw new YamlConfigError(
      `error unmarshaling JSON: while decoding JSON: ${decoded.errors[0]!.text}`,
      "verify",
    );
  }
  return finish(values, Object.fromEntries(decoded.values), obj);
}

function finish(
  values: Map<string, FlagValue>,
  got: Record<string, FlagValue>,
  obj: Record<string, unknown> = {},
): YamlLoad {
  const defaultInitialCluster = values.get("initial-cluster");
  for (const [key, v] of Object.entries(got)) {
    if (key.includes(".")) continue;
    if (URL_KEYS.some(([k]) => k === key) || key === "cors" || key === "host-whitelist") continue;
    values.set(key, v);
  }
  for (const [key, label] of URL_KEYS) {
    const text = got[key];
    if (typeof text !== "string" || text === "") continue;
    try {
      values.set(key, parseUrlList(text));
    } catch (err) {
      throw new YamlConfigError(
        `unexpected error setting up ${label}: ${(err as Error).message}`,
        "raw",
      );
    }
  }
  if (typeof got.cors === "string" && got.cors !== "") {
    const items = got.cors.split(",");
    values.set(
      "cors",
      items.includes("*") && items.length === 1
        ? ["*"]
        : [...new Set(items.flatMap((i) => (i === "*" ? ["*"] : parseUrlList(i))))].sort(),
    );
  }
  if (typeof got["host-whitelist"] === "string" && got["host-whitelist"] !== "") {
    values.set("host-whitelist", [...new Set(got["host-whitelist"].split(","))].sort());
  }
  if (
    (values.get("discovery") !== "" || values.get("discovery-srv") !== "") &&
    values.get("initial-cluster") === defaultInitialCluster
  ) {
    values.set("initial-cluster", "");
  }
  if (values.get("initial-cluster-state") === "") values.set("initial-cluster-state", "new");
  for (const [sec, prefix] of [
    ["client-transport-security", ""],
    ["peer-transport-security", "peer-"],
  ] as const) {
    const pick = (k: string, fallback: FlagValue) => got[`${sec}.${k}`] ?? fallback;
    values.set(`${prefix}cert-file`, pick("cert-file", ""));
    values.set(`${prefix}key-file`, pick("key-file", ""));
    values.set(
      prefix === "" ? "client-cert-auth" : "peer-client-cert-auth",
      pick("client-cert-auth", false),
    );
    values.set(
      prefix === "" ? "trusted-ca-file" : "peer-trusted-ca-file",
      pick("trusted-ca-file", ""),
    );
    values.set(`${prefix}auto-tls`, pick("auto-tls", false));
  }
  try {
    applyProxyKeys(obj, values);
  } catch (err) {
    if (!(err instanceof YamlConfigError)) throw err;
    return { values, proxyError: err };
  }
  return { values };
}

/** etcd's second pass over the file for the v2 proxy settings. */
function applyProxyKeys(obj: Record<string, unknown>, values: Map<string, FlagValue>): void {
  const decoded = decodeStruct(obj, PROXY_KEYS, "configProxy", "");
  if (decoded.errors.length > 0) {
    decoded.errors.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    throw new YamlConfigError(
      `error unmarshaling JSON: while decoding JSON: ${decoded.errors[0]!.text}`,
      "verify",
    );
  }
  for (const [key, v] of decoded.values) {
    if (key === "proxy" || key === "discovery-fallback") {
      if (v === "") continue;
      const valids = key === "proxy" ? ["off", "readonly", "on"] : ["proxy", "exit"];
      if (!valids.includes(v as string)) {
        const what = key === "proxy" ? "proxyFlag" : "discovery-fallback flag";
        throw new YamlConfigError(
          `unexpected error setting up ${what}: invalid value`,
          "fatal-log",
        );
      }
    }
    values.set(key, v);
  }
}

interface DecodeResult {
  values: Map<string, FlagValue>;
  errors: Array<{ key: string; text: string }>;
}

/** Go json matches a key exactly first, then case-insensitively. */
function lookupKey(obj: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

function decodeStruct(
  obj: Record<string, unknown>,
  keys: Readonly<Record<string, GoType>>,
  structName: string,
  fieldPrefix: string,
): DecodeResult {
  const out: DecodeResult = { values: new Map(), errors: [] };
  for (const [key, type] of Object.entries(keys)) {
    const raw = lookupKey(obj, key);
    if (raw === undefined || raw === null) continue;
    const field = `${structName}.${fieldPrefix}${key}`;
    try {
      out.values.set(key, decodeValue(raw, type));
    } catch (err) {
      out.errors.push({
        key,
        text: `json: cannot unmarshal ${(err as Error).message} into Go struct field ${field} of type ${(err as DecodeError).goType ?? type}`,
      });
    }
  }
  return out;
}

class DecodeError extends Error {
  constructor(
    what: string,
    readonly goType?: string,
  ) {
    super(what);
  }
}

function decodeValue(raw: unknown, type: GoType): FlagValue {
  switch (type) {
    case "string":
      if (typeof raw !== "string") throw new DecodeError(jsonKind(raw));
      return raw;
    case "bool":
      if (typeof raw !== "boolean") throw new DecodeError(jsonKind(raw));
      return raw;
    case "[]string":
      if (!Array.isArray(raw)) throw new DecodeError(jsonKind(raw));
      return raw.map((item) => {
        if (typeof item !== "string") throw new DecodeError(jsonKind(item), "string");
        return item;
      });
    default: {
      if (typeof raw !== "number" && typeof raw !== "bigint") throw new DecodeError(jsonKind(raw));
      const n = typeof raw === "bigint" ? raw : Number.isInteger(raw) ? BigInt(raw) : undefined;
      const [min, max] = INT_RANGE[type];
      if (n === undefined || n < min || n > max) throw new DecodeError(`number ${String(raw)}`);
      // Durations are nanoseconds in YAML; the typed config keeps milliseconds.
      return type === "time.Duration" ? Number(n) / 1e6 : Number(n);
    }
  }
}

const INT_RANGE: Record<Exclude<GoType, "string" | "bool" | "[]string">, [bigint, bigint]> = {
  uint: [0n, (1n << 64n) - 1n],
  uint64: [0n, (1n << 64n) - 1n],
  uint32: [0n, (1n << 32n) - 1n],
  int: [-(1n << 63n), (1n << 63n) - 1n],
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  "time.Duration": [-(1n << 63n), (1n << 63n) - 1n],
};

function jsonKind(v: unknown): string {
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number" || typeof v === "bigint") return "number";
  if (Array.isArray(v)) return "array";
  return "object";
}
