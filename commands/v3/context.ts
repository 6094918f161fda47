// What every v3 command action starts with: resolved globals, the printer for -w, and (on
// demand) a v3 client built from the global flags. Loads the printer and the client lazily
// so that registering commands stays cheap.
import type { Command } from "commander";
import type { EtcdClient } from "../../src/client/v3/index.js";
import type { Printer, PrinterOptions } from "../../src/printer/index.js";
import { formatGoDuration } from "../../src/util/duration.js";
import { CommandError, ExitCode } from "../errors.js";
import { resolveGlobals } from "./globals.js";
import type { GlobalOptions } from "./globals.js";

export interface CommandContext {
  globals: GlobalOptions;
  printer: Printer;
  /** The client for --endpoints (logged in when --user is given); closed by run(). */
  client(): Promise<EtcdClient>;
  /** Called as the command's client starts talking (by client(), or by a lean path). */
  clientStarting(): void;
}

/**
 * With --debug, etcdctl lists the flags the command inherits as ETCDCTL_* settings on
 * stderr, sorted by name, as it builds its client: the global flags, a parent command's own
 * persistent flags (endpoint --cluster), and for watch its environment-only key settings.
 */
export function debugFlagLines(cmd: Command, g: GlobalOptions): string {
  const settings: Record<string, string> = {
    CACERT: g.cacert ?? "",
    CERT: g.cert ?? "",
    COMMAND_TIMEOUT: formatGoDuration(g.commandTimeoutMs),
    DEBUG: String(g.debug),
    DIAL_TIMEOUT: formatGoDuration(g.dialTimeoutMs),
    DISCOVERY_SRV: g.discoverySrv ?? "",
    DISCOVERY_SRV_NAME: g.discoverySrvName ?? "",
    ENDPOINTS: `[${g.endpoints.join(",")}]`,
    HEX: String(g.hex),
    INSECURE_DISCOVERY: String(g.insecureDiscovery),
    INSECURE_SKIP_TLS_VERIFY: String(g.insecureSkipTlsVerify),
    INSECURE_TRANSPORT: String(g.insecureTransport),
    KEEPALIVE_TIME: formatGoDuration(g.keepaliveTimeMs),
    KEEPALIVE_TIMEOUT: formatGoDuration(g.keepaliveTimeoutMs),
    KEY: g.key ?? "",
    PASSWORD: g.password ?? "",
    USER: g.user ?? "",
    WRITE_OUT: g.writeOut,
  };
  // A parent's flag may be typed after the subcommand: take values from the whole chain.
  const opts = cmd.optsWithGlobals() as Record<string, unknown>;
  for (let c = cmd.parent; c !== null && c.parent !== null; c = c.parent) {
    for (const o of c.options) {
      if (o.long === undefined || o.long === "--help") continue;
      const value = opts[o.attributeName()];
      const name = o.long.slice(2).replace(/-/g, "_").toUpperCase();
      settings[name] = value === undefined ? (o.isBoolean() ? "false" : "") : String(value);
    }
  }
  if (cmd.name() === "watch") {
    settings["WATCH_KEY"] = process.env.ETCDCTL_WATCH_KEY ?? "";
    settings["WATCH_RANGE_END"] = process.env.ETCDCTL_WATCH_RANGE_END ?? "";
  }
  return Object.keys(settings)
    .sort()
    .map((k) => `ETCDCTL_${k}=${settings[k]}\n`)
    .join("");
}

/** Splits `--user name[:password]`; prompts on the terminal when no password is given. */
async function credentials(g: GlobalOptions): Promise<[string, string] | undefined> {
  if (g.user === undefined) return undefined;
  if (g.password !== undefined) {
    if (g.user.includes(":"))
      throw new CommandError(
        ExitCode.BadArgs,
        "If --password is specified, --user shouldn't include password",
      );
    return [g.user, g.password];
  }
  const i = g.user.indexOf(":");
  if (i >= 0) return [g.user.slice(0, i), g.user.slice(i + 1)];
  const { promptPassword } = await import("./prompt.js");
  return [g.user, await promptPassword("Password: ")];
}

/** A client for `endpoints` with the global connection flags. */
export async function newClient(
  g: GlobalOptions,
  endpoints: string[] = g.endpoints,
): Promise<EtcdClient> {
  const creds = await credentials(g);
  const { EtcdClient } = await import("../../src/client/v3/index.js");
  const client = new EtcdClient({
    endpoints,
    dialTimeoutMs: g.dialTimeoutMs,
    commandTimeoutMs: g.commandTimeoutMs,
    keepaliveTimeMs: g.keepaliveTimeMs,
    keepaliveTimeoutMs: g.keepaliveTimeoutMs,
    cert: g.cert,
    key: g.key,
    cacert: g.cacert,
    insecureSkipTlsVerify: g.insecureSkipTlsVerify,
    insecureTransport: g.insecureTransport,
    user: creds?.[0],
    password: creds?.[1],
  });
  if (creds !== undefined) {
    // etcdctl logs in while building its client: bad credentials exit 2, before any request.
    try {
      await client.auth.authenticate(
        { name: creds[0], password: creds[1] },
        { timeoutMs: g.dialTimeoutMs + g.commandTimeoutMs },
      );
    } catch (err) {
      client.close();
      const text = err instanceof Error ? err.message : String(err);
      if (text !== "etcdserver: authentication is not enabled")
        throw new CommandError(ExitCode.BadConnection, text);
    }
  }
  return client;
}

/**
 * Runs `body` with the context of `cmd`, then closes any client it opened. The printer is
 * created first so an unknown -w fails before any request is sent, as in etcdctl.
 */
export async function run(
  cmd: Command,
  body: (ctx: CommandContext) => Promise<void>,
  printerOpts: PrinterOptions = {},
): Promise<void> {
  const globals = resolveGlobals(cmd);
  if (globals.discoverySrv !== undefined) {
    const { discoverEndpoints } = await import("./discovery.js");
    const found = await discoverEndpoints(globals).catch((err: unknown) => {
      throw new CommandError(ExitCode.Error, errorText(err));
    });
    if (found.length > 0) globals.endpoints = found;
  }
  const { createPrinter } = await import("../../src/printer/index.js");
  const printer = await createPrinter(globals.writeOut, undefined, {
    hex: globals.hex,
    ...printerOpts,
  });
  let opened: Promise<EtcdClient> | undefined;
  let started = false;
  const ctx: CommandContext = {
    globals,
    printer,
    client: () => {
      ctx.clientStarting();
      return (opened ??= newClient(globals));
    },
    clientStarting: () => {
      if (started) return;
      started = true;
      if (globals.debug) process.stderr.write(debugFlagLines(cmd, globals));
    },
  };
  try {
    await body(ctx);
  } finally {
    if (opened !== undefined) {
      const c = await opened.catch(() => undefined);
      c?.close();
    }
  }
}

/** The message of a client error (etcdctl prints server texts unchanged). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Rethrows a client failure as `Error: <text>` with the given exit code. */
export function failWith(exitCode: number, wrap: (text: string) => string = (t) => t) {
  return (err: unknown): never => {
    if (err instanceof CommandError) throw err;
    throw new CommandError(exitCode, wrap(errorText(err)));
  };
}
