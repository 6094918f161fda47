// Model-based test: random operation sequences run against the MVCC store and against a
// tiny in-memory reference (every record kept in a list) must give identical results.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EtcdError, etcdError } from "../../../src/errors.js";
import { MvccStore } from "../../../src/mvcc/store.js";
import type { WriteTxn } from "../../../src/mvcc/store.js";
import { checkTxnRequest } from "../../../src/mvcc/validate.js";
import type {
  Compare,
  DeleteRangeRequest,
  KeyValue,
  PutRequest,
  RangeRequest,
  RangeResult,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResult,
} from "../../../src/mvcc/types.js";
import { openTmp } from "./helpers.js";

interface Rec {
  key: string;
  main: number;
  sub: number;
  value: string;
  create: number;
  version: number;
  tombstone: boolean;
}

const L = (s: string) => Buffer.from(s, "latin1");
const S = (b: Buffer | undefined) => (b ? b.toString("latin1") : "");

class Model {
  recs: Rec[] = [];
  rev = 1;
  compactRev = -1;
  private begin = 0;
  private changes = 0;

  private at(key: string, rev: number): Rec | undefined {
    let last: Rec | undefined;
    for (const r of this.recs) if (r.key === key && r.main <= rev) last = r;
    return last && !last.tombstone ? last : undefined;
  }

  private keysIn(key: string, end: string | undefined, rev: number): Rec[] {
    const all = [...new Set(this.recs.map((r) => r.key))].sort();
    const inRange = (k: string) =>
      !end ? k === key : end === "\x00" ? k >= key : k >= key && k < end;
    return all
      .filter(inRange)
      .map((k) => this.at(k, rev))
      .filter((r): r is Rec => !!r);
  }

  private kv(r: Rec): KeyValue {
    return {
      key: L(r.key),
      value: L(r.value),
      createRevision: r.create,
      modRevision: r.main,
      version: r.version,
      lease: 0n,
    };
  }

  private readRev(): number {
    return this.changes > 0 ? this.begin + 1 : this.begin;
  }

  range(req: RangeRequest, cur = this.rev): RangeResult {
    let rev = req.revision ?? 0;
    if (rev > cur) throw etcdError("FutureRev");
    if (rev <= 0) rev = cur;
    if (rev < this.compactRev) throw etcdError("Compacted");
    const found = this.keysIn(S(req.key), req.rangeEnd && S(req.rangeEnd), rev);
    if (req.countOnly) return { kvs: [], more: false, count: found.length, revision: cur };
    const limit = req.limit && req.limit > 0 ? req.limit : 0;
    const order = req.sortOrder ?? 0;
    const filtered = !!(req.minModRevision || req.maxModRevision);
    const fetch = order !== 0 || filtered || limit === 0 ? found.length : limit + 1;
    let kvs = found.slice(0, fetch).map((r) => this.kv(r));
    if (req.maxModRevision) kvs = kvs.filter((k) => k.modRevision <= req.maxModRevision!);
    if (req.minModRevision) kvs = kvs.filter((k) => k.modRevision >= req.minModRevision!);
    const target = req.sortTarget ?? 0;
    const eff = order === 0 && target !== 0 ? 1 : order;
    if (eff !== 0) {
      const f = (k: KeyValue): number | string =>
        target === 1
          ? k.version
          : target === 2
            ? k.createRevision
            : target === 3
              ? k.modRevision
              : target === 4
                ? S(k.value)
                : S(k.key);
      kvs.sort((a, b) => {
        const x = f(a);
        const y = f(b);
        const c = x < y ? -1 : x > y ? 1 : 0;
        return eff === 2 ? -c : c;
      });
    }
    let more = false;
    if (limit > 0 && kvs.length > limit) {
      kvs = kvs.slice(0, limit);
      more = true;
    }
    if (req.keysOnly) kvs = kvs.map((k) => ({ ...k, value: Buffer.alloc(0) }));
    return { kvs, more, count: found.length, revision: cur };
  }

  private doPut(req: PutRequest) {
    const key = S(req.key);
    const prev = this.at(key, this.readRev());
    if (req.ignoreValue && !prev) throw etcdError("KeyNotFound");
    const main = this.begin + 1;
    this.recs.push({
      key,
      main,
      sub: this.changes++,
      value: req.ignoreValue ? prev!.value : S(req.value),
      create: prev ? prev.create : main,
      version: prev ? prev.version + 1 : 1,
      tombstone: false,
    });
    return { revision: main, ...(req.prevKv && prev ? { prevKv: this.kv(prev) } : {}) };
  }

