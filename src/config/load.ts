// Turns `tsctl server` arguments + environment into a validated ServerConfig, or into exactly
// what etcd 3.4 prints and its exit code: flags first, then ETCD_* env (or a YAML file
// instead of both), then validation. Output is returned as data so tests can compare it.
import { networkInterfaces } from "node:os";
import { SERVER_FLAGS, flagToEnv } from "./definitions.js";
import { FlagSyntaxError, parseGoFlags, setFlagValue } from "./flags.js";
import type { FlagValue } from "./flags.js";
import { USAGE_TEXT, flagsText } from "./help.js";
import {
  ConfigInvalidError,
  ERR_UNSET_ADVERTISE_CLIENT_URLS,
  buildServerConfig,
  defaultFlagValues,
  logLevelKnown,
  mayBeProxy,
  parseAutoCompaction,
  validateLogging,
  validateServerConfig,
} from "./server-config.js";
import type { ServerConfig } from "./server-config.js";
import { YamlConfigError, applyYamlConfigFile } from "./yaml.js";
import { capnslogLine, createLogger, preciseNowMs } from "../log/logger.js";
import type { LogFields, LogSink } from "../log/logger.js";
import { ETCD_VERSION } from "../version.js";

/** One thing to print. "log" lines are rendered when printed (they carry a timestamp). */
export type ConfigOutput =
  | {
      to: "log";
      format: "json" | "capnslog";
      level: "info" | "notice" | "warn" | "error" | "fatal";
      /** capnslog package / zap caller. */
      pkg: string;
      msg: string;
      fields?: LogFields;
      /** Written by the configured logger (to --log-outputs) rather than before it exists. */
      configured?: true;
    }
  | { to: "stdout" | "stderr"; text: string };

export interface LoadResult {
  outputs: ConfigOutput[];
  /** Set when the process must end now with this code (after printing outputs). */
  exitCode?: number;
  /** Set when the member can start. */
  config?: ServerConfig;
  /** --log-outputs, once known: where "configured" log lines go. */
  logOutputs?: string[];
}

export type Env = Readonly<Record<string, string | undefined>>;

const ENV_PREFIX = "ETCD";

export function versionText(): string {
  return (
    `etcd Version: ${ETCD_VERSION}\n` +
    `Git SHA: tsctl\n` +
    `Go Version: node${process.versions.node}\n` +
    `Go OS/Arch: ${process.platform}/${goArch(process.arch)}\n`
  );
}

function goArch(arch: string): string {
  return arch === "x64" ? "amd64" : arch === "ia32" ? "386" : arch;
}

/**
 * Parses `tsctl server` arguments with `env` (process.env) as etcd 3.4 would. Never prints or
 * exits: the caller prints `outputs` in order, then exits with `exitCode` when it is set.
 */
