// Linearizability checking of a recorded history against a sequential model: Wing & Gong's
// search with Lowe's memoisation of (linearized set, state), after splitting the history
// into independent partitions (one per key for a register store), as Porcupine does.
// Operations whose outcome is unknown (timeouts, errors) have no return time: they may be
// linearized anywhere after their call, or never (which the search models as "last").

/** One recorded operation. `returnMs` and `output` are undefined when the outcome is unknown. */
export interface Operation<I, O> {
  clientId: number;
  input: I;
  output: O | undefined;
  callMs: number;
  returnMs: number | undefined;
}

export interface StepResult<S> {
  ok: boolean;
  state: S;
}

/** A sequential specification. States must be comparable through `stateKey`. */
export interface Model<S, I, O> {
  init(): S;
  /** Applies `input` in `state`; ok=false when `output` (if known) contradicts the model. */
  step(state: S, input: I, output: O | undefined): StepResult<S>;
  /** A string identifying the state exactly (used to memoise search states). */
  stateKey(state: S): string;
  /** Groups operations that can be checked independently (e.g. by key). */
  partitionKey?(input: I): string;
}

export type CheckVerdict = "ok" | "illegal" | "unknown";

export interface PartitionResult {
  key: string;
  operations: number;
  verdict: CheckVerdict;
  /** The most operations linearized at once by the search, when the verdict is not ok. */
  longestPrefix?: number;
}

export interface CheckResult {
  verdict: CheckVerdict;
  partitions: PartitionResult[];
}

export interface CheckOptions {
  /** Gives up (verdict "unknown") after this much wall time overall. */
  timeoutMs?: number;
}

interface Node {
  id: number;
  isCall: boolean;
  time: number;
  match: Node | null;
  prev: Node | null;
  next: Node | null;
}

/** A bit set with an incremental Zobrist hash, so cache keys are cheap. */
class LinearizedSet {
  readonly words: Uint32Array;
  hashLo = 0;
  hashHi = 0;
  constructor(
    size: number,
    private readonly zobrist: Uint32Array,
  ) {
    this.words = new Uint32Array((size + 31) >>> 5);
  }
  flip(id: number): void {
    this.words[id >>> 5]! ^= 1 << (id & 31);
    this.hashLo ^= this.zobrist[2 * id]!;
    this.hashHi ^= this.zobrist[2 * id + 1]!;
  }
  has(id: number): boolean {
    return (this.words[id >>> 5]! & (1 << (id & 31))) !== 0;
  }
  equalsWords(other: Uint32Array): boolean {
    for (let i = 0; i < other.length; i++) if (other[i] !== this.words[i]) return false;
    return true;
  }
}

function zobristTable(size: number): Uint32Array {
  // A fixed xorshift stream keeps the checker deterministic.
  const table = new Uint32Array(2 * size);
  let x = 0x9e3779b9;
  for (let i = 0; i < table.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    table[i] = x >>> 0;
  }
  return table;
}

function buildList<I, O>(ops: Operation<I, O>[]): Node {
  const events: Node[] = [];
  ops.forEach((op, id) => {
    const call: Node = { id, isCall: true, time: op.callMs, match: null, prev: null, next: null };
    const ret: Node = {
      id,
      isCall: false,
      time: op.returnMs ?? Number.POSITIVE_INFINITY,
      match: null,
      prev: null,
      next: null,
    };
    if (op.returnMs !== undefined && op.returnMs < op.callMs) {
      throw new Error(`operation ${id} returns before it is called`);
    }
    call.match = ret;
    events.push(call, ret);
  });
  // Calls sort before returns at equal times: treating such operations as concurrent never
  // rejects a linearizable history.
  events.sort(
    (a, b) => a.time - b.time || (a.isCall === b.isCall ? a.id - b.id : a.isCall ? -1 : 1),
  );
  const head: Node = {
    id: -1,
    isCall: false,
    time: -Infinity,
    match: null,
    prev: null,
    next: null,
  };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

function lift(call: Node): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: Node): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

