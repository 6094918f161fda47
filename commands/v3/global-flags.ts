// The etcdctl v3 global flags as data (name, default, help) and their resolution (flag >
// env ETCDCTL_<FLAG> > default) into one typed object every v3 command receives. Free of
// commander so the quick one-shot path (quick.ts) resolves them without loading it.
import { parseGoDurationMs } from "../../src/util/duration.js";
import { CommandError, ExitCode } from "../errors.js";

export type OutputFormat = "simple" | "json" | "fields" | "protobuf" | "table";

export interface GlobalOptions {
  endpoints: string[];
  dialTimeoutMs: number;
  commandTimeoutMs: number;
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  insecureTransport: boolean;
  insecureSkipTlsVerify: boolean;
  insecureDiscovery: boolean;
  cert?: string;
  key?: string;
  cacert?: string;
  user?: string;
  password?: string;
  hex: boolean;
  writeOut: OutputFormat;
  debug: boolean;
  discoverySrv?: string;
  discoverySrvName?: string;
}

export interface GlobalFlag {
  flags: string;
  description: string;
  defaultText: string;
  /** Attribute name commander uses for the option. */
  attr: string;
  boolean?: boolean;
}

// Declared as strings so that the env fallback and the "flag was given" test are uniform.
export const GLOBAL_FLAGS: GlobalFlag[] = [
  {
    flags: "--cacert <file>",
    attr: "cacert",
    defaultText: "",
    description: "verify certificates of TLS-enabled secure servers using this CA bundle",
  },
  {
    flags: "--cert <file>",
    attr: "cert",
    defaultText: "",
    description: "identify secure client using this TLS certificate file",
  },
  {
    flags: "--command-timeout <duration>",
    attr: "commandTimeout",
    defaultText: "5s",
    description: "timeout for short running command (excluding dial timeout)",
  },
  {
    flags: "--debug",
    attr: "debug",
    defaultText: "false",
    boolean: true,
    description: "enable client-side debug logging",
  },
  {
    flags: "--dial-timeout <duration>",
    attr: "dialTimeout",
    defaultText: "2s",
    description: "dial timeout for client connections",
  },
  {
    flags: "-d, --discovery-srv <domain>",
    attr: "discoverySrv",
    defaultText: "",
    description: "domain name to query for SRV records describing cluster endpoints",
  },
  {
    flags: "--discovery-srv-name <name>",
    attr: "discoverySrvName",
    defaultText: "",
    description: "service name to query when using DNS discovery",
  },
  {
    flags: "--endpoints <list>",
    attr: "endpoints",
    defaultText: "127.0.0.1:2379",
    description: "gRPC endpoints",
  },
  {
    flags: "--hex",
    attr: "hex",
    defaultText: "false",
    boolean: true,
    description: "print byte strings as hex encoded strings",
  },
  {
    flags: "--insecure-discovery",
    attr: "insecureDiscovery",
    defaultText: "true",
    boolean: true,
    description: "accept insecure SRV records describing cluster endpoints",
  },
  {
    flags: "--insecure-skip-tls-verify",
    attr: "insecureSkipTlsVerify",
    defaultText: "false",
    boolean: true,
    description:
      "skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)",
  },
  {
    flags: "--insecure-transport",
    attr: "insecureTransport",
    defaultText: "true",
    boolean: true,
    description: "disable transport security for client connections",
  },
  {
    flags: "--keepalive-time <duration>",
    attr: "keepaliveTime",
    defaultText: "2s",
    description: "keepalive time for client connections",
  },
  {
    flags: "--keepalive-timeout <duration>",
    attr: "keepaliveTimeout",
    defaultText: "6s",
    description: "keepalive timeout for client connections",
  },
  {
    flags: "--key <file>",
    attr: "key",
    defaultText: "",
    description: "identify secure client using this TLS key file",
  },
  {
    flags: "--password <password>",
    attr: "password",
    defaultText: "",
    description:
      "password for authentication (if this option is used, --user option shouldn't include password)",
  },
  {
    flags: "--user <user>",
    attr: "user",
    defaultText: "",
    description: "username[:password] for authentication (prompt if password is not supplied)",
  },
  {
    flags: "-w, --write-out <format>",
    attr: "writeOut",
    defaultText: "simple",
    description: "set the output format (fields, json, protobuf, simple, table)",
  },
];

function envName(attr: string): string {
  return "ETCDCTL_" + attr.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase();
}

function parseBool(flag: string, text: string): boolean {
  const t = text.toLowerCase();
  if (["1", "t", "true"].includes(t)) return true;
  if (["0", "f", "false"].includes(t)) return false;
  throw new CommandError(
    ExitCode.Error,
    `invalid argument "${text}" for "--${flag}" flag: strconv.ParseBool: parsing "${text}": invalid syntax`,
  );
}

/** What was typed for each global flag, by commander attribute name (undefined: not given). */
export type GivenGlobals = Record<string, string | boolean | undefined>;

/**
 * Resolves the global flags (flag, then ETCDCTL_* env, then default). A setting given both
 * ways is fatal, as etcdctl's pkg/flags makes it.
 */
export function resolveGlobalValues(given: GivenGlobals): GlobalOptions {
  const raw: Record<string, string> = {};
  for (const f of GLOBAL_FLAGS) {
    const flagName = f.flags
      .replace(/^-\w, /, "")
      .split(" ")[0]!
      .slice(2);
    const env = process.env[envName(f.attr)];
    const value = given[f.attr];
    if (value !== undefined) {
      if (env !== undefined && env !== "") {
        process.stderr.write(
          `${new Date().toISOString().replace("T", " ").replace("Z", "")} C | pkg/flags: conflicting environment variable "${envName(f.attr)}" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)\n`,
        );
        process.exit(1);
      }
      raw[flagName] = value === true ? "true" : String(value);
    } else if (env !== undefined && env !== "") {
      raw[flagName] = env;
    } else {
      raw[flagName] = f.defaultText;
    }
  }
  const duration = (flag: string): number => {
    try {
      return parseGoDurationMs(raw[flag]!);
    } catch (err) {
      throw new CommandError(
        ExitCode.Error,
        `invalid argument "${raw[flag]}" for "--${flag}" flag: ${(err as Error).message}`,
      );
    }
  };
  const optional = (flag: string): string | undefined => (raw[flag] === "" ? undefined : raw[flag]);
  return {
    endpoints: raw["endpoints"]!.split(",")
      .map((e) => e.trim())
      .filter((e) => e !== ""),
    dialTimeoutMs: duration("dial-timeout"),
    commandTimeoutMs: duration("command-timeout"),
    keepaliveTimeMs: duration("keepalive-time"),
    keepaliveTimeoutMs: duration("keepalive-timeout"),
    insecureTransport: parseBool("insecure-transport", raw["insecure-transport"]!),
    insecureSkipTlsVerify: parseBool("insecure-skip-tls-verify", raw["insecure-skip-tls-verify"]!),
    insecureDiscovery: parseBool("insecure-discovery", raw["insecure-discovery"]!),
    cert: optional("cert"),
    key: optional("key"),
    cacert: optional("cacert"),
    user: optional("user"),
    password: optional("password"),
    hex: parseBool("hex", raw["hex"]!),
    writeOut: raw["write-out"] as OutputFormat,
    debug: parseBool("debug", raw["debug"]!),
    discoverySrv: optional("discovery-srv"),
    discoverySrvName: optional("discovery-srv-name"),
  };
}
