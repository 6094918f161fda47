// What the crash child writes, derived from (index, term) alone, so the parent can check the
// content of every recovered entry without being told it; and the wire lines between them.

/** Entry payload size, 1..600 bytes, varying with index and term. */
export function payloadSize(index: number, term: number): number {
  return 1 + ((index * 7919 + term * 104729) % 600);
}

export function payloadFor(index: number, term: number): Uint8Array {
  const size = payloadSize(index, term);
  const out = new Uint8Array(size);
  let x = (index * 2654435761 + term * 40503) >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> 16) & 0xff;
  }
  return out;
}

/**
 * Lines the child prints (each written before/after the matching WAL call):
 *   ready <lastIndex>                      WAL opened, writing starts
 *   S <id> <first> <count> <term> <commit> batch handed to save()
 *   P <id> <index> <term>                  snapshot marker handed to saveSnapshot()
 *   A <id>                                 that call resolved: durable
 */
export type ChildLine =
  | { kind: "ready"; lastIndex: number }
  | { kind: "S"; id: number; first: number; count: number; term: number; commit: number }
  | { kind: "P"; id: number; index: number; term: number }
  | { kind: "A"; id: number };

export function parseLine(line: string): ChildLine {
  const p = line.trim().split(" ");
  const n = (i: number) => {
    const v = Number(p[i]);
    if (!Number.isSafeInteger(v)) throw new Error(`crash: bad child line ${JSON.stringify(line)}`);
    return v;
  };
  switch (p[0]) {
    case "ready":
      return { kind: "ready", lastIndex: n(1) };
    case "S":
      return { kind: "S", id: n(1), first: n(2), count: n(3), term: n(4), commit: n(5) };
    case "P":
      return { kind: "P", id: n(1), index: n(2), term: n(3) };
    case "A":
      return { kind: "A", id: n(1) };
    default:
      throw new Error(`crash: bad child line ${JSON.stringify(line)}`);
  }
}
