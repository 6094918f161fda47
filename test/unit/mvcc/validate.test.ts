import { test } from "node:test";
import assert from "node:assert/strict";
import {
  EtcdError,
  Errors,
  errorFromText,
  etcdError,
  GrpcCode,
  isEtcdError,
} from "../../../src/errors.js";
import {
  checkPutRequest,
  checkTxnRequest,
  isTxnReadOnly,
  prefixEnd,
} from "../../../src/mvcc/validate.js";
import type { RequestOp } from "../../../src/mvcc/types.js";
import { b } from "./helpers.js";

const put = (k: string): RequestOp => ({ requestPut: { key: b(k), value: b("v") } });
const del = (k: string, end?: string): RequestOp => ({
  requestDeleteRange: { key: b(k), rangeEnd: end === undefined ? undefined : b(end) },
});
const get = (k: string): RequestOp => ({ requestRange: { key: b(k) } });
const txn = (success: RequestOp[], failure: RequestOp[] = []): RequestOp => ({
  requestTxn: { success, failure },
});

function rejects(fn: () => void, text: string): void {
  assert.throws(fn, (e: unknown) => e instanceof EtcdError && e.message === `etcdserver: ${text}`);
}

test("duplicate keys in one branch are rejected, across branches allowed", () => {
  rejects(
    () => checkTxnRequest({ success: [put("a"), put("a")] }),
    "duplicate key given in txn request",
  );
  rejects(
    () => checkTxnRequest({ success: [put("a"), del("a")] }),
    "duplicate key given in txn request",
  );
  rejects(
    () => checkTxnRequest({ success: [put("b"), del("a", "c")] }),
    "duplicate key given in txn request",
  );
  rejects(
    () => checkTxnRequest({ success: [put("a"), txn([put("a")])] }),
    "duplicate key given in txn request",
  );
  rejects(
    () => checkTxnRequest({ success: [del("a"), txn([put("a")])] }),
    "duplicate key given in txn request",
  );
  rejects(
    () => checkTxnRequest({ success: [txn([del("a")]), txn([put("a")])] }),
    "duplicate key given in txn request",
  );
  checkTxnRequest({ success: [put("a")], failure: [put("a")] });
  checkTxnRequest({ success: [txn([put("a")], [put("a")])] });
  checkTxnRequest({ success: [put("c"), del("a", "c")] });
  checkTxnRequest({ success: [del("a"), del("a")] });
  checkTxnRequest({ success: [put("a"), get("a")] });
});

test("too many operations, counting compares and nested budgets", () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => get(`k${i}`));
  checkTxnRequest({ success: many(128) });
  rejects(() => checkTxnRequest({ success: many(129) }), "too many operations in txn request");
  rejects(() => checkTxnRequest({ failure: many(3) }, 2), "too many operations in txn request");
  rejects(
    () =>
      checkTxnRequest(
        {
          compare: Array.from({ length: 3 }, () => ({ key: b("a"), target: 0, result: 0 })),
        },
        2,
      ),
    "too many operations in txn request",
  );
  // a nested txn gets what its parent left
  rejects(
    () => checkTxnRequest({ success: [txn(many(2)), get("x")] }, 3),
    "too many operations in txn request",
  );
  checkTxnRequest({ success: [txn(many(1)), get("x")] }, 3);
});

test("empty keys and empty ops", () => {
  rejects(() => checkTxnRequest({ success: [{}] }), "key not found");
  rejects(() => checkTxnRequest({ success: [get("")] }), "key is not provided");
  rejects(
    () => checkTxnRequest({ compare: [{ key: b(""), target: 0, result: 0 }] }),
    "key is not provided",
  );
  rejects(() => checkPutRequest({ key: b("") }), "key is not provided");
  rejects(
    () => checkPutRequest({ key: b("a"), value: b("x"), ignoreValue: true }),
    "value is provided",
  );
  rejects(
    () => checkPutRequest({ key: b("a"), lease: 1n, ignoreLease: true }),
    "lease is provided",
  );
  checkPutRequest({ key: b("a"), ignoreValue: true, ignoreLease: true });
});

test("read-only detection", () => {
  assert.equal(isTxnReadOnly({ success: [get("a")], failure: [txn([get("b")])] }), true);
  assert.equal(isTxnReadOnly({ success: [get("a")], failure: [txn([], [del("b")])] }), false);
});

test("prefix end", () => {
  assert.deepEqual(prefixEnd(b("abc")), b("abd"));
  assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff])), b("b"));
  assert.deepEqual(prefixEnd(Buffer.from([0xff, 0xff])), Buffer.from([0]));
});

test("error catalogue: codes and exact texts", () => {
  const e = etcdError("Compacted");
  assert.equal(e.code, GrpcCode.OUT_OF_RANGE);
  assert.equal(e.message, "etcdserver: mvcc: required revision has been compacted");
  assert.ok(isEtcdError(e, "Compacted"));
  assert.ok(!isEtcdError(e, "FutureRev"));
  assert.equal(Errors.NoSpace.code, 8);
  assert.equal(Errors.LeaseNotFound.code, 5);
  assert.equal(Errors.LeaseExist.message, "etcdserver: lease already exists");
  assert.equal(Errors.LeaseTTLTooLarge.code, 11);
  assert.equal(errorFromText("etcdserver: no leader").code, 14);
  assert.equal(errorFromText("weird").code, 2);
  for (const s of Object.values(Errors)) assert.match(s.message, /^etcdserver: /);
});
