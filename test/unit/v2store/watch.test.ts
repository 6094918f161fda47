import { test } from "node:test";
import assert from "node:assert/strict";
import { PERMANENT, V2Error, V2Store } from "../../../src/v2store/index.js";
import type { V2Event } from "../../../src/v2store/index.js";

const NOW = Date.UTC(2026, 0, 1);

type Next = { next(): Promise<V2Event | null> };
const outstanding = new WeakMap<Next, Promise<V2Event | null>>();

/**
 * Resolves with the next event, or "pending" if none arrives within a turn of the loop. A
 * next() left pending is reused by the following call, so no event is lost.
 */
async function nextOrPending(w: Next): Promise<V2Event | null | "pending"> {
  const p = outstanding.get(w) ?? w.next();
  outstanding.set(w, p);
  const r = await Promise.race([
    p,
    new Promise<"pending">((res) => setImmediate(() => res("pending"))),
  ]);
  if (r !== "pending") outstanding.delete(w);
  return r;
}

function next(w: Next): Promise<V2Event | null> {
  const p = outstanding.get(w);
  outstanding.delete(w);
  return p ?? w.next();
}

test("one-shot watch resolves on the first matching write and unregisters", async () => {
  const s = new V2Store();
  const w = s.watch("/1/foo");
  assert.equal(w.startIndex, 0);
  assert.equal(s.watcherCount, 1);
  s.set("/1/bar", false, "x", PERMANENT, NOW);
  assert.equal(await nextOrPending(w), "pending");
  s.set("/1/foo", false, "v", PERMANENT, NOW);
  const ev = await next(w);
  assert.equal(ev!.action, "set");
  assert.equal(ev!.node.key, "/1/foo");
  assert.equal(s.watcherCount, 0);
});

test("non-recursive watch on a dir ignores children; recursive sees them", async () => {
  const s = new V2Store();
  const flat = s.watch("/1/d");
  const rec = s.watch("/1/d", { recursive: true });
  s.set("/1/d/k", false, "v", PERMANENT, NOW);
  assert.equal(await nextOrPending(flat), "pending");
  assert.equal((await next(rec))!.node.key, "/1/d/k");
  flat.remove();
  assert.equal(s.watcherCount, 0);
});

test("hidden keys do not wake recursive watchers of a parent", async () => {
  const s = new V2Store();
  const rec = s.watch("/1/d", { recursive: true });
  s.set("/1/d/_h", false, "v", PERMANENT, NOW);
  assert.equal(await nextOrPending(rec), "pending");
  const exact = s.watch("/1/d/_h");
  s.set("/1/d/_h", false, "w", PERMANENT, NOW);
  assert.equal((await next(exact))!.node.value, "w");
  rec.remove();
});

test("deleting a directory notifies watchers of keys inside it", async () => {
  const s = new V2Store();
  s.set("/1/d/a/b", false, "v", PERMANENT, NOW);
  const w = s.watch("/1/d/a/b");
  s.delete("/1/d", true, true, NOW);
  const ev = await next(w);
  assert.equal(ev!.action, "delete");
  assert.equal(ev!.node.key, "/1/d");
});

test("stream watch keeps delivering; an exact-key stream sees a delete twice, as etcd", async () => {
  const s = new V2Store();
  s.set("/1/w/k", false, "1", PERMANENT, NOW);
  const exact = s.watch("/1/w/k", { stream: true });
  const rec = s.watch("/1/w", { stream: true, recursive: true });
  s.set("/1/w/k", false, "2", PERMANENT, NOW);
  s.delete("/1/w/k", false, false, NOW);
  const got: string[] = [];
  for (let i = 0; i < 3; i++) got.push((await next(exact))!.action);
  assert.deepEqual(got, ["set", "delete", "delete"]);
  assert.equal((await next(rec))!.action, "set");
  assert.equal((await next(rec))!.action, "delete");
  assert.equal(await nextOrPending(rec), "pending");
  assert.equal(s.watcherCount, 2);
  exact.remove();
  rec.remove();
  assert.equal(s.watcherCount, 0);
  assert.equal(await next(exact), null);
});

test("waitIndex answers from the history, with the current index as etcdIndex", async () => {
  const s = new V2Store();
  s.set("/1/a", false, "1", PERMANENT, NOW); // 1
  s.set("/1/b", false, "2", PERMANENT, NOW); // 2
  s.set("/1/a", false, "3", PERMANENT, NOW); // 3
  const w = s.watch("/1/a", { sinceIndex: 2 });
  const ev = await next(w);
  assert.equal(ev!.node.modifiedIndex, 3);
  assert.equal(ev!.etcdIndex, 3);
  assert.equal(w.startIndex, 3);
  assert.equal(s.watcherCount, 0, "answered from history, never registered");
  const future = s.watch("/1/a", { sinceIndex: 10 });
  s.set("/1/a", false, "4", PERMANENT, NOW); // 4 < 10: ignored
  assert.equal(await nextOrPending(future), "pending");
  future.remove();
});

test("history keeps 1000 events; older waitIndex fails with 401", () => {
  const s = new V2Store();
  for (let i = 0; i < 1005; i++) s.set("/1/k", false, String(i), PERMANENT, NOW);
  assert.equal(s.hub.history.startIndex, 6);
  let err: unknown;
  try {
    s.watch("/1/k", { sinceIndex: 3 });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof V2Error);
  assert.equal(
    err.toBody(),
    '{"errorCode":401,"message":"The event in requested index is outdated and cleared",' +
      '"cause":"the requested history has been cleared [6/3]","index":1005}\n',
  );
  assert.equal(err.httpStatus, 400);
  const ok = s.watch("/1/k", { sinceIndex: 6 });
  ok.remove();
});

test("expire events wake watchers", async () => {
  const s = new V2Store();
  s.set("/1/t", false, "v", { expireAtMs: NOW + 1000 }, NOW);
  const w = s.watch("/1/t");
  s.deleteExpiredKeys(NOW + 1000);
  const ev = await next(w);
  assert.equal(ev!.action, "expire");
  assert.equal(ev!.prevNode!.value, "v");
});

test("a watcher that falls 100 events behind is dropped", async () => {
  const s = new V2Store();
  const w = s.watch("/1/k", { stream: true });
  for (let i = 0; i < 150; i++) s.set("/1/k", false, String(i), PERMANENT, NOW);
  assert.equal(s.watcherCount, 0);
  let n = 0;
  while ((await next(w)) !== null) n++;
  assert.equal(n, 100);
});