  private doDelete(req: DeleteRangeRequest) {
    const found = this.keysIn(S(req.key), req.rangeEnd && S(req.rangeEnd), this.readRev());
    const prevKvs = req.prevKv ? found.map((r) => this.kv(r)) : [];
    for (const r of found) {
      this.recs.push({
        key: r.key,
        main: this.begin + 1,
        sub: this.changes++,
        value: "",
        create: 0,
        version: 0,
        tombstone: true,
      });
    }
    const revision = found.length > 0 || this.changes > 0 ? this.begin + 1 : this.begin;
    return { revision, deleted: found.length, prevKvs };
  }

  private request<T>(fn: () => T): T {
    this.begin = this.rev;
    this.changes = 0;
    try {
      return fn();
    } finally {
      if (this.changes > 0) this.rev = this.begin + 1;
      this.changes = 0;
    }
  }

  put(req: PutRequest) {
    return this.request(() => this.doPut(req));
  }

  deleteRange(req: DeleteRangeRequest) {
    return this.request(() => this.doDelete(req));
  }

  compact(rev: number) {
    if (rev <= this.compactRev) throw etcdError("Compacted");
    if (rev > this.rev) throw etcdError("FutureRev");
    this.compactRev = rev;
    return { revision: this.rev };
  }

  private cmp(c: Compare, rev: number): boolean {
    const found = this.keysIn(S(c.key), c.rangeEnd && S(c.rangeEnd), rev);
    const one = (r: Rec | undefined): boolean => {
      const [a, b] =
        c.target === 3
          ? [r ? r.value : "", S(c.value)]
          : c.target === 0
            ? [r?.version ?? 0, c.version ?? 0]
            : c.target === 1
              ? [r?.create ?? 0, c.createRevision ?? 0]
              : [r?.main ?? 0, c.modRevision ?? 0];
      const x = a < b ? -1 : a > b ? 1 : 0;
      return [x === 0, x > 0, x < 0, x !== 0][c.result]!;
    };
    if (found.length === 0) return c.target === 3 ? false : one(undefined);
    return found.every(one);
  }

  txn(req: TxnRequest): TxnResult {
    checkTxnRequest(req);
    return this.request(() => {
      const at = this.readRev();
      // decide every branch first, against the state before the txn
      const decide = (t: TxnRequest): unknown => {
        const ok = (t.compare ?? []).every((c) => this.cmp(c, at));
        const ops = (ok ? t.success : t.failure) ?? [];
        return { ok, ops, kids: ops.map((o) => (o.requestTxn ? decide(o.requestTxn) : null)) };
      };
      type D = { ok: boolean; ops: RequestOp[]; kids: (D | null)[] };
      const plan = decide(req) as D;
      const check = (d: D): void => {
        d.ops.forEach((o, i) => {
          if (o.requestTxn) check(d.kids[i]!);
          if (o.requestPut?.ignoreValue && !this.at(S(o.requestPut.key), at))
            throw etcdError("KeyNotFound");
        });
      };
      check(plan);
      const run = (d: D): TxnResult => {
        const responses: ResponseOp[] = d.ops.map((o, i) => {
          if (o.requestRange) return { responseRange: this.range(o.requestRange, this.readRev()) };
          if (o.requestPut) return { responsePut: this.doPut(o.requestPut) };
          if (o.requestDeleteRange)
            return { responseDeleteRange: this.doDelete(o.requestDeleteRange) };
          const inner = run(d.kids[i]!);
          return { responseTxn: { ...inner, revision: 0 } };
        });
        return { revision: 0, succeeded: d.ok, responses };
      };
      const out = run(plan);
      out.revision = this.readRev();
      return out;
    });
  }
}

// ---- generators ----

const KEYS = ["a", "ab", "abc", "b", "ba", "c", "\x00k", "\xffz"];
// a few hot keys make long per-key histories (versions, compaction, generations) likely
const keyArb = fc.oneof(
  { arbitrary: fc.constantFrom("a", "ab"), weight: 3 },
  { arbitrary: fc.constantFrom(...KEYS), weight: 2 },
);
const endArb = fc.option(fc.constantFrom("b", "c", "bz", "\x00", "abd", "\xff", "a"), {
  nil: undefined,
});
const valArb = fc.constantFrom("", "x", "y", "zz", "\xff");

