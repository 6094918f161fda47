// A table-driven parser with Go's `flag` package syntax (what `etcd` accepts): `-x v`, `--x=v`,
// boolean `--x` / `--x=false`, parsing stops at the first non-flag or after `--`. Values are
// converted and checked per flag kind with Go's error texts, so callers can print them verbatim.
import { parseGoDurationMs } from "../util/duration.js";
import { parseUrlList } from "./urls.js";

export type FlagKind =
  | "string"
  | "bool"
  | "uint"
  | "int"
  | "uint32"
  | "duration"
  | "urls"
  | "cors"
  | "strings"
  | "uniqueStrings"
  | "enum"
  | "ignored";

/** string for string/enum, boolean, number (ms for durations), string[] for lists. */
export type FlagValue = string | boolean | number | string[];

export interface FlagDef {
  name: string;
  kind: FlagKind;
  /** Value before any flag/env is applied (already typed). */
  initial: FlagValue;
  /** For enum flags: accepted values. */
  valids?: readonly string[];
}

/** A flag syntax/value problem: Go prints the message then the usage text, exit code 2. */
export class FlagSyntaxError extends Error {
  /** Ignored legacy flags parsed before the error (Go warned about them already). */
  ignoredSeen: string[] = [];
  constructor(message: string) {
    super(message);
    this.name = "FlagSyntaxError";
  }
}

export interface ParsedFlags {
  /** Typed values of every defined flag (initial unless set). */
  values: Map<string, FlagValue>;
  /** Names set on the command line, in order of first appearance. */
  set: Set<string>;
  /** Arguments left after the flags stopped (Go's fs.Args()). */
  rest: string[];
  /** `-h`/`-help`/`--help` was seen (parsing stopped there). */
  help: boolean;
  /** Ignored legacy flags seen, in order (each gets a warning line). */
  ignoredSeen: string[];
}

export function parseGoFlags(defs: readonly FlagDef[], args: readonly string[]): ParsedFlags {
  const out: ParsedFlags = {
    values: new Map(defs.map((d) => [d.name, d.initial])),
    set: new Set(),
    rest: [],
    help: false,
    ignoredSeen: [],
  };
  try {
    parseInto(defs, args, out);
  } catch (err) {
    if (err instanceof FlagSyntaxError) err.ignoredSeen = out.ignoredSeen;
    throw err;
  }
  return out;
}

function parseInto(defs: readonly FlagDef[], args: readonly string[], out: ParsedFlags): void {
  const values = out.values;
  const byName = new Map(defs.map((d) => [d.name, d]));
  let i = 0;
  while (i < args.length) {
    const s = args[i]!;
    if (s.length < 2 || s[0] !== "-") break;
    let dashes = 1;
    if (s[1] === "-") {
      dashes = 2;
      if (s.length === 2) {
        i++;
        break;
      }
    }
    let name = s.slice(dashes);
    if (name.length === 0 || name[0] === "-" || name[0] === "=") {
      throw new FlagSyntaxError(`bad flag syntax: ${s}`);
    }
    i++;
    let value: string | undefined;
    const eq = name.indexOf("=", 1);
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const def = byName.get(name);
    if (!def) {
      if (name === "help" || name === "h") {
        out.help = true;
        return;
      }
      throw new FlagSyntaxError(`flag provided but not defined: -${name}`);
    }
    if (def.kind === "bool" || def.kind === "ignored") {
      const text = value ?? "true";
      try {
        values.set(name, setFlagValue(def, text, values.get(name)!));
      } catch (err) {
        const why = (err as Error).message;
        throw new FlagSyntaxError(
          value === undefined
            ? `invalid boolean flag ${name}: ${why}`
            : `invalid boolean value ${goQuote(text)} for -${name}: ${why}`,
        );
      }
      if (def.kind === "ignored") out.ignoredSeen.push(name);
    } else {
      if (value === undefined) {
        if (i >= args.length) throw new FlagSyntaxError(`flag needs an argument: -${name}`);
        value = args[i++]!;
      }
      try {
        values.set(name, setFlagValue(def, value, values.get(name)!));
      } catch (err) {
        throw new FlagSyntaxError(
          `invalid value ${goQuote(value)} for flag -${name}: ${(err as Error).message}`,
        );
      }
    }
    out.set.add(name);
  }
  out.rest = args.slice(i);
}