export function loadServerConfig(args: readonly string[], env: Env): LoadResult {
  const outputs: ConfigOutput[] = [];
  const early = (
    level: "info" | "notice" | "warn" | "error" | "fatal",
    pkg: string,
    msg: string,
    configured?: true,
  ) => outputs.push({ to: "log", format: "capnslog", level, pkg, msg, configured });
  const ignoredWarning = (name: string) =>
    early("warn", "pkg/flags", `flag "-${name}" is no longer supported - ignoring.`);
  /** "error verifying flags", in capnslog's shape (before a logger exists, or logger=capnslog). */
  const earlyInvalid = (message: string, configured?: true): LoadResult => {
    early("error", "etcdmain", `error verifying flags, ${message}. See 'etcd --help'.`, configured);
    if (message === ERR_UNSET_ADVERTISE_CLIENT_URLS) {
      early(
        "error",
        "etcdmain",
        "When listening on specific address(es), this etcd process must advertise accessible url(s) to each connected client.",
        configured,
      );
    }
    return { outputs, exitCode: 1 };
  };

  let parsed;
  try {
    parsed = parseGoFlags(SERVER_FLAGS, args);
  } catch (err) {
    if (!(err instanceof FlagSyntaxError)) throw err;
    // Legacy flags before the bad one were already warned about by Go's parser.
    for (const name of err.ignoredSeen) ignoredWarning(name);
    outputs.push({ to: "stderr", text: `${err.message}\n${USAGE_TEXT}` });
    return { outputs, exitCode: 2 };
  }
  for (const name of parsed.ignoredSeen) ignoredWarning(name);
  if (parsed.help) {
    outputs.push({ to: "stderr", text: USAGE_TEXT }, { to: "stdout", text: flagsText() });
    return { outputs, exitCode: 0 };
  }
  if (parsed.rest.length > 0) return earlyInvalid(`'${parsed.rest[0]}' is not a valid flag`);
  if (parsed.values.get("version") === true) {
    outputs.push({ to: "stdout", text: versionText() });
    return { outputs, exitCode: 0 };
  }

  let configFile = parsed.values.get("config-file") as string;
  if (configFile === "") configFile = env[flagToEnv(ENV_PREFIX, "config-file")] ?? "";

  let values: Map<string, FlagValue>;
  let proxyAllowed: boolean;
  let yamlProxyError: YamlConfigError | undefined;
  if (configFile !== "") {
    try {
      ({ values, proxyError: yamlProxyError } = applyYamlConfigFile(
        configFile,
        defaultFlagValues(),
      ));
    } catch (err) {
      if (!(err instanceof YamlConfigError)) throw err;
      if (err.how === "raw") {
        outputs.push({ to: "stderr", text: `${err.message}\n` });
        return { outputs, exitCode: 1 };
      }
      if (err.how === "fatal-log") {
        early("info", "", err.message);
        return { outputs, exitCode: 1 };
      }
      early("info", "etcdmain", loadingNote(configFile));
      return earlyInvalid(err.message);
    }
    proxyAllowed = false;
  } else {
    values = new Map(parsed.values);
    const envOutcome = applyEnv(values, parsed.set, env, early, ignoredWarning);
    if (envOutcome.fatal) return { outputs, exitCode: 1 };
    if (envOutcome.error) return earlyInvalid(envOutcome.error);
    const isSet = (name: string) => parsed.set.has(name) || envOutcome.used.has(name);
    const partial = buildServerConfig(values);
    if (isSet("listen-client-urls") && !isSet("advertise-client-urls") && !mayBeProxy(partial)) {
      values.set("advertise-client-urls", []);
    }
    const discovering = ["discovery", "discovery-srv", "discovery-srv-name"].some(
      (k) => values.get(k) !== "",
    );
    if (discovering && !isSet("initial-cluster")) values.set("initial-cluster", "");
    proxyAllowed = true;
  }

  const config = buildServerConfig(values, configFile);
  try {
    outputs.push(...deprecatedLogOutput(config, values.get("log-output") as string[]));
    outputs.push(...loggingWarnings(config));
    validateLogging(config);
  } catch (err) {
    if (!(err instanceof ConfigInvalidError)) throw err;
    if (configFile !== "") early("info", "etcdmain", loadingNote(configFile));
    return earlyInvalid(err.message);
  }
  const withOutputs = (r: LoadResult): LoadResult => ({ ...r, logOutputs: config.logOutputs });
  if (!logLevelKnown(config)) {
    // etcd panics here; keep its first line and exit code.
    outputs.push({
      to: "stderr",
      text: `panic: unknown level ${JSON.stringify(config.logLevel)}\n`,
    });
    return { outputs, exitCode: 2 };
  }
  try {
    validateServerConfig(config, proxyAllowed);
  } catch (err) {
    if (!(err instanceof ConfigInvalidError)) throw err;
    // A YAML file's validation runs before etcd has a logger; flags' after.
    if (configFile !== "") {
      early("info", "etcdmain", loadingNote(configFile));
      return earlyInvalid(err.message);
    }
    if (config.logger === "capnslog") return withOutputs(earlyInvalid(err.message, true));
    const log = (msg: string) =>
      outputs.push({
        to: "log",
        format: "json",
        configured: true,
        level: "warn",
        pkg: "etcdmain",
        msg,
        fields: { error: err.message },
      });
    log("failed to verify flags");
    if (err.message === ERR_UNSET_ADVERTISE_CLIENT_URLS) log("advertise client URLs are not set");
    return withOutputs({ outputs, exitCode: 1 });
  }

  const format = config.logger === "zap" ? "json" : "capnslog";
  /** A line from the configured logger: zap's message and fields, or capnslog's text. */
  const say = (
    level: "info" | "warn" | "fatal",
    zapMsg: string,
    fields: LogFields,
    capnslogMsg: string,
  ) =>
    outputs.push(
      format === "json"
        ? { to: "log", format, configured: true, level, pkg: "etcdmain", msg: zapMsg, fields }
        : { to: "log", format, configured: true, level, pkg: "etcdmain", msg: capnslogMsg },
    );
  const loadedNote = () =>
    say(
      "info",
      "loaded server configuration, other configuration command line flags and environment variables will be ignored if provided",
      { path: configFile },
      loadingNote(configFile),
    );

  if (yamlProxyError) {
    if (yamlProxyError.how === "fatal-log") {
      early("info", "", yamlProxyError.message);
      return withOutputs({ outputs, exitCode: 1 });
    }
    if (format === "capnslog") return withOutputs(earlyInvalid(yamlProxyError.message, true));
    loadedNote();
    say("warn", "failed to verify flags", { error: yamlProxyError.message }, "");
    return withOutputs({ outputs, exitCode: 1 });
  }
  if (configFile !== "") loadedNote();
  const defaultHost = applyDefaultHost(
    config,
    defaultFlagValues().get("initial-cluster") as string,
  );
  if (defaultHost !== undefined) {
    say(
      "info",
      "detected default host for advertise",
      { host: defaultHost },
      `advertising using detected default host ${JSON.stringify(defaultHost)}`,
    );
  }
  if (config.dataDirDefaulted) {
    say(
      "warn",
      "'data-dir' was empty; using default",
      { "data-dir": config.dataDir },
      `no data-dir provided, using default data-dir ./${config.dataDir}`,
    );
  }
  try {
    config.autoCompaction = parseAutoCompaction(
      config.autoCompactionMode,
      config.autoCompactionRetention,
    );
  } catch (err) {
    // etcd finds this only when starting the server: its "failed to start" pair of lines.
    const message = (err as Error).message;
    if (format === "json") say("warn", "failed to start etcd", { error: message }, "");
    say("fatal", "discovery failed", { error: message }, message);
    return withOutputs({ outputs, exitCode: 1 });
  }
  return withOutputs({ outputs, config });
}

