import { test } from "node:test";
import assert from "node:assert/strict";
import {
  parseGoBool,
  parseGoUint,
  parseQueryInto,
  queryUnescape,
} from "../../../../src/api/http/v2/form.js";
import type { Form } from "../../../../src/api/http/v2/form.js";
import { parseKeyRequest } from "../../../../src/api/http/v2/index.js";
import { cleanKey, joinPath, splitPath } from "../../../../src/v2store/path.js";

test("Go ParseBool and ParseUint", () => {
  for (const t of ["1", "t", "T", "TRUE", "true", "True"]) assert.equal(parseGoBool(t), true);
  for (const f of ["0", "f", "F", "FALSE", "false", "False"]) assert.equal(parseGoBool(f), false);
  for (const bad of ["", "yes", "tRUE", " true"]) assert.equal(parseGoBool(bad), undefined);
  assert.equal(parseGoUint("0"), 0);
  assert.equal(parseGoUint("18446744073709551615"), 2 ** 64);
  for (const bad of ["", "-1", "+1", "1.5", "0x10", "18446744073709551616"]) {
    assert.equal(parseGoUint(bad), undefined, bad);
  }
});

test("query parsing: escapes, plus, repeated keys, Go error texts", () => {
  const form: Form = new Map();
  assert.equal(parseQueryInto("a=1&a=2&b=x+y%21&c&&d=%E2%82%AC", form), null);
  assert.deepEqual(form.get("a"), ["1", "2"]);
  assert.deepEqual(form.get("b"), ["x y!"]);
  assert.deepEqual(form.get("c"), [""]);
  assert.deepEqual(form.get("d"), ["€"]);
  assert.equal(parseQueryInto("x=%zz&y=1", form), 'invalid URL escape "%zz"');
  assert.deepEqual(form.get("y"), ["1"], "well-formed pairs are still kept");
  assert.equal(parseQueryInto("x=%a", new Map()), 'invalid URL escape "%a"');
  assert.equal(parseQueryInto("x=1;y=2", new Map()), "invalid semicolon separator in query");
  assert.throws(() => queryUnescape("%"), /invalid URL escape "%"/);
});

test("key paths clean like Go's path package", () => {
  assert.equal(cleanKey(""), "/");
  assert.equal(cleanKey("a//b/../c/"), "/a/c");
  assert.equal(cleanKey("/../x"), "/x");
  assert.equal(cleanKey("/.a/.../b"), "/.a/.../b");
  assert.equal(cleanKey("/a/./b/.."), "/a");
  assert.equal(cleanKey("/a/.."), "/");
  assert.equal(joinPath("/1", ""), "/1");
  assert.equal(joinPath("/1", "/foo/"), "/1/foo");
  assert.deepEqual(splitPath("/1/foo"), ["/1/", "foo"]);
});

test("parseKeyRequest maps the request table and TTLs", () => {
  const form = (q: string): Form => {
    const f: Form = new Map();
    parseQueryInto(q, f);
    return f;
  };
  const now = 1_700_000_000_000;
  const get = parseKeyRequest("GET", "/v2/keys/a/b", form("quorum=true&recursive=1"), now);
  assert.equal(get.req.method, "QGET");
  assert.equal(get.req.path, "/1/a/b");
  assert.equal(get.req.recursive, true);
  const put = parseKeyRequest("PUT", "/v2/keys/k", form("value=v&ttl=5&prevExist=false"), now);
  assert.equal(put.req.expirationMs, now + 5000);
  assert.equal(put.req.prevExist, false);
  assert.equal(put.req.timeMs, now);
  const clear = parseKeyRequest("PUT", "/v2/keys/k", form("value=v&ttl="), now);
  assert.equal(clear.req.expirationMs, 0, "an empty ttl clears it");
  assert.equal(clear.req.prevExist, undefined);
});