/**
 * Applies one textual value to a flag as Go's flag.Value.Set would (also used for env values).
 * Throws Error(<Go's reason>) when the text is not acceptable.
 */
export function setFlagValue(def: FlagDef, text: string, prev: FlagValue): FlagValue {
  switch (def.kind) {
    case "string":
      return text;
    case "bool":
      return parseGoBool(text);
    case "ignored":
      return "";
    case "uint":
      return toNumber(parseGoInteger(text, false, 64, "parse error", "value out of range"));
    case "int":
      return toNumber(parseGoInteger(text, true, 64, "parse error", "value out of range"));
    case "uint32": {
      // etcd's own uint32 flag type reports strconv's raw error.
      const syntax = `strconv.ParseUint: parsing ${goQuote(text)}: invalid syntax`;
      const range = `strconv.ParseUint: parsing ${goQuote(text)}: value out of range`;
      return toNumber(parseGoInteger(text, false, 32, syntax, range));
    }
    case "duration":
      try {
        return parseGoDurationMs(text);
      } catch {
        throw new Error("parse error");
      }
    case "urls": {
      const prevList = prev as string[];
      if (prevList.length === 1 && prevList[0] === text) return prevList;
      return [...new Set(parseUrlList(text))];
    }
    case "cors": {
      // "*" (allow all) is accepted besides URLs; both accumulate onto the default set.
      const prevList = prev as string[];
      if (prevList.includes(text)) return prevList;
      if (text === "*") return [...prevList, "*"].sort();
      return [...new Set(parseUrlList(text))];
    }
    case "strings":
      return text.split(",");
    case "uniqueStrings":
      return [...new Set(text.split(","))].sort();
    case "enum":
      if (!def.valids!.includes(text)) throw new Error("invalid value");
      return text;
  }
}

/** strconv.ParseBool. */
export function parseGoBool(text: string): boolean {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  throw new Error("parse error");
}

/** strconv.ParseInt/ParseUint with base 0 (0x, 0o, 0b, leading-0 octal, `_` separators). */
export function parseGoInteger(
  text: string,
  signed: boolean,
  bits: number,
  syntaxMsg: string,
  rangeMsg: string,
): bigint {
  let s = text;
  let neg = false;
  if (signed && (s[0] === "+" || s[0] === "-")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  let base = 10;
  let digits = s;
  const lower = s.toLowerCase();
  if (lower.startsWith("0x")) [base, digits] = [16, s.slice(2)];
  else if (lower.startsWith("0o")) [base, digits] = [8, s.slice(2)];
  else if (lower.startsWith("0b")) [base, digits] = [2, s.slice(2)];
  else if (s.length > 1 && s[0] === "0") [base, digits] = [8, s.slice(1)];
  const prefixed = digits !== s;
  if (prefixed && digits.includes("_")) {
    if (!/^_?[0-9a-zA-Z]+(_[0-9a-zA-Z]+)*$/.test(digits)) throw new Error(syntaxMsg);
    digits = digits.replaceAll("_", "");
  }
  const alphabet = "0123456789abcdef".slice(0, base);
  if (digits === "" || ![...digits.toLowerCase()].every((c) => alphabet.includes(c))) {
    throw new Error(syntaxMsg);
  }
  let v = 0n;
  for (const c of digits.toLowerCase()) v = v * BigInt(base) + BigInt(alphabet.indexOf(c));
  if (neg) v = -v;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  if (v > max || v < min) throw new Error(rangeMsg);
  return v;
}

function toNumber(v: bigint): number {
  return Number(v);
}

/** Go's %q for an ASCII-ish string: double quotes with \" and \\ escaped. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
