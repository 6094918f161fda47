// Go encoding/json compatible text for the v2 API: string escaping (`<`, `>`, `&`, U+2028,
// U+2029 as \u escapes) and time.Time in RFC 3339 with trimmed nanoseconds, UTC.

const GO_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** A JSON string literal exactly as Go's json.Marshal writes it. */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
}

/**
 * Unix milliseconds as Go's time.RFC3339Nano in UTC: fractional seconds without trailing zeros,
 * no fraction at all when it is zero ("2026-11-22T22:14:32.043Z", "2026-11-22T22:14:32Z").
 */
export function formatRfc3339NanoMs(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString(); // 2026-11-22T22:14:32.043Z
  const base = iso.slice(0, 19);
  const subMs = ms - Math.floor(ms);
  let frac = iso.slice(20, 23);
  if (subMs > 0) frac += String(Math.round(subMs * 1e6)).padStart(6, "0");
  frac = frac.replace(/0+$/, "");
  return frac === "" ? `${base}Z` : `${base}.${frac}Z`;
}
