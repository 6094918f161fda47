import { test } from "node:test";
import assert from "node:assert/strict";
import { formatGoDuration, parseGoDurationMs } from "../../../src/util/duration.js";

test("parses Go durations", () => {
  assert.equal(parseGoDurationMs("5s"), 5000);
  assert.equal(parseGoDurationMs("1m30s"), 90_000);
  assert.equal(parseGoDurationMs("100ms"), 100);
  assert.equal(parseGoDurationMs("1.5h"), 5_400_000);
  assert.equal(parseGoDurationMs("0"), 0);
  assert.throws(() => parseGoDurationMs("bad"), /time: invalid duration "bad"/);
  assert.throws(() => parseGoDurationMs("5"), /time: missing unit in duration "5"/);
});

test("formats durations as Go prints them", () => {
  assert.equal(formatGoDuration(5000), "5s");
  assert.equal(formatGoDuration(60_000), "1m0s");
  assert.equal(formatGoDuration(7_200_000), "2h0m0s");
  assert.equal(formatGoDuration(1.5), "1.5ms");
  assert.equal(formatGoDuration(0), "0s");
});