function checkPartition<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
  deadline: number,
): { verdict: CheckVerdict; longest: number } {
  const head = buildList(ops);
  const linearized = new LinearizedSet(ops.length, zobristTable(ops.length));
  const cache = new Map<string, Uint32Array[]>();
  const remember = (stateKey: string): boolean => {
    const key = `${linearized.hashLo}:${linearized.hashHi}:${stateKey}`;
    const seen = cache.get(key);
    if (seen === undefined) {
      cache.set(key, [linearized.words.slice()]);
      return true;
    }
    for (const words of seen) if (linearized.equalsWords(words)) return false;
    seen.push(linearized.words.slice());
    return true;
  };
  // Indeterminate operations with identical inputs are interchangeable (same effect, no
  // output, no deadline): only ever linearize the earliest-called pending one of a class,
  // which removes the factorial blow-up of trying them in every order.
  const classOf = new Int32Array(ops.length).fill(-1);
  const rankInClass = new Int32Array(ops.length);
  const classSizes: number[] = [];
  const classIds = new Map<string, number>();
  const byCall = ops.map((_, id) => id).sort((a, b) => ops[a]!.callMs - ops[b]!.callMs || a - b);
  for (const id of byCall) {
    const op = ops[id]!;
    if (op.returnMs !== undefined || op.output !== undefined) continue;
    const key = JSON.stringify(op.input, (_k, v: unknown) =>
      typeof v === "bigint" ? v.toString() : v,
    );
    let c = classIds.get(key);
    if (c === undefined) {
      c = classSizes.length;
      classIds.set(key, c);
      classSizes.push(0);
    }
    classOf[id] = c;
    rankInClass[id] = classSizes[c]!++;
  }
  const classDone = new Int32Array(classSizes.length);
  const stack: { call: Node; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let longest = 0;
  let steps = 0;
  while (head.next !== null) {
    if ((++steps & 0xfff) === 0 && Date.now() > deadline) return { verdict: "unknown", longest };
    if (entry === null) throw new Error("linearizability search ran off the event list");
    if (entry.isCall) {
      const cls = classOf[entry.id]!;
      if (cls >= 0 && rankInClass[entry.id] !== classDone[cls]) {
        entry = entry.next;
        continue;
      }
      const op = ops[entry.id]!;
      const result = model.step(state, op.input, op.output);
      let advanced = false;
      if (result.ok) {
        linearized.flip(entry.id);
        if (remember(model.stateKey(result.state))) {
          stack.push({ call: entry, state });
          if (cls >= 0) classDone[cls]!++;
          state = result.state;
          lift(entry);
          longest = Math.max(longest, stack.length);
          entry = head.next;
          advanced = true;
        } else {
          linearized.flip(entry.id);
        }
      }
      if (!advanced) entry = entry.next;
    } else {
      // A return whose call is not linearized yet: this branch is dead, backtrack.
      const top = stack.pop();
      if (top === undefined) return { verdict: "illegal", longest };
      state = top.state;
      linearized.flip(top.call.id);
      if (classOf[top.call.id]! >= 0) classDone[classOf[top.call.id]!]!--;
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { verdict: "ok", longest };
}

/** Checks a whole history; partitions are checked one after the other. */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const groups = new Map<string, Operation<I, O>[]>();
  for (const op of history) {
    const key = model.partitionKey ? model.partitionKey(op.input) : "";
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = []));
    group.push(op);
  }
  const partitions: PartitionResult[] = [];
  let verdict: CheckVerdict = "ok";
  for (const [key, ops] of [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const r = checkPartition(model, ops, deadline);
    const p: PartitionResult = { key, operations: ops.length, verdict: r.verdict };
    if (r.verdict !== "ok") p.longestPrefix = r.longest;
    partitions.push(p);
    if (r.verdict === "illegal") verdict = "illegal";
    else if (r.verdict === "unknown" && verdict === "ok") verdict = "unknown";
  }
  return { verdict, partitions };
}
