// What every v3 command action starts with: resolved globals, the printer for -w, and (on
// demand) a v3 client built from the global flags. Loads the printer and the client lazily
// so that registering commands stays cheap.
import type { Command } from "commander";
import type { EtcdClient } from "../../src/client/v3/index.js";
import type { Printer, PrinterOptions } from "../../src/printer/index.js";
import { CommandError, ExitCode } from "../errors.js";
import { resolveGlobals } from "./globals.js";
import type { GlobalOptions } from "./globals.js";

export interface CommandContext {
  globals: GlobalOptions;
  printer: Printer;
  /** The client for --endpoints (logged in when --user is given); closed by run(). */
  client(): Promise<EtcdClient>;
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
  const ctx: CommandContext = {
    globals,
    printer,
    client: () => (opened ??= newClient(globals)),
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
