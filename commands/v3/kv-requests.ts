// The requests of get, put and del built from their arguments and flags, with etcdctl's
// validation errors. Free of commander and of the client, so the quick one-shot path
// (quick.ts) and the full commands (get.ts, put.ts, del.ts, txn.ts) share them.
import type { Command } from "commander";
import type { DeleteRangeRequest, PutRequest, RangeRequest } from "../../src/proto/index.js";
import { CommandError, ExitCode } from "../errors.js";
import { intFlag, parseGoInt } from "./flags.js";
import { keyRange } from "./keys.js";

/** get's and del's --prefix / --from-key, which exclude each other. */
function rangeSwitches(flags: { prefix?: boolean; fromKey?: boolean }): {
  prefix: boolean;
  fromKey: boolean;
} {
  const prefix = flags.prefix === true;
  const fromKey = flags.fromKey === true;
  if (prefix && fromKey)
    throw new CommandError(
      ExitCode.BadArgs,
      "`--prefix` and `--from-key` cannot be set at the same time, choose one",
    );
  return { prefix, fromKey };
}

/** With --prefix or --from-key, a range end argument makes no sense. */
function checkOneKeyWithRangeSwitch(args: string[], prefix: boolean, fromKey: boolean): void {
  if (args.length > 1 && (prefix || fromKey))
    throw new CommandError(
      ExitCode.BadArgs,
      "too many arguments, only accept one argument when `--prefix` or `--from-key` is set",
    );
}

export interface GetFlags {
  consistency: string;
  order: string;
  sortBy: string;
  limit?: string;
  rev?: string;
  prefix?: boolean;
  fromKey?: boolean;
  keysOnly?: boolean;
  printValueOnly?: boolean;
}

const SORT_ORDERS: Record<string, number> = { "": 0, ASCEND: 1, DESCEND: 2 };
const SORT_TARGETS: Record<string, number> = {
  "": 0,
  KEY: 0,
  VERSION: 1,
  CREATE: 2,
  MODIFY: 3,
  VALUE: 4,
};

/** The RangeRequest for get's arguments and flags, with etcdctl's validation errors. */
export function getRequest(args: string[], flags: GetFlags, cmd?: Command): RangeRequest {
  const limit = intFlag("limit", flags.limit, cmd);
  const rev = intFlag("rev", flags.rev, cmd);
  if (args.length === 0)
    throw new CommandError(
      ExitCode.BadArgs,
      "get command needs one argument as key and an optional argument as range_end",
    );
  const { prefix, fromKey } = rangeSwitches(flags);
  if (flags.consistency !== "l" && flags.consistency !== "s")
    throw new CommandError(
      ExitCode.BadFeature,
      `unknown consistency flag ${JSON.stringify(flags.consistency)}`,
    );
  checkOneKeyWithRangeSwitch(args, prefix, fromKey);
  let sortOrder = SORT_ORDERS[flags.order.toUpperCase()];
  if (sortOrder === undefined)
    throw new CommandError(ExitCode.BadFeature, `bad sort order ${flags.order}`);
  const sortTarget = SORT_TARGETS[flags.sortBy.toUpperCase()];
  if (sortTarget === undefined)
    throw new CommandError(ExitCode.BadFeature, `bad sort target ${flags.sortBy}`);
  // Keys come back in ascending key order anyway: etcd's client drops that sort.
  if (sortTarget === 0 && sortOrder === 1) sortOrder = 0;
  return {
    ...keyRange(args[0]!, args[1], prefix, fromKey),
    limit,
    revision: rev > 0n ? rev : 0n,
    sortOrder,
    sortTarget,
    serializable: flags.consistency === "s",
    keysOnly: flags.keysOnly === true,
    countOnly: false,
    minModRevision: 0n,
    maxModRevision: 0n,
    minCreateRevision: 0n,
    maxCreateRevision: 0n,
  };
}

export interface PutFlags {
  lease: string;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

const USAGE = "put command needs 1 argument and input from stdin or 2 arguments";

/**
 * The PutRequest for put's arguments and flags. `stdinValue` supplies the value when only
 * the key is given (undefined: none available).
 */
export function putRequest(args: string[], flags: PutFlags, stdinValue?: Buffer): PutRequest {
  if (args.length === 0) throw new CommandError(ExitCode.BadArgs, USAGE);
  if (flags.ignoreValue && args.length > 1)
    throw new CommandError(
      ExitCode.BadArgs,
      "put command needs only 1 argument when 'ignore-value' is set",
    );
  let value: Buffer = Buffer.alloc(0);
  if (!flags.ignoreValue) {
    if (args.length > 1) value = Buffer.from(args[1]!);
    else if (stdinValue !== undefined && stdinValue.length > 0) value = stdinValue;
    else throw new CommandError(ExitCode.BadArgs, USAGE);
  }
  let lease: bigint;
  try {
    lease = parseGoInt(flags.lease, 16);
  } catch (err) {
    throw new CommandError(
      ExitCode.BadArgs,
      `bad lease ID (${(err as Error).message}), expecting ID in Hex`,
    );
  }
  return {
    key: Buffer.from(args[0]!),
    value,
    lease,
    prevKv: flags.prevKv === true,
    ignoreValue: flags.ignoreValue === true,
    ignoreLease: flags.ignoreLease === true,
  };
}

export interface DelFlags {
  prefix?: boolean;
  fromKey?: boolean;
  prevKv?: boolean;
}

/** The DeleteRangeRequest for del's arguments and flags, with etcdctl's validation errors. */
export function delRequest(args: string[], flags: DelFlags): DeleteRangeRequest {
  if (args.length === 0 || args.length > 2)
    throw new CommandError(
      ExitCode.BadArgs,
      "del command needs one argument as key and an optional argument as range_end",
    );
  const { prefix, fromKey } = rangeSwitches(flags);
  checkOneKeyWithRangeSwitch(args, prefix, fromKey);
  return { ...keyRange(args[0]!, args[1], prefix, fromKey), prevKv: flags.prevKv === true };
}
