import { test } from "node:test";
import assert from "node:assert/strict";
import { SimpleTokens, isWellFormedToken, newTokenPrefix } from "../../../src/auth/tokens.js";

test("token prefixes are 16 letters; tokens are prefix.index", () => {
  const p = newTokenPrefix();
  assert.match(p, /^[A-Za-z]{16}$/);
  assert.notEqual(p, newTokenPrefix());
  assert.ok(isWellFormedToken(`${p}.255`));
  assert.ok(!isWellFormedToken(p));
  assert.ok(!isWellFormedToken(`${p}.x`));
});

test("a token expires after the TTL without use; each use restarts it", () => {
  const clock = { ms: 0 };
  const t = new SimpleTokens(300_000, () => clock.ms);
  t.assign("abc.5", "alice");
  clock.ms = 299_000;
  assert.equal(t.use("abc.5"), "alice");
  clock.ms = 598_000; // 299 s after the last use
  assert.equal(t.use("abc.5"), "alice");
  clock.ms = 898_000; // 300 s after the last use
  assert.equal(t.use("abc.5"), undefined);
  assert.equal(t.use("nope.1"), undefined);
});

test("invalidateUser, clear and sweep drop tokens", () => {
  const clock = { ms: 0 };
  const t = new SimpleTokens(1000, () => clock.ms);
  t.assign("a.1", "alice");
  t.assign("b.2", "bob");
  t.assign("c.3", "alice");
  t.invalidateUser("alice");
  assert.equal(t.size, 1);
  assert.equal(t.use("b.2"), "bob");
  clock.ms = 5000;
  t.sweep();
  assert.equal(t.size, 0);
  t.assign("d.4", "bob");
  t.clear();
  assert.equal(t.use("d.4"), undefined);
  assert.throws(() => new SimpleTokens(0));
});