/**
 * etcd's start-up defaults that depend on other settings: a member named other than
 * "default" with the default --initial-cluster gets `name=<advertised peer URLs>`; listening
 * on 0.0.0.0 with the default advertised URL advertises this machine's address instead.
 * Returns the detected host when it was used.
 */
export function applyDefaultHost(
  cfg: ServerConfig,
  defaultInitialCluster: string,
  detectHost: () => string | undefined = detectDefaultHost,
): string | undefined {
  const host = detectHost();
  let used = false;
  const bracket = (h: string) => (h.includes(":") ? `[${h}]` : h);
  const rewrite = (listen: string[], advertised: string[], defaultUrl: string) => {
    if (host === undefined || advertised.length !== 1 || advertised[0] !== defaultUrl) return;
    const first = /^([a-z]+):\/\/(.*):(\d*)$/.exec(listen[0] ?? "");
    if (!first || first[2] !== "0.0.0.0") return;
    advertised[0] = `${advertised[0]!.split(":")[0]}://${bracket(host)}:${first[3]}`;
    used = true;
  };
  rewrite(cfg.listenPeerUrls, cfg.initialAdvertisePeerUrls, "http://localhost:2380");
  if (cfg.name !== "default" && cfg.initialCluster === defaultInitialCluster) {
    const name = cfg.name === "" ? "default" : cfg.name;
    cfg.initialCluster = cfg.initialAdvertisePeerUrls.map((u) => `${name}=${u}`).join(",");
  }
  rewrite(cfg.listenClientUrls, cfg.advertiseClientUrls, "http://localhost:2379");
  return used ? host : undefined;
}

/** The first external IPv4 address (etcd asks for the default route's interface). */
function detectDefaultHost(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}

function loadingNote(path: string): string {
  return `Loading server configuration from ${JSON.stringify(path)}. Other configuration command line flags and environment variables will be ignored if provided.`;
}

interface EnvOutcome {
  used: Set<string>;
  error?: string;
  fatal: boolean;
}

