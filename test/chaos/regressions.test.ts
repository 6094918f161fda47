// Regression tests for bugs the chaos runs found, each reduced to the smallest setting
// that shows it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WaitRegistry } from "../../src/server/wait.js";

test("a waiter failed before anyone awaits it is not an unhandled rejection", async () => {
  // Found by chaos: a proposal waiting for a leader hit its timeout first, the rejected
  // wait promise was unhandled, and node killed the member.
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on("unhandledRejection", onUnhandled);
  try {
    const waits = new WaitRegistry<number>();
    const { seq, promise } = waits.register();
    waits.fail(seq, new Error("request timed out"));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(unhandled, []);
    await assert.rejects(promise, /request timed out/);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});
