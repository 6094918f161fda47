// etcdctl v2's key commands: get, ls, set, mk, mkdir, setdir, update, updatedir, rm, rmdir.
import type { CommandDef, Context, FlagDef } from "./cli-kit.js";
import {
  argOrStdin,
  fbool,
  fnum,
  fstr,
  handleError,
  outputFormat,
  V2Exit,
  exit,
} from "./context.js";
import { mustKeysApi } from "./keys-api.js";
import type { KeysResponse } from "./format.js";
import { formatLs, printResponse } from "./format.js";

const TTL_FLAG: FlagDef = {
  names: ["ttl"],
  kind: "int",
  value: 0,
  usage: "key time-to-live in seconds",
};

function requireKey(ctx: Context): string {
  const key = ctx.args[0];
  if (key === undefined) handleError(V2Exit.BadArgs, new Error("key required"));
  return key;
}

async function requireValue(ctx: Context): Promise<string> {
  const value = await argOrStdin(ctx.args, 1);
  if (value === undefined) handleError(V2Exit.BadArgs, new Error("value required"));
  return value;
}

async function call(fn: () => Promise<KeysResponse>): Promise<KeysResponse> {
  try {
    return await fn();
  } catch (err) {
    handleError(V2Exit.ServerError, err);
  }
}

async function getAction(ctx: Context): Promise<void> {
  const key = requireKey(ctx);
  const api = await mustKeysApi(ctx);
  const r = await call(() =>
    api.get(key, { sorted: fbool(ctx, "sort"), quorum: fbool(ctx, "quorum") }),
  );
  if (r.node.dir) {
    process.stderr.write(`${r.node.key ?? ""}: is a directory\n`);
    exit(1);
  }
  printResponse(r, outputFormat(ctx));
}

async function lsAction(ctx: Context): Promise<void> {
  const key = ctx.args[0] ?? "/";
  const api = await mustKeysApi(ctx);
  const r = await call(() =>
    api.get(key, {
      sorted: fbool(ctx, "sort"),
      recursive: fbool(ctx, "recursive"),
      quorum: fbool(ctx, "quorum"),
    }),
  );
  if (outputFormat(ctx) === "simple") process.stdout.write(formatLs(r, fbool(ctx, "p")));
  else printResponse(r, outputFormat(ctx));
}

async function setAction(ctx: Context): Promise<void> {
  const key = requireKey(ctx);
  const value = await requireValue(ctx);
  const api = await mustKeysApi(ctx);
  const r = await call(() =>
    api.set(key, value, {
      ttlSec: fnum(ctx, "ttl"),
      prevValue: fstr(ctx, "swap-with-value"),
      prevIndex: fnum(ctx, "swap-with-index"),
    }),
  );
  printResponse(r, outputFormat(ctx));
}

async function mkAction(ctx: Context): Promise<void> {
  const key = requireKey(ctx);
  const value = await requireValue(ctx);
  const api = await mustKeysApi(ctx);
  const ttlSec = fnum(ctx, "ttl");
  const r = await call(() =>
    fbool(ctx, "in-order")
      ? api.createInOrder(key, value, ttlSec)
      : api.set(key, value, { ttlSec, prevExist: "false" }),
  );
  printResponse(r, outputFormat(ctx));
}

async function updateAction(ctx: Context): Promise<void> {
  const key = requireKey(ctx);
  const value = await requireValue(ctx);
  const api = await mustKeysApi(ctx);
  const r = await call(() => api.set(key, value, { ttlSec: fnum(ctx, "ttl"), prevExist: "true" }));
  printResponse(r, outputFormat(ctx));
}

function dirAction(prevExist: "true" | "false" | undefined) {
  return async (ctx: Context): Promise<void> => {
    const key = requireKey(ctx);
    const api = await mustKeysApi(ctx);
    const r = await call(() =>
      api.set(key, "", {
        ttlSec: fnum(ctx, "ttl"),
        dir: true,
        ...(prevExist !== undefined ? { prevExist } : {}),
      }),
    );
    if (outputFormat(ctx) !== "simple") printResponse(r, outputFormat(ctx));
  };
}

