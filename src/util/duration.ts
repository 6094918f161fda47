// Go time.Duration text ("1.5s", "2m3s", "100ms", "0") to and from milliseconds, as etcd's
// flags accept and print them.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration string; throws Error(`time: invalid duration "<text>"`) as Go does. */
export function parseGoDurationMs(text: string): number {
  const invalid = () => new Error(`time: invalid duration "${text}"`);
  let rest = text.trim();
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid();
  let totalMs = 0;
  const part = /^([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m || m[1] === "" || m[1] === ".") {
      if (/^[0-9.]+$/.test(rest)) throw new Error(`time: missing unit in duration "${text}"`);
      throw invalid();
    }
    totalMs += Number(m[1]) * UNIT_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * totalMs;
}

/** Formats milliseconds as Go's Duration.String() does ("5s", "1m0s", "1.5ms", "0s"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const neg = ms < 0;
  let rest = Math.abs(ms);
  let out: string;
  if (rest < 1) {
    const us = rest * 1000;
    out = us < 1 ? `${trim(us * 1000)}ns` : `${trim(us)}µs`;
  } else if (rest < 1000) {
    out = `${trim(rest)}ms`;
  } else {
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = `${trim(rest / 1000)}s`;
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}

function trim(n: number): string {
  return String(Number(n.toFixed(9)));
}