const putArb = fc.record({
  key: keyArb,
  value: valArb,
  prevKv: fc.boolean(),
  ignoreValue: fc.boolean(),
});
const delArb = fc.record({ key: keyArb, end: endArb, prevKv: fc.boolean() });
const rangeArb = fc.record({
  key: keyArb,
  end: endArb,
  revOffset: fc.integer({ min: -12, max: 2 }),
  limit: fc.integer({ min: 0, max: 4 }),
  sortOrder: fc.integer({ min: 0, max: 2 }),
  sortTarget: fc.integer({ min: 0, max: 4 }),
  keysOnly: fc.boolean(),
  countOnly: fc.boolean(),
  minMod: fc.integer({ min: 0, max: 8 }),
  maxMod: fc.constantFrom(0, 0, 5, 10),
});
const compareArb = fc.record({
  key: keyArb,
  end: endArb,
  target: fc.integer({ min: 0, max: 3 }),
  result: fc.integer({ min: 0, max: 3 }),
  num: fc.integer({ min: 0, max: 8 }),
  value: valArb,
});

type PutG = { key: string; value: string; prevKv: boolean; ignoreValue: boolean };
type DelG = { key: string; end: string | undefined; prevKv: boolean };
type OpG = { put: PutG } | { del: DelG } | { get: string } | { txn: TxnG };
type TxnG = {
  compare: (typeof compareArb extends fc.Arbitrary<infer T> ? T : never)[];
  success: OpG[];
  failure: OpG[];
};

const { txnG } = fc.letrec<{ txnG: TxnG; opG: OpG }>((tie) => ({
  opG: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    putArb.map((put) => ({ put: { ...put, ignoreValue: false } })),
    delArb.map((del) => ({ del })),
    keyArb.map((get) => ({ get })),
    tie("txnG").map((txn) => ({ txn: txn as TxnG })),
  ) as fc.Arbitrary<OpG>,
  txnG: fc.record({
    compare: fc.array(compareArb, { maxLength: 2 }),
    success: fc.array(tie("opG") as fc.Arbitrary<OpG>, { maxLength: 3 }),
    failure: fc.array(tie("opG") as fc.Arbitrary<OpG>, { maxLength: 3 }),
  }) as fc.Arbitrary<TxnG>,
}));

const cmdArb = fc.oneof(
  { arbitrary: putArb.map((p) => ({ kind: "put" as const, p })), weight: 5 },
  { arbitrary: delArb.map((d) => ({ kind: "del" as const, d })), weight: 2 },
  { arbitrary: rangeArb.map((r) => ({ kind: "range" as const, r })), weight: 3 },
  { arbitrary: txnG.map((t) => ({ kind: "txn" as const, t })), weight: 2 },
  {
    arbitrary: fc
      .oneof(fc.integer({ min: -10, max: 1 }), fc.integer({ min: -2, max: 0 }))
      .map((o) => ({ kind: "compact" as const, o })),
    weight: 2,
  },
  { arbitrary: fc.constant({ kind: "batch" as const }), weight: 2 },
);

function toOp(o: OpG): RequestOp {
  if ("put" in o)
    return { requestPut: { key: L(o.put.key), value: L(o.put.value), prevKv: o.put.prevKv } };
  if ("del" in o)
    return {
      requestDeleteRange: {
        key: L(o.del.key),
        rangeEnd: o.del.end === undefined ? undefined : L(o.del.end),
        prevKv: o.del.prevKv,
      },
    };
  if ("get" in o) return { requestRange: { key: L(o.get) } };
  return { requestTxn: toTxn(o.txn) };
}

function toTxn(t: TxnG): TxnRequest {
  return {
    compare: t.compare.map((c) => ({
      key: L(c.key),
      rangeEnd: c.end === undefined ? undefined : L(c.end),
      target: c.target as 0,
      result: c.result as 0,
      version: c.num,
      createRevision: c.num,
      modRevision: c.num,
      value: L(c.value),
    })),
    success: t.success.map(toOp),
    failure: t.failure.map(toOp),
  };
}

/** Applies one request as one raft entry; a request error still consumes the entry. */
function applyOne<T>(s: MvccStore, index: number, fn: (w: WriteTxn) => T): T {
  const r = s.applyBatch(index, (w) => {
    try {
      return { ok: fn(w) };
    } catch (e) {
      if (e instanceof EtcdError) return { err: e };
      throw e;
    }
  });
  if ("err" in r) throw r.err;
  return r.ok;
}

/** Runs fn on both; results (or error texts) must match. */
function same<T>(label: string, a: () => T, b: () => T): void {
  const run = (f: () => T): { ok: T } | { err: string } => {
    try {
      return { ok: f() };
    } catch (e) {
      if (!(e instanceof EtcdError)) throw e;
      return { err: e.message };
    }
  };
  assert.deepStrictEqual(run(a), run(b), label);
}

