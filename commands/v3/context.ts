// What every v3 command action starts with: resolved globals, the printer for -w, and (on
// demand) a connection. Loads the printer and gRPC modules lazily so registration stays cheap.
import type { Command } from "commander";
import type { Printer, PrinterOptions } from "../../src/printer/index.js";
import type { Conn } from "./conn.js";
import { resolveGlobals } from "./globals.js";
import type { GlobalOptions } from "./globals.js";

export interface CommandContext {
  globals: GlobalOptions;
  printer: Printer;
  /** Connects (and logs in) on first use; closed by run(). */
  conn(): Promise<Conn>;
}

/**
 * Runs `body` with the context of `cmd`, then closes any connection it opened. The printer is
 * created first so an unknown -w fails before any request is sent, as in etcdctl.
 */
export async function run(
  cmd: Command,
  body: (ctx: CommandContext) => Promise<void>,
  printerOpts: PrinterOptions = {},
): Promise<void> {
  const globals = resolveGlobals(cmd);
  const { createPrinter } = await import("../../src/printer/index.js");
  const printer = await createPrinter(globals.writeOut, undefined, {
    hex: globals.hex,
    ...printerOpts,
  });
  let opened: Promise<Conn> | undefined;
  const ctx: CommandContext = {
    globals,
    printer,
    conn: () => {
      opened ??= import("./conn.js").then(({ connect }) => connect(globals));
      return opened;
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
