// Pure request checks that need no store state, so the server can run them before a request
// enters raft (and the apply path runs them again, harmlessly, for determinism).
import { etcdError } from "../errors.js";
import type {
  DeleteRangeRequest,
  PutRequest,
  RangeRequest,
  RequestOp,
  TxnRequest,
} from "./types.js";

export const DEFAULT_MAX_TXN_OPS = 128;

export function checkRangeRequest(r: RangeRequest): void {
  if (r.key.length === 0) throw etcdError("EmptyKey");
}

export function checkPutRequest(r: PutRequest): void {
  if (r.key.length === 0) throw etcdError("EmptyKey");
  if (r.ignoreValue && r.value !== undefined && r.value.length !== 0) {
    throw etcdError("ValueProvided");
  }
  if (r.ignoreLease && r.lease !== undefined && r.lease !== 0n) throw etcdError("LeaseProvided");
}

export function checkDeleteRequest(r: DeleteRangeRequest): void {
  if (r.key.length === 0) throw etcdError("EmptyKey");
}

/**
 * The full txn check etcd's API layer does: op-count limit (nested txns share the budget
 * left over by their parent), non-empty keys, no empty ops, and no key written twice in one
 * branch (a put twice, or a put inside a delete range, nested txns included).
 */
export function checkTxnRequest(r: TxnRequest, maxTxnOps = DEFAULT_MAX_TXN_OPS): void {
  checkTxnShape(r, maxTxnOps);
  checkIntervals(r.success ?? []);
  checkIntervals(r.failure ?? []);
}

function checkTxnShape(r: TxnRequest, maxTxnOps: number): void {
  const compare = r.compare ?? [];
  const success = r.success ?? [];
  const failure = r.failure ?? [];
  const ops = Math.max(compare.length, success.length, failure.length);
  if (ops > maxTxnOps) throw etcdError("TooManyOps");
  for (const c of compare) if (c.key.length === 0) throw etcdError("EmptyKey");
  for (const op of success) checkRequestOp(op, maxTxnOps - ops);
  for (const op of failure) checkRequestOp(op, maxTxnOps - ops);
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): void {
  if (op.requestRange) return checkRangeRequest(op.requestRange);
  if (op.requestPut) return checkPutRequest(op.requestPut);
  if (op.requestDeleteRange) return checkDeleteRequest(op.requestDeleteRange);
  if (op.requestTxn) return checkTxnShape(op.requestTxn, maxTxnOps);
  throw etcdError("KeyNotFound");
}

/** A delete's key interval compared as raw bytes, as etcd's interval tree does. */
interface DelInterval {
  lo: string;
  hi: string | null; // null: a single key
}

function hits(dels: DelInterval[], k: string): boolean {
  for (const d of dels) {
    if (d.hi === null ? k === d.lo : k >= d.lo && k < d.hi) return true;
  }
  return false;
}

/** Returns the puts and deletes of `ops` (children included); throws on an overlap. */
function checkIntervals(ops: RequestOp[]): { puts: Set<string>; dels: DelInterval[] } {
  const dels: DelInterval[] = [];
  for (const op of ops) {
    const d = op.requestDeleteRange;
    if (!d) continue;
    const lo = d.key.toString("latin1");
    const hi = d.rangeEnd && d.rangeEnd.length > 0 ? d.rangeEnd.toString("latin1") : null;
    dels.push({ lo, hi });
  }
  const puts = new Set<string>();
  for (const op of ops) {
    const t = op.requestTxn;
    if (!t) continue;
    const then = checkIntervals(t.success ?? []);
    const els = checkIntervals(t.failure ?? []);
    for (const k of then.puts) {
      if (puts.has(k) || hits(dels, k)) throw etcdError("DuplicateKey");
      puts.add(k);
    }
    for (const k of els.puts) {
      // then/else are exclusive, so the same key in both branches is fine
      if (puts.has(k) && !then.puts.has(k)) throw etcdError("DuplicateKey");
      if (hits(dels, k)) throw etcdError("DuplicateKey");
      puts.add(k);
    }
    dels.push(...then.dels, ...els.dels);
  }
  for (const op of ops) {
    const p = op.requestPut;
    if (!p) continue;
    const k = p.key.toString("latin1");
    if (puts.has(k) || hits(dels, k)) throw etcdError("DuplicateKey");
    puts.add(k);
  }
  return { puts, dels };
}

/** True when the txn (either branch, nested included) can write. */
export function isTxnReadOnly(r: TxnRequest): boolean {
  for (const ops of [r.success ?? [], r.failure ?? []]) {
    for (const op of ops) {
      if (op.requestPut || op.requestDeleteRange) return false;
      if (op.requestTxn && !isTxnReadOnly(op.requestTxn)) return false;
    }
  }
  return true;
}

/** The smallest key after every key with the given prefix ("\x00" when none exists). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
