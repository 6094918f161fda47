// The server's structured logger: one line per event, either zap's JSON shape
// ({"level","ts","caller","msg",...fields}) or capnslog's text shape
// ("2006-01-02 15:04:05.000000 I | pkg: msg"), written synchronously to stderr, stdout or files.
import { closeSync, openSync, writeSync } from "node:fs";
import { performance } from "node:perf_hooks";

export const LOG_LEVELS = ["debug", "info", "warn", "error", "dpanic", "panic", "fatal"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;
export type LogFormat = "json" | "capnslog";

const LEVEL_RANK: Record<LogLevel, number> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3,
  dpanic: 4,
  panic: 5,
  fatal: 6,
};

// capnslog's one-letter level tags; "notice" only exists there.
const CAPNS_TAG: Record<LogLevel | "notice", string> = {
  debug: "D",
  info: "I",
  notice: "N",
  warn: "W",
  error: "E",
  dpanic: "E",
  panic: "C",
  fatal: "C",
};

export interface LogSink {
  write(line: string): void;
  close?(): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; default stderr. */
  sinks?: LogSink[];
  /** zap's "caller" / capnslog's package name for this logger. */
  component?: string;
  /** Fields added to every line. */
  fields?: LogFields;
  /** Clock for timestamps (ms since epoch, may be fractional); tests inject one. */
  nowMs?: () => number;
  /** What fatal() does after writing; default process.exit(1). */
  exit?: (code: number) => never;
}

export interface Logger {
  readonly level: LogLevel;
  readonly format: LogFormat;
  enabled(level: LogLevel): boolean;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  /** capnslog's NOTICE; rendered as info in JSON. */
  notice(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Writes a line at any level; never exits (fatal() does). */
  logAt(level: LogLevel, msg: string, fields?: LogFields): void;
  /** Writes the line, then ends the process with exit code 1 (as zap's Fatal). */
  fatal(msg: string, fields?: LogFields): never;
  /** A logger writing to the same sinks with another component and extra fields. */
  child(component: string, fields?: LogFields): Logger;
  close(): void;
}

export const stderrSink: LogSink = { write: (line) => void process.stderr.write(line) };
export const stdoutSink: LogSink = { write: (line) => void process.stdout.write(line) };

/** A sink appending to a file path (opened once, synchronous writes keep lines whole). */
export function fileSink(path: string): LogSink {
  const fd = openSync(path, "a");
  return {
    write: (line) => void writeSync(fd, line),
    close: () => closeSync(fd),
  };
}

/** Sinks for etcd's --log-outputs values: default|stderr, stdout, or file paths. */
export function sinksForOutputs(outputs: readonly string[]): LogSink[] {
  const sinks: LogSink[] = [];
  for (const out of outputs.length === 0 ? ["default"] : outputs) {
    if (out === "default" || out === "stderr" || out === "systemd/journal") sinks.push(stderrSink);
    else if (out === "stdout") sinks.push(stdoutSink);
    else sinks.push(fileSink(out));
  }
  return [...new Set(sinks)];
}

export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const shared: Shared = {
    rank: LEVEL_RANK[opts.level ?? "info"],
    level: opts.level ?? "info",
    format: opts.format ?? "json",
    sinks: opts.sinks ?? [stderrSink],
    nowMs: opts.nowMs ?? preciseNowMs,
    exit: opts.exit ?? ((code: number) => process.exit(code)),
  };
  return new StructuredLogger(shared, opts.component ?? "", opts.fields ?? {});
}

// Date.now() has whole milliseconds; capnslog prints microseconds.
export function preciseNowMs(): number {
  return performance.timeOrigin + performance.now();
}

interface Shared {
  rank: number;
  level: LogLevel;
  format: LogFormat;
  sinks: LogSink[];
  nowMs: () => number;
  exit: (code: number) => never;
}

class StructuredLogger implements Logger {
  constructor(
    private readonly shared: Shared,
    private readonly component: string,
    private readonly baseFields: LogFields,
  ) {}

  get level(): LogLevel {
    return this.shared.level;
  }
  get format(): LogFormat {
    return this.shared.format;
  }
  enabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= this.shared.rank;
  }
  debug(msg: string, fields?: LogFields): void {
    this.log("debug", msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log("info", msg, fields);
  }
  notice(msg: string, fields?: LogFields): void {
    this.log("info", msg, fields, "notice");
  }
  warn(msg: string, fields?: LogFields): void {
    this.log("warn", msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log("error", msg, fields);
  }
  logAt(level: LogLevel, msg: string, fields?: LogFields): void {
    this.log(level, msg, fields);
  }
  fatal(msg: string, fields?: LogFields): never {
    this.log("fatal", msg, fields);
    return this.shared.exit(1);
  }
  child(component: string, fields?: LogFields): Logger {
    return new StructuredLogger(this.shared, component, { ...this.baseFields, ...fields });
  }
  close(): void {
    for (const s of this.shared.sinks) s.close?.();
  }

  private log(level: LogLevel, msg: string, fields?: LogFields, tag?: "notice"): void {
    if (LEVEL_RANK[level] < this.shared.rank) return;
    const all = fields ? { ...this.baseFields, ...fields } : this.baseFields;
    const nowMs = this.shared.nowMs();
    const line =
      this.shared.format === "json"
        ? jsonLine(level, nowMs, this.component, msg, all)
        : capnslogLine(tag ?? level, nowMs, this.component, msg, all);
    for (const s of this.shared.sinks) s.write(line);
  }
}

function jsonLine(level: LogLevel, nowMs: number, caller: string, msg: string, fields: LogFields) {
  let out = `{"level":"${level}","ts":"${new Date(Math.floor(nowMs)).toISOString()}"`;
  if (caller !== "") out += `,"caller":${JSON.stringify(caller)}`;
  out += `,"msg":${JSON.stringify(msg)}`;
  for (const key of Object.keys(fields)) {
    out += `,${JSON.stringify(key)}:${encodeField(fields[key])}`;
  }
  return out + "}\n";
}

function encodeField(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === "bigint") return value.toString();
  if (value === undefined) return "null";
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** capnslog's line: local time with microseconds, level letter, package, message. */
export function capnslogLine(
  level: LogLevel | "notice",
  nowMs: number,
  pkg: string,
  msg: string,
  fields: LogFields = {},
): string {
  const d = new Date(Math.floor(nowMs));
  const micros = Math.floor((nowMs - Math.floor(nowMs / 1000) * 1000) * 1000);
  const p2 = (n: number) => String(n).padStart(2, "0");
  const stamp =
    `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ` +
    `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.` +
    String(micros).padStart(6, "0");
  const keys = Object.keys(fields);
  const extra =
    keys.length === 0 ? "" : ` (${keys.map((k) => `${k}=${plain(fields[k])}`).join(", ")})`;
  return `${stamp} ${CAPNS_TAG[level]} | ${pkg === "" ? "" : `${pkg}: `}${msg}${extra}\n`;
}

function plain(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return value.message;
  if (Array.isArray(value)) return `[${value.map(plain).join(" ")}]`;
  return encodeField(value);
}
