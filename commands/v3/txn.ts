// `tsctl txn [-i]`: reads compares, success ops and failure ops (blank-line separated) from
// stdin in etcdctl's grammar and commits them as one transaction.
import { Command } from "commander";
import type { Compare, RequestOp } from "../../src/proto/index.js";
import { goQuote } from "../../src/printer/text.js";
import { CommandError, ExitCode } from "../errors.js";
import { run } from "./context.js";
import { addDelFlags } from "./del.js";
import { parseGoInt } from "./flags.js";
import { addGetFlags } from "./get.js";
import { delRequest, getRequest, putRequest } from "./kv-requests.js";
import type { DelFlags, GetFlags, PutFlags } from "./kv-requests.js";
import { argify, LineReader, scanGoQuoted } from "./lines.js";
import { addPutFlags } from "./put.js";

const RESULTS: Record<string, number> = { "=": 0, ">": 1, "<": 2, "!=": 3 };

function invalidInput(message: string): CommandError {
  return new CommandError(ExitCode.InvalidInput, message);
}

/** One compare line: `target("key") op "value"`, e.g. `mod("k1") > "0"`. */
export function parseCompare(line: string): Compare {
  const paren = line.indexOf("(");
  if (paren < 0) throw invalidInput(`malformed comparison: ${line}`);
  const target = line.slice(0, paren);
  const rest = line.slice(paren + 1);
  let key = "";
  let op = "";
  let val = "";
  let n = 0;
  let i = rest.length - rest.trimStart().length;
  const k = scanGoQuoted(rest, i);
  if (k !== undefined) {
    [key, i] = k;
    n = 1;
    if (rest[i] === ")") {
      i++;
      while (rest[i] === " " || rest[i] === "\t") i++;
      const m = /^\S+/.exec(rest.slice(i));
      if (m !== null) {
        op = m[0];
        n = 2;
        i += op.length;
        while (rest[i] === " " || rest[i] === "\t") i++;
        const v = scanGoQuoted(rest, i);
        if (v !== undefined) {
          val = v[0];
          n = 3;
        }
      }
    }
  }
  if (n !== 3) {
    throw invalidInput(
      `malformed comparison: ${line}; got ${target}(${goQuote(key)}) ${op} ${goQuote(val)}`,
    );
  }
  const result = RESULTS[op];
  if (result === undefined) throw invalidInput(`Unknown result op ${op}`);
  const int = (): bigint => {
    try {
      return parseGoInt(val, 10);
    } catch {
      throw invalidInput(`invalid txn compare request: ${line}`);
    }
  };
  const base = { result, key: Buffer.from(key), rangeEnd: Buffer.alloc(0) };
  switch (target) {
    case "ver":
    case "version":
      return { ...base, target: 0, targetUnion: { $case: "version", value: int() } };
    case "c":
    case "create":
      return { ...base, target: 1, targetUnion: { $case: "createRevision", value: int() } };
    case "m":
    case "mod":
      return { ...base, target: 2, targetUnion: { $case: "modRevision", value: int() } };
    case "val":
    case "value":
      return { ...base, target: 3, targetUnion: { $case: "value", value: Buffer.from(val) } };
    case "lease":
      return { ...base, target: 4, targetUnion: { $case: "lease", value: int() } };
    default:
      throw invalidInput(`malformed comparison: ${line} (unknown target ${target})`);
  }
}

/** One op line: `put k v [flags]`, `get k [end] [flags]` or `del k [end] [flags]`. */
export async function parseRequestOp(line: string): Promise<RequestOp> {
  const args = argify(line);
  if (args.length < 2) throw invalidInput(`invalid txn compare request: ${line}`);
  let op: RequestOp | undefined;
  const ops = new Command("txn-op").exitOverride().configureOutput({
    writeOut: () => undefined,
    writeErr: () => undefined,
    outputError: () => undefined,
  });
  addPutFlags(ops.command("put")).action((a: string[], f: PutFlags) => {
    op = { request: { $case: "requestPut", value: putRequest(a, f) } };
  });
  addGetFlags(ops.command("get")).action((a: string[], f: GetFlags) => {
    op = { request: { $case: "requestRange", value: getRequest(a, f) } };
  });
  addDelFlags(ops.command("del")).action((a: string[], f: DelFlags) => {
    op = { request: { $case: "requestDeleteRange", value: delRequest(a, f) } };
  });
  for (const c of ops.commands) c.exitOverride().configureOutput({ outputError: () => undefined });
  try {
    await ops.parseAsync(args, { from: "user" });
  } catch (err) {
    if (err instanceof CommandError) throw err;
    throw invalidInput(`invalid txn request: ${line}`);
  }
  if (op === undefined) throw invalidInput(`invalid txn request: ${line}`);
  return op;
}

async function readSection<T>(lines: LineReader, parse: (line: string) => T | Promise<T>) {
  const out: T[] = [];
  for (;;) {
    const raw = await lines.next();
    if (raw === null) throw invalidInput("EOF");
    const line = raw.trim();
    if (line === "") return out;
    out.push(await parse(line));
  }
}

export function registerTxn(program: Command): void {
  program
    .command("txn")
    .description("Txn processes all the requests in one transaction")
    .usage("[options]")
    .argument("[args...]")
    .option("-i, --interactive", "Input transaction in interactive mode")
    .action((args: string[], flags: { interactive?: boolean }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length !== 0)
          throw new CommandError(ExitCode.BadArgs, "txn command does not accept argument");
        const prompt = (text: string) => {
          if (flags.interactive) process.stdout.write(text + "\n");
        };
        const lines = new LineReader();
        const client = await ctx.client();
        prompt("compares:");
        const compare = await readSection(lines, parseCompare);
        prompt("success requests (get, put, del):");
        const success = await readSection(lines, parseRequestOp);
        prompt("failure requests (get, put, del):");
        const failure = await readSection(lines, parseRequestOp);
        const resp = await client.kv.txn({ compare, success, failure }, { timeoutMs: 0 });
        ctx.printer.txn(resp);
      }),
    );
}