async function rmAction(ctx: Context): Promise<void> {
  const key = requireKey(ctx);
  const api = await mustKeysApi(ctx);
  const r = await call(() =>
    api.delete(key, {
      prevIndex: fnum(ctx, "with-index"),
      prevValue: fstr(ctx, "with-value"),
      dir: fbool(ctx, "dir"),
      recursive: fbool(ctx, "recursive"),
    }),
  );
  if (!r.node.dir || outputFormat(ctx) !== "simple") printResponse(r, outputFormat(ctx));
}

async function rmdirAction(ctx: Context): Promise<void> {
  const key = requireKey(ctx);
  const api = await mustKeysApi(ctx);
  const r = await call(() => api.delete(key, { dir: true }));
  if (!r.node.dir || outputFormat(ctx) !== "simple") printResponse(r, outputFormat(ctx));
}

const SORT_FLAG: FlagDef = {
  names: ["sort"],
  kind: "bool",
  usage: "returns result in sorted order",
};
const QUORUM_FLAG: FlagDef = {
  names: ["quorum", "q"],
  kind: "bool",
  usage: "require quorum for get request",
};

export const keyCommands: Record<string, CommandDef> = {
  mk: {
    name: "mk",
    usage: "make a new key with a given value",
    argsUsage: "<key> <value>",
    flags: [
      { names: ["in-order"], kind: "bool", usage: "create in-order key under directory <key>" },
      TTL_FLAG,
    ],
    action: mkAction,
  },
  mkdir: {
    name: "mkdir",
    usage: "make a new directory",
    argsUsage: "<key>",
    flags: [TTL_FLAG],
    action: dirAction("false"),
  },
  rm: {
    name: "rm",
    usage: "remove a key or a directory",
    argsUsage: "<key>",
    flags: [
      {
        names: ["dir"],
        kind: "bool",
        usage: "removes the key if it is an empty directory or a key-value pair",
      },
      {
        names: ["recursive", "r"],
        kind: "bool",
        usage: "removes the key and all child keys(if it is a directory)",
      },
      { names: ["with-value"], kind: "string", value: "", usage: "previous value" },
      { names: ["with-index"], kind: "int", value: 0, usage: "previous index" },
    ],
    action: rmAction,
  },
  rmdir: {
    name: "rmdir",
    usage: "removes the key if it is an empty directory or a key-value pair",
    argsUsage: "<key>",
    action: rmdirAction,
  },
  get: {
    name: "get",
    usage: "retrieve the value of a key",
    argsUsage: "<key>",
    flags: [SORT_FLAG, QUORUM_FLAG],
    action: getAction,
  },
  ls: {
    name: "ls",
    usage: "retrieve a directory",
    argsUsage: "[key]",
    flags: [
      SORT_FLAG,
      {
        names: ["recursive", "r"],
        kind: "bool",
        usage: "returns all key names recursively for the given path",
      },
      { names: ["p"], kind: "bool", usage: "append slash (/) to directories" },
      QUORUM_FLAG,
    ],
    action: lsAction,
  },
  set: {
    name: "set",
    usage: "set the value of a key",
    argsUsage: "<key> <value>",
    description:
      "Set sets the value of a key.\n\n" +
      "   When <value> begins with '-', <value> is interpreted as a flag.\n" +
      "   Insert '--' for workaround:\n\n" +
      "   $ set -- <key> <value>",
    flags: [
      TTL_FLAG,
      { names: ["swap-with-value"], kind: "string", value: "", usage: "previous value" },
      { names: ["swap-with-index"], kind: "int", value: 0, usage: "previous index" },
    ],
    action: setAction,
  },
  setdir: {
    name: "setdir",
    usage: "create a new directory or update an existing directory TTL",
    argsUsage: "<key>",
    flags: [TTL_FLAG],
    action: dirAction(undefined),
  },
  update: {
    name: "update",
    usage: "update an existing key with a given value",
    argsUsage: "<key> <value>",
    flags: [TTL_FLAG],
    action: updateAction,
  },
  updatedir: {
    name: "updatedir",
    usage: "update an existing directory",
    argsUsage: "<key> <value>",
    flags: [TTL_FLAG],
    action: dirAction("true"),
  },
};
