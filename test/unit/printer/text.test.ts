// Go renderings the printers rely on: %q, encoding/json strings and numbers, humanized sizes.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  goJson,
  goQuote,
  hex016,
  hex16,
  hexEscape,
  humanBytes,
  omit,
  prefixRangeEnd,
} from "../../../src/printer/text.js";

test("goQuote matches strconv.Quote", () => {
  assert.equal(goQuote("foo"), '"foo"');
  assert.equal(goQuote('a "q" \\'), '"a \\"q\\" \\\\"');
  assert.equal(goQuote("x\ny\t\x01\x7f"), '"x\\ny\\t\\x01\\x7f"');
  assert.equal(goQuote("é 😀"), '"é 😀"');
  assert.equal(goQuote(Buffer.from([0x61, 0xff, 0x62])), '"a\\xffb"');
  assert.equal(goQuote("\u200b"), '"\\u200b"');
});

test("goJson: exact 64-bit integers, base64 bytes, escaped <>&, omitempty", () => {
  const big = 2n ** 64n - 1n;
  assert.equal(
    goJson({ id: big, key: Buffer.from("foo"), s: "<a&b>", zero: omit(0n), none: undefined }),
    '{"id":18446744073709551615,"key":"Zm9v","s":"\\u003ca\\u0026b\\u003e"}',
  );
  assert.equal(goJson([]), "[]");
  assert.equal(goJson(null), "null");
  assert.equal(goJson("\u2028\n"), '"\\u2028\\n"');
});

test("ids and sizes", () => {
  assert.equal(hex016(0x1en), "000000000000001e");
  assert.equal(hex16(0xe6480ac06d6dcccn), " e6480ac06d6dccc");
  assert.equal(hexEscape(Buffer.from("fo")), "\\x66\\x6f");
  assert.equal(humanBytes(5), "5 B");
  assert.equal(humanBytes(20480), "20 kB");
  assert.equal(humanBytes(1572864), "1.6 MB");
  assert.equal(humanBytes(1000), "1.0 kB");
});

test("prefixRangeEnd", () => {
  assert.deepEqual(prefixRangeEnd(Buffer.from("a")), Buffer.from("b"));
  assert.deepEqual(prefixRangeEnd(Buffer.from([0x61, 0xff])), Buffer.from("b"));
  assert.deepEqual(prefixRangeEnd(Buffer.from([0xff])), Buffer.from([0]));
});