/** ETCD_* variables, applied as etcd does after the command line (flags win; both is fatal). */
function applyEnv(
  values: Map<string, FlagValue>,
  setByFlag: ReadonlySet<string>,
  env: Env,
  early: (level: "info" | "warn" | "fatal", pkg: string, msg: string) => void,
  ignoredWarning: (name: string) => void,
): EnvOutcome {
  const out: EnvOutcome = { used: new Set(), fatal: false };
  const usedKeys = new Set<string>();
  const shadowedKeys = new Set([...setByFlag].map((n) => flagToEnv(ENV_PREFIX, n)));
  const sorted = [...SERVER_FLAGS].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const def of sorted) {
    const key = flagToEnv(ENV_PREFIX, def.name);
    if (shadowedKeys.has(key)) continue;
    const val = env[key];
    if (val === undefined || val === "") continue;
    usedKeys.add(key);
    out.used.add(def.name);
    try {
      values.set(def.name, setFlagValue(def, val, values.get(def.name)!));
    } catch (err) {
      out.error = `invalid value ${JSON.stringify(val)} for ${key}: ${(err as Error).message}`;
      continue;
    }
    if (def.kind === "ignored") ignoredWarning(def.name);
    early("info", "pkg/flags", `recognized and used environment variable ${key}=${val}`);
  }
  for (const [key, val] of Object.entries(env)) {
    if (val === undefined || usedKeys.has(key)) continue;
    if (shadowedKeys.has(key)) {
      early(
        "fatal",
        "pkg/flags",
        `conflicting environment variable ${JSON.stringify(key)} is shadowed by corresponding command-line flag (either unset environment variable or disable flag)`,
      );
      out.fatal = true;
      return out;
    }
    if (key.startsWith(`${ENV_PREFIX}_`)) {
      early("warn", "pkg/flags", `unrecognized environment variable ${key}=${val}`);
    }
  }
  return out;
}

/**
 * The old --log-output flag: taken over when it lists more outputs than --log-outputs,
 * otherwise warned about (or refused when the two conflict), as etcd 3.4 does.
 */
function deprecatedLogOutput(cfg: ServerConfig, old: string[]): ConfigOutput[] {
  const outs = cfg.logOutputs;
  const goList = (l: string[]) => `[${l.map((x) => JSON.stringify(x)).join(" ")}]`;
  const same = old.length === outs.length && old.every((o, i) => o === outs[i]);
  if (old.length !== outs.length) {
    if (old.length < outs.length) return [];
    cfg.logOutputs = [...old];
    return [
      {
        to: "stderr",
        text: "'--log-output' flag has been deprecated! Please use '--log-outputs'!\n",
      },
    ];
  }
  if (old.length > 1) {
    throw new ConfigInvalidError(
      "both '--log-output' and '--log-outputs' are set; only set '--log-outputs'",
    );
  }
  if (old.length < 1)
    throw new ConfigInvalidError("either '--log-output' or '--log-outputs' flag must be set");
  if (same && old[0] !== "default") {
    throw new ConfigInvalidError(
      `'--log-output=${goList(old)}' and '--log-outputs=${goList(outs)}' are incompatible; only set --log-outputs`,
    );
  }
  if (old.length === 1 && old[0] === "default") return [];
  return [
    {
      to: "stderr",
      text: `[WARNING] Deprecated '--log-output' flag is set to ${goList(old)}\nPlease use '--log-outputs' flag\n`,
    },
  ];
}

/** The raw "[WARNING] ..." lines etcd's logging setup prints for deprecated settings. */
function loggingWarnings(cfg: ServerConfig): ConfigOutput[] {
  const lines: string[] = [];
  if (cfg.debug)
    lines.push(
      `[WARNING] Deprecated '--debug' flag is set to true (use '--log-level=debug' instead`,
    );
  if (cfg.debug && cfg.logLevel !== "debug") {
    lines.push(
      `[WARNING] Deprecated '--debug' flag is set to true with inconsistent '--log-level=${cfg.logLevel}' flag`,
    );
  }
  if (cfg.logger === "capnslog") {
    lines.push(
      "[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead",
    );
  }
  if (cfg.logPackageLevels !== "") {
    lines.push(
      `[WARNING] Deprecated '--log-package-levels=${cfg.logPackageLevels}' flag is set; use '--logger=zap' flag instead`,
    );
  }
  return lines.map((l) => ({ to: "stderr" as const, text: `${l}\n` }));
}

/** Prints the outputs in order; log lines get the current time. */
export function printConfigOutputs(
  outputs: readonly ConfigOutput[],
  sinks: { stdout: LogSink; stderr: LogSink; configured?: LogSink[] },
  nowMs: () => number = preciseNowMs,
): void {
  for (const o of outputs) {
    if (o.to !== "log") {
      (o.to === "stdout" ? sinks.stdout : sinks.stderr).write(o.text);
      continue;
    }
    const targets = o.configured && sinks.configured ? sinks.configured : [sinks.stderr];
    if (o.format === "capnslog") {
      const line = capnslogLine(o.level, nowMs(), o.pkg, o.msg, o.fields);
      for (const t of targets) t.write(line);
    } else {
      createLogger({
        format: "json",
        sinks: targets,
        component: o.pkg,
        nowMs,
        level: "debug",
      }).logAt(o.level === "notice" ? "info" : o.level, o.msg, o.fields);
    }
  }
}