function fullCheck(store: MvccStore, model: Model): void {
  assert.equal(store.currentRevision, model.rev);
  assert.equal(store.compactRevision, model.compactRev);
  for (let rev = Math.max(1, model.compactRev - 1); rev <= model.rev + 1; rev++) {
    const req = { key: L("\x00"), rangeEnd: L("\x00"), revision: rev };
    same(
      `all keys at ${rev}`,
      () => store.range(req),
      () => model.range(req),
    );
  }
}

// bulkReadMinKeys 1 sends every range read through the bulk statement (default: 8 or more)
for (const bulkReadMinKeys of [undefined, 1]) {
  test(`MVCC store matches the reference model on random histories (bulk reads from ${bulkReadMinKeys ?? "default"} records)`, () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 40, size: "medium" }), (cmds) => {
        // compacted records stay in SQLite here (never purged) and are purged eagerly in the
        // replay store below: results and hashes must not depend on it
        const { store, file } = openTmp({ autoPurge: false, bulkReadMinKeys });
        let s = store;
        const model = new Model();
        let index = 0;
        const writes: ((w: WriteTxn) => unknown)[] = [];
        const rec = <T>(fn: (w: WriteTxn) => T): T => {
          writes.push(fn);
          return applyOne(s, ++index, fn);
        };
        try {
          for (const c of cmds) {
            const label = JSON.stringify(c);
            switch (c.kind) {
              case "put": {
                const req: PutRequest = {
                  key: L(c.p.key),
                  value: c.p.ignoreValue ? undefined : L(c.p.value),
                  prevKv: c.p.prevKv,
                  ignoreValue: c.p.ignoreValue,
                };
                same(
                  label,
                  () => rec((w) => w.put(req)),
                  () => model.put(req),
                );
                break;
              }
              case "del": {
                const req = {
                  key: L(c.d.key),
                  rangeEnd: c.d.end === undefined ? undefined : L(c.d.end),
                  prevKv: c.d.prevKv,
                };
                same(
                  label,
                  () => rec((w) => w.deleteRange(req)),
                  () => model.deleteRange(req),
                );
                break;
              }
              case "range": {
                const r = c.r;
                const req: RangeRequest = {
                  key: L(r.key),
                  rangeEnd: r.end === undefined ? undefined : L(r.end),
                  revision: r.revOffset <= -12 ? 0 : model.rev + r.revOffset,
                  limit: r.limit,
                  sortOrder: r.sortOrder as 0,
                  sortTarget: r.sortTarget as 0,
                  keysOnly: r.keysOnly,
                  countOnly: r.countOnly,
                  minModRevision: r.minMod,
                  maxModRevision: r.maxMod,
                };
                same(
                  label,
                  () => s.range(req),
                  () => model.range(req),
                );
                break;
              }
              case "txn": {
                const req = toTxn(c.t);
                same(
                  label,
                  () => rec((w) => w.txn(req)),
                  () => model.txn(req),
                );
                break;
              }
              case "compact": {
                const rev = model.rev + c.o;
                same(
                  label,
                  () => rec((w) => w.compact(rev)),
                  () => model.compact(rev),
                );
                break;
              }
              case "batch": {
                // restart: everything must come back from SQLite
                s.close();
                s = MvccStore.open(file, {
                  watch: { autoSync: false },
                  autoPurge: false,
                  bulkReadMinKeys,
                });
                assert.equal(s.consistentIndex(), index);
                break;
              }
            }
            assert.equal(s.currentRevision, model.rev, `revision after ${label}`);
          }
          fullCheck(s, model);
          // the same requests applied in batches of three give the same state and hashes
          const other = openTmp({ autoPurge: false, bulkReadMinKeys }).store;
          try {
            for (let i = 0; i < writes.length; i += 3) {
              other.applyBatch(i + 1, (w) => {
                for (const fn of writes.slice(i, i + 3)) {
                  try {
                    fn(w);
                  } catch (e) {
                    if (!(e instanceof EtcdError)) throw e;
                  }
                }
              });
              other.purgeCompacted(Number.MAX_SAFE_INTEGER);
            }
            assert.equal(other.currentRevision, s.currentRevision);
            assert.equal(other.compactRevision, s.compactRevision);
            assert.deepEqual(other.hashKV(0), s.hashKV(0));
            assert.equal(other.hash(), s.hash());
            fullCheck(other, model);
          } finally {
            other.close();
          }
        } finally {
          s.close();
        }
      }),
      { seed: 20261124, numRuns: 150 },
    );
  });
}
