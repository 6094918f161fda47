// Request parameters as Go's net/http sees them: url.ParseQuery (with its error texts),
// urlencoded bodies on PUT/POST/PATCH taking precedence over the query string, and
// strconv.ParseBool / ParseUint for values.
import type { IncomingMessage } from "node:http";

/** Parameter name -> values, body values first (Go's r.Form). */
export type Form = Map<string, string[]>;

/** Go's http.maxFormSize for urlencoded bodies. */
export const MAX_FORM_BYTES = 10 << 20;

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/**
 * Go's url.QueryUnescape over a byte string (one char per byte, as Node hands out request
 * lines and as we read bodies); the result is decoded as UTF-8. Throws Error with Go's
 * `invalid URL escape "%zz"` text.
 */
export function queryUnescape(s: string): string {
  if (!s.includes("%")) return Buffer.from(s.replace(/\+/g, " "), "latin1").toString("utf8");
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "%") {
      if (!isHex(s[i + 1]) || !isHex(s[i + 2])) {
        throw new Error(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      }
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c === "+" ? 0x20 : c.charCodeAt(0) & 0xff);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/**
 * Go's url.ParseQuery into `into`: every well-formed pair is kept, the first error (if any) is
 * returned as its text.
 */
export function parseQueryInto(query: string, into: Form): string | null {
  let firstErr: string | null = null;
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    if (pair.includes(";")) {
      firstErr ??= "invalid semicolon separator in query";
      continue;
    }
    const eq = pair.indexOf("=");
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? "" : pair.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = queryUnescape(rawKey);
      value = queryUnescape(rawValue);
    } catch (err) {
      firstErr ??= (err as Error).message;
      continue;
    }
    const list = into.get(key);
    if (list === undefined) into.set(key, [value]);
    else list.push(value);
  }
  return firstErr;
}

export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= limitBytes) chunks.push(c);
    });
    req.on("end", () => {
      if (size > limitBytes) reject(new Error("http: POST too large"));
      else resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  const ct = contentType ?? "";
  const semi = ct.indexOf(";");
  return (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
}

/** Go's r.ParseForm: returns the form and the first parse error text (or null). */
export async function parseForm(
  req: IncomingMessage,
  rawQuery: string,
): Promise<{ form: Form; error: string | null }> {
  const form: Form = new Map();
  let error: string | null = null;
  const method = req.method ?? "GET";
  if (method === "POST" || method === "PUT" || method === "PATCH") {
    if (mediaType(req.headers["content-type"]) === "application/x-www-form-urlencoded") {
      try {
        const body = await readBody(req, MAX_FORM_BYTES);
        error = parseQueryInto(body.toString("latin1"), form);
      } catch (err) {
        error = (err as Error).message;
      }
    }
  }
  const queryErr = parseQueryInto(rawQuery, form);
  error ??= queryErr;
  return { form, error };
}

/** The first value of a parameter, "" when absent (Go's FormValue). */
export function formValue(form: Form, key: string): string {
  return form.get(key)?.[0] ?? "";
}

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** Go's strconv.ParseBool; undefined for anything else. */
export function parseGoBool(s: string): boolean | undefined {
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  return undefined;
}

const MAX_UINT64 = (1n << 64n) - 1n;

/** Go's strconv.ParseUint(s, 10, 64) as a number (exact below 2^53); undefined if invalid. */
export function parseGoUint(s: string): number | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  if (BigInt(s) > MAX_UINT64) return undefined;
  return Number(s);
}

/** A boolean parameter: false when absent, undefined when present but not a Go bool. */
export function getBool(form: Form, key: string): boolean | undefined {
  const v = form.get(key);
  return v === undefined ? false : parseGoBool(v[0]!);
}

/** An unsigned parameter: 0 when absent, undefined when present but invalid. */
export function getUint(form: Form, key: string): number | undefined {
  const v = form.get(key);
  return v === undefined ? 0 : parseGoUint(v[0]!);
}
