// pflag-compatible flag values for v3 commands: integers parsed as Go's strconv does (with
// its error texts), and the "bad flag value" error that cobra reports with usage, exit 1.
// Cheap to import: registration code uses it eagerly.
import type { Command } from "commander";

/** A flag value cobra would reject: usage on stdout, `Error: <msg>` on stderr, exit 1. */
export class FlagError extends Error {
  constructor(
    message: string,
    readonly command?: Command,
  ) {
    super(message);
    this.name = "FlagError";
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.ParseInt(text, base, 64); throws Error with Go's message. */
export function parseGoInt(text: string, base: 0 | 10 | 16 = 10, fn = "ParseInt"): bigint {
  let s = text;
  let sign = 1n;
  if (fn === "ParseInt" && (s.startsWith("-") || s.startsWith("+"))) {
    if (s[0] === "-") sign = -1n;
    s = s.slice(1);
  }
  let radix: number = base === 0 ? 10 : base;
  if (base === 0) {
    if (/^0[xX]/.test(s)) {
      radix = 16;
      s = s.slice(2);
    } else if (/^0[oO]/.test(s)) {
      radix = 8;
      s = s.slice(2);
    } else if (/^0[bB]/.test(s)) {
      radix = 2;
      s = s.slice(2);
    } else if (/^0\d/.test(s)) {
      radix = 8;
      s = s.slice(1);
    }
    s = s.replace(/_/g, "");
  }
  const digits =
    radix === 16
      ? /^[0-9a-fA-F]+$/
      : radix === 8
        ? /^[0-7]+$/
        : radix === 2
          ? /^[01]+$/
          : /^[0-9]+$/;
  if (s === "" || !digits.test(s)) {
    throw new Error(`strconv.${fn}: parsing ${JSON.stringify(text)}: invalid syntax`);
  }
  let v = 0n;
  const r = BigInt(radix);
  for (const c of s.toLowerCase()) v = v * r + BigInt(parseInt(c, radix));
  v *= sign;
  const [min, max] = fn === "ParseInt" ? [INT64_MIN, INT64_MAX] : [0n, UINT64_MAX];
  if (v < min || v > max) {
    throw new Error(`strconv.${fn}: parsing ${JSON.stringify(text)}: value out of range`);
  }
  return v;
}

/** An int64 flag value (pflag parses with base 0). */
export function intFlag(name: string, text: string | undefined, cmd?: Command): bigint {
  if (text === undefined) return 0n;
  try {
    return parseGoInt(text, 0);
  } catch (err) {
    throw new FlagError(
      `invalid argument "${text}" for "--${name}" flag: ${(err as Error).message}`,
      cmd,
    );
  }
}
