// Line input as etcdctl reads it (bufio ReadString('\n')): a line counts only when its
// newline arrived; EOF before that is an error for txn and interactive watch. Also argify,
// etcdctl's splitting of a request line into arguments.
import { Readable } from "node:stream";

export class LineReader {
  private buffered = "";
  private ended = false;
  private readonly iterator: AsyncIterator<Buffer | string>;

  constructor(input: Readable = process.stdin) {
    this.iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  }

  /** The next line without its newline, or null at end of input (a partial line is lost). */
  async next(): Promise<string | null> {
    for (;;) {
      const nl = this.buffered.indexOf("\n");
      if (nl >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        return line;
      }
      if (this.ended) return null;
      const chunk = await this.iterator.next();
      if (chunk.done === true) this.ended = true;
      else this.buffered += chunk.value.toString();
    }
  }
}

/** Reads a Go-quoted string ("..." with escapes or `raw`) at `s[i]`; returns value and end. */
export function scanGoQuoted(s: string, i: number): [string, number] | undefined {
  const q = s[i];
  if (q === "`") {
    const end = s.indexOf("`", i + 1);
    return end < 0 ? undefined : [s.slice(i + 1, end), end + 1];
  }
  if (q !== '"') return undefined;
  const bytes: number[] = [];
  let j = i + 1;
  const push = (text: string) => bytes.push(...Buffer.from(text));
  while (j < s.length) {
    const c = s[j]!;
    if (c === '"') return [Buffer.from(bytes).toString(), j + 1];
    if (c === "\n") return undefined;
    if (c !== "\\") {
      push(c);
      j++;
      continue;
    }
    const e = s[j + 1];
    const simple: Record<string, string> = {
      a: "\x07",
      b: "\b",
      f: "\f",
      n: "\n",
      r: "\r",
      t: "\t",
      v: "\v",
      "\\": "\\",
      '"': '"',
      "'": "'",
    };
    if (e !== undefined && simple[e] !== undefined) {
      push(simple[e]!);
      j += 2;
    } else if (e === "x" && /^[0-9a-fA-F]{2}$/.test(s.slice(j + 2, j + 4))) {
      bytes.push(parseInt(s.slice(j + 2, j + 4), 16));
      j += 4;
    } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(s.slice(j + 2, j + 6))) {
      push(String.fromCodePoint(parseInt(s.slice(j + 2, j + 6), 16)));
      j += 6;
    } else if (e === "U" && /^[0-9a-fA-F]{8}$/.test(s.slice(j + 2, j + 10))) {
      push(String.fromCodePoint(parseInt(s.slice(j + 2, j + 10), 16)));
      j += 10;
    } else if (e !== undefined && /^[0-7]{3}$/.test(s.slice(j + 1, j + 4))) {
      bytes.push(parseInt(s.slice(j + 1, j + 4), 8) & 0xff);
      j += 4;
    } else return undefined;
  }
  return undefined;
}

/** Splits a request line into arguments: bare words, "Go quoted" and 'single quoted'. */
export function argify(line: string): string[] {
  const re = /"(?:[^"\\]|\\.)*"|'[^']*'|[^'"\s]\S*[^'"\s]?/g;
  const args = line.match(re) ?? [];
  return args.map((a) => {
    if (a.startsWith("'")) {
      // etcdctl trims by the argument count rather than the word length; keep its result.
      const end = args.length - 1;
      return end >= 1 && end <= a.length ? a.slice(1, end) : "";
    }
    if (a.startsWith('"')) return scanGoQuoted(a, 0)?.[0] ?? a;
    return a;
  });
}
