// Go's text renderings that etcdctl output depends on: %q quoting, %x ids, encoding/json
// strings (with <>& escaped), go-humanize sizes, and the `\x..` hex form of --hex.

/** Decodes UTF-8 leniently: yields code points, or -(byte+1) for a byte that starts no valid sequence. */
function* runes(bytes: Uint8Array): Generator<number> {
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i]!;
    let need = 0;
    let cp = 0;
    let min = 0;
    if (b0 < 0x80) {
      yield b0;
      i++;
      continue;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      need = 1;
      cp = b0 & 0x1f;
      min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      cp = b0 & 0x0f;
      min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      cp = b0 & 0x07;
      min = 0x10000;
    } else {
      yield -(b0 + 1);
      i++;
      continue;
    }
    let ok = i + need < bytes.length;
    for (let k = 1; ok && k <= need; k++) {
      const b = bytes[i + k]!;
      if ((b & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (b & 0x3f);
    }
    if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      yield -(b0 + 1);
      i++;
      continue;
    }
    yield cp;
    i += need + 1;
  }
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/** Go's strconv.Quote (fmt %q) of the bytes of a string. */
export function goQuote(input: string | Uint8Array): string {
  const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  let out = '"';
  for (const r of runes(bytes)) {
    if (r < 0) {
      out += "\\x" + hex2(-r - 1);
      continue;
    }
    const ch = String.fromCodePoint(r);
    if (r === 0x22 || r === 0x5c) out += "\\" + ch;
    else if (r === 0x20 || PRINTABLE.test(ch)) out += ch;
    else if (r === 7) out += "\\a";
    else if (r === 8) out += "\\b";
    else if (r === 12) out += "\\f";
    else if (r === 10) out += "\\n";
    else if (r === 13) out += "\\r";
    else if (r === 9) out += "\\t";
    else if (r === 11) out += "\\v";
    else if (r < 0x20 || r === 0x7f) out += "\\x" + hex2(r);
    else if (r < 0x10000) out += "\\u" + r.toString(16).padStart(4, "0");
    else out += "\\U" + r.toString(16).padStart(8, "0");
  }
  return out + '"';
}

/** A Go encoding/json string literal: escapes control characters, <, >, &, U+2028/9. */
export function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || ch === "<" || ch === ">" || ch === "&" || c === 0x2028 || c === 0x2029)
      out += "\\u" + c.toString(16).padStart(4, "0");
    else if (c >= 0xd800 && c <= 0xdfff) out += "\\ufffd";
    else out += ch;
  }
  return out + '"';
}

/** The JSON value model printed with Go's encoding/json conventions. */
export type GoJson = bigint | number | string | boolean | null | Buffer | GoJson[] | GoJsonObject;
export interface GoJsonObject {
  [key: string]: GoJson | undefined;
}

/** Serializes in key insertion order; undefined members are left out (omitempty). */
export function goJson(v: GoJson): string {
  if (v === null) return "null";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`goJson: non-finite number ${v}`);
    return String(v);
  }
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return goJsonString(v);
  if (Buffer.isBuffer(v)) return '"' + v.toString("base64") + '"';
  if (Array.isArray(v)) return "[" + v.map(goJson).join(",") + "]";
  const parts: string[] = [];
  for (const [k, val] of Object.entries(v)) {
    if (val === undefined) continue;
    parts.push(goJsonString(k) + ":" + goJson(val));
  }
  return "{" + parts.join(",") + "}";
}

/** Go's omitempty: the zero value of any field type becomes undefined (left out). */
export function omit<T extends GoJson | undefined>(v: T): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 0n || v === 0 || v === "" || v === false) return undefined;
  if (Buffer.isBuffer(v) && v.length === 0) return undefined;
  if (Array.isArray(v) && v.length === 0) return undefined;
  return v;
}

/** `%x` of a uint64. */
export function hexId(id: bigint): string {
  return BigInt.asUintN(64, id).toString(16);
}

/** `%016x` (zero padded) as lease ids print. */
export function hex016(id: bigint): string {
  return hexId(id).padStart(16, "0");
}

/** `%16x` (space padded) as member ids print in member add/remove/update. */
export function hex16(id: bigint): string {
  return hexId(id).padStart(16, " ");
}

/** --hex form of a byte string: every byte as `\xNN`. */
export function hexEscape(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += "\\x" + hex2(b);
  return out;
}

/** go-humanize Bytes (SI units), e.g. 20480 → "20 kB", 1572864 → "1.6 MB". */
export function humanBytes(size: bigint | number): string {
  const n = Number(size);
  if (n < 10) return `${n} B`;
  const units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
  const e = Math.floor(Math.log(n) / Math.log(1000));
  const val = Math.floor((n / Math.pow(1000, e)) * 10 + 0.5) / 10;
  // Go's %.0f rounds an exact half to even (20.5 → "20").
  const text = val < 10 ? val.toFixed(1) : String(roundHalfEven(val));
  return `${text} ${units[e]}`;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Go's fmt %v of a []string: `[a b c]`. */
export function goList(items: string[]): string {
  return "[" + items.join(" ") + "]";
}

/** The range end that selects every key with `prefix` (etcd's prefix rule; "\0" = open end). */
export function prefixRangeEnd(prefix: Uint8Array): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
