// The quick path for the one-shot commands scripts call in loops (`tsctl get k`,
// `tsctl put k v`, `tsctl del k`, `tsctl version`): a hand-rolled parse of the plain forms,
// one lean HTTP/2 call (fast-kv.ts) and one printer, without loading commander, the command
// tree, grpc-js or the generated protos. Anything it does not recognise exactly — other commands, unknown or
// repeated flags, `--`, help, stdin values, TLS, auth, discovery, other output formats,
// argument errors, an endpoint that refuses the connection — it declines before sending
// anything, and the full program runs instead with all its usage and error texts.
import { endQuietlyOnClosedStdout } from "../errors.js";
import { resolveGlobalValues } from "./global-flags.js";
import type { GivenGlobals, GlobalOptions } from "./global-flags.js";
import { delRequest, getRequest, putRequest } from "./kv-requests.js";
import type { DelFlags, GetFlags, PutFlags } from "./kv-requests.js";
import { versionText } from "./version.js";

type QuickName = "get" | "put" | "del";

/** A command line the quick path can run: the command, its words and flags as typed. */
export interface QuickCommand {
  name: QuickName;
  args: string[];
  /** Command flags by commander attribute name: string values, `true` for switches. */
  flags: Record<string, string | true>;
  /** Global flags by commander attribute name (as globals.ts declares them). */
  globals: GivenGlobals;
}

// Global flags taking a value that the quick path understands (long name → attribute).
const GLOBAL_VALUES: Record<string, string> = {
  "--endpoints": "endpoints",
  "--command-timeout": "commandTimeout",
  "--dial-timeout": "dialTimeout",
  "--write-out": "writeOut",
  "-w": "writeOut",
};

interface CommandFlags {
  values: Record<string, string>;
  switches: Record<string, string>;
  defaults: Record<string, string>;
}

const COMMAND_FLAGS: Record<QuickName, CommandFlags> = {
  get: {
    values: {
      "--consistency": "consistency",
      "--limit": "limit",
      "--rev": "rev",
      "--order": "order",
      "--sort-by": "sortBy",
    },
    switches: {
      "--prefix": "prefix",
      "--from-key": "fromKey",
      "--keys-only": "keysOnly",
      "--print-value-only": "printValueOnly",
    },
    defaults: { consistency: "l", order: "", sortBy: "" },
  },
  put: {
    values: { "--lease": "lease" },
    switches: {
      "--prev-kv": "prevKv",
      "--ignore-value": "ignoreValue",
      "--ignore-lease": "ignoreLease",
    },
    defaults: { lease: "0" },
  },
  del: {
    values: {},
    switches: { "--prefix": "prefix", "--from-key": "fromKey", "--prev-kv": "prevKv" },
    defaults: {},
  },
};

function isQuickName(word: string): word is QuickName {
  return word === "get" || word === "put" || word === "del";
}

/** The quick form of `argv` (the words after `tsctl`), or undefined to use the full program. */
export function parseQuick(argv: readonly string[]): QuickCommand | undefined {
  let name: QuickName | undefined;
  const args: string[] = [];
  const flags: Record<string, string | true> = {};
  const globals: GivenGlobals = {};
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith("-") || word === "-") {
      if (name === undefined) {
        if (!isQuickName(word)) return undefined;
        name = word;
      } else args.push(word);
      continue;
    }
    // A flag: `--name value` or `--name=value` for value flags, bare `--name` for switches.
    const eq = word.indexOf("=");
    const flag = eq > 0 ? word.slice(0, eq) : word;
    const own = name === undefined ? undefined : COMMAND_FLAGS[name];
    const globalAttr = GLOBAL_VALUES[flag];
    const valueAttr = own?.values[flag];
    const switchAttr = own?.switches[flag];
    if (globalAttr !== undefined || valueAttr !== undefined) {
      // `-w=json` is not how pflag reads a shorthand: leave odd spellings to commander.
      if (eq > 0 && !flag.startsWith("--")) return undefined;
      let value: string;
      if (eq > 0) value = word.slice(eq + 1);
      else {
        if (i + 1 >= argv.length) return undefined;
        value = argv[++i]!;
      }
      const target = globalAttr !== undefined ? globals : flags;
      const attr = (globalAttr ?? valueAttr)!;
      if (target[attr] !== undefined) return undefined;
      target[attr] = value;
    } else if (switchAttr !== undefined && eq < 0) {
      if (flags[switchAttr] !== undefined) return undefined;
      flags[switchAttr] = true;
    } else {
      return undefined;
    }
  }
  if (name === undefined) return undefined;
  return { name, args, flags: { ...COMMAND_FLAGS[name].defaults, ...flags }, globals };
}

/** The encoded request and how to decode and print its answer, or undefined to decline. */
interface QuickCall {
  method: "Range" | "Put" | "DeleteRange";
  encoded: Buffer;
  respond(bytes: Buffer): void;
}

type FastKv = typeof import("./fast-kv.js");

async function prepare(
  q: QuickCommand,
  g: GlobalOptions,
  fast: FastKv,
): Promise<QuickCall | undefined> {
  const { stdSink } = await import("../../src/printer/sink.js");
  const printer = await (async () => {
    if (g.writeOut === "simple") {
      const { SimplePrinter } = await import("../../src/printer/simple.js");
      return new SimplePrinter(stdSink, g.hex, q.flags["printValueOnly"] === true);
    }
    const { JsonPrinter } = await import("../../src/printer/json.js");
    return new JsonPrinter(stdSink);
  })();
  try {
    if (q.name === "get") {
      const req = getRequest(q.args, q.flags as unknown as GetFlags);
      return {
        method: "Range",
        encoded: fast.encodeRange(req),
        respond: (b) => printer.get(fast.decodeRange(b)),
      };
    }
    if (q.name === "put") {
      // A value read from stdin is the full program's business.
      if (q.args.length < 2 && q.flags["ignoreValue"] !== true) return undefined;
      const req = putRequest(q.args, q.flags as unknown as PutFlags);
      return {
        method: "Put",
        encoded: fast.encodePut(req),
        respond: (b) => printer.put(fast.decodePut(b)),
      };
    }
    const req = delRequest(q.args, q.flags as unknown as DelFlags);
    return {
      method: "DeleteRange",
      encoded: fast.encodeDeleteRange(req),
      respond: (b) => printer.del(fast.decodeDeleteRange(b)),
    };
  } catch {
    // Bad arguments: the full program prints them with etcdctl's usage and exit codes.
    return undefined;
  }
}

/**
 * Runs `argv` on the quick path. False when it declined, before anything was sent or
 * printed; the caller then runs the full program. A server error is a CommandError.
 */
export async function runQuick(argv: readonly string[]): Promise<boolean> {
  if (argv.length === 1 && argv[0] === "version") {
    process.stdout.write(versionText());
    return true;
  }
  const q = parseQuick(argv);
  if (q === undefined) return false;
  let g: GlobalOptions;
  try {
    g = resolveGlobalValues(q.globals);
  } catch {
    return false;
  }
  if (g.debug || g.discoverySrv !== undefined) return false;
  if (g.writeOut !== "simple" && g.writeOut !== "json") return false;
  const fast = await import("./fast-kv.js");
  if (fast.fastTarget(g) === undefined) return false;
  void fast.loadHttp2();
  const call = await prepare(q, g, fast);
  if (call === undefined) return false;
  endQuietlyOnClosedStdout();
  let answered = false;
  await fast.fastKvCall(g, call.method, call.encoded, (bytes) => {
    answered = true;
    call.respond(bytes);
    return true;
  });
  return answered;
}
