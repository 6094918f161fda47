import { test } from "node:test";
import assert from "node:assert/strict";
import { MvccStore } from "../../../src/mvcc/store.js";
import { EventType } from "../../../src/mvcc/types.js";
import type { WatchResponse } from "../../../src/mvcc/watchable.js";
import { WatchFilter } from "../../../src/mvcc/watchable.js";
import { b, nextIndex, openTmp } from "./helpers.js";

function withStore(fn: (s: MvccStore) => void | Promise<void>, opts = {}): Promise<void> | void {
  const { store } = openTmp(opts);
  let r: void | Promise<void>;
  try {
    r = fn(store);
  } catch (e) {
    store.close();
    throw e;
  }
  if (r instanceof Promise) return r.finally(() => store.close());
  store.close();
}

const put = (s: MvccStore, k: string, v: string) =>
  s.applyBatch(nextIndex(), (w) => w.put({ key: b(k), value: b(v) }));
const del = (s: MvccStore, k: string) =>
  s.applyBatch(nextIndex(), (w) => w.deleteRange({ key: b(k) }));

function collector() {
  const resps: WatchResponse[] = [];
  return {
    resps,
    cb: (r: WatchResponse) => {
      resps.push(r);
    },
    revs: () => resps.flatMap((r) => r.events.map((e) => e.kv.modRevision)),
    summary: () =>
      resps.flatMap((r) =>
        r.events.map(
          (e) =>
            `${e.type === EventType.PUT ? "PUT" : "DELETE"} ${e.kv.key.toString()}=${e.kv.value.toString()}@${e.kv.modRevision}` +
            (e.prevKv ? ` prev=${e.prevKv.value.toString()}` : ""),
        ),
      ),
  };
}

test("live events for a single key; DELETE kv has key and mod revision only", () =>
  withStore((s) => {
    const c = collector();
    s.watch({ key: b("foo") }, c.cb);
    put(s, "foo", "1");
    put(s, "bar", "x");
    put(s, "foo", "2");
    del(s, "foo");
    assert.deepEqual(c.summary(), ["PUT foo=1@2", "PUT foo=2@4", "DELETE foo=@5"]);
    const d = c.resps[2]!.events[0]!;
    assert.deepEqual(d.kv, {
      key: b("foo"),
      value: Buffer.alloc(0),
      createRevision: 0,
      modRevision: 5,
      version: 0,
      lease: 0n,
    });
    assert.equal(c.resps[2]!.revision, 5);
  }));

test("range watch with prev_kv; a txn's events arrive together in sub-revision order", () =>
  withStore((s) => {
    const c = collector();
    s.watch({ key: b("w"), rangeEnd: b("x"), prevKv: true }, c.cb);
    put(s, "w1", "a");
    put(s, "w1", "b");
    del(s, "w1");
    s.applyBatch(nextIndex(), (w) =>
      w.txn({
        success: [
          { requestPut: { key: b("w2"), value: b("p") } },
          { requestPut: { key: b("w3"), value: b("q") } },
          { requestPut: { key: b("zz"), value: b("r") } },
        ],
      }),
    );
    assert.deepEqual(c.summary(), [
      "PUT w1=a@2",
      "PUT w1=b@3 prev=a",
      "DELETE w1=@4 prev=b",
      "PUT w2=p@5",
      "PUT w3=q@5",
    ]);
    assert.equal(c.resps.length, 4);
  }));

test("filters drop puts or deletes", () =>
  withStore((s) => {
    const noPut = collector();
    const noDel = collector();
    s.watch({ key: b("k"), filters: [WatchFilter.NOPUT] }, noPut.cb);
    s.watch({ key: b("k"), filters: [WatchFilter.NODELETE] }, noDel.cb);
    put(s, "k", "1");
    del(s, "k");
    assert.deepEqual(noPut.summary(), ["DELETE k=@3"]);
    assert.deepEqual(noDel.summary(), ["PUT k=1@2"]);
  }));

test("catch-up from history, then live, exactly once and in order", () =>
  withStore(
    (s) => {
      for (let i = 0; i < 10; i++) put(s, `k${i % 3}`, `v${i}`); // revisions 2..11
      const c = collector();
      s.watch({ key: b("k"), rangeEnd: b("l"), startRevision: 3, prevKv: true }, c.cb);
      assert.deepEqual(s.watcherCounts, { synced: 0, unsynced: 1 });
      assert.equal(s.syncWatchers(), true); // 3..5
      put(s, "k0", "live1"); // 12: not delivered live while unsynced
      assert.deepEqual(c.revs(), [3, 4, 5]);
      while (s.syncWatchers()) put(s, "k1", "more");
      assert.deepEqual(s.watcherCounts, { synced: 1, unsynced: 0 });
      put(s, "k2", "live2");
      const revs = c.revs();
      const expected = Array.from({ length: s.currentRevision - 2 }, (_, i) => i + 3);
      assert.deepEqual(revs, expected);
      // prev_kv from history: k1 at 3 had v0? (k1 first written at 3) -> none; k0 at 5 had v0
      const at5 = c.resps.flatMap((r) => r.events).find((e) => e.kv.modRevision === 5)!;
      assert.equal(at5.prevKv!.value.toString(), "v0");
    },
    { watch: { maxRevisionsPerSync: 3 } },
  ));

test("start revision in the future delivers from that revision on", () =>
  withStore((s) => {
    const c = collector();
    s.watch({ key: b("k"), startRevision: 4 }, c.cb);
    put(s, "k", "1"); // 2
    put(s, "k", "2"); // 3
    put(s, "k", "3"); // 4
    assert.deepEqual(c.revs(), [4]);
  }));

test("a watcher whose start revision is compacted is canceled with the compact revision", () =>
  withStore((s) => {
    for (let i = 0; i < 5; i++) put(s, "k", `${i}`); // 2..6
    s.applyBatch(nextIndex(), (w) => w.compact(5));
    const c = collector();
    s.watch({ key: b("k"), startRevision: 3 }, c.cb);
    s.syncWatchers();
    assert.deepEqual(c.resps, [{ events: [], revision: 6, compactRevision: 5, canceled: true }]);
    assert.deepEqual(s.watcherCounts, { synced: 0, unsynced: 0 });
    // at the compaction revision itself is allowed (as etcd)
    const ok = collector();
    s.watch({ key: b("k"), startRevision: 5 }, ok.cb);
    s.syncWatchers();
    assert.deepEqual(ok.revs(), [5, 6]);
  }));

test("a slow watcher does not block writers or other watchers, then resyncs exactly once", () =>
  withStore(
    (s) => {
      const fast = collector();
      s.watch({ key: b("k") }, fast.cb);
      const slow = collector();
      let congested = true;
      const h = s.watch({ key: b("k") }, (r) => {
        slow.cb(r);
        return !congested;
      });
      put(s, "k", "0"); // delivered, then the consumer says "stop"
      for (let i = 1; i <= 20; i++) put(s, "k", `${i}`);
      assert.equal(fast.revs().length, 21);
      assert.deepEqual(slow.revs(), [2]);
      assert.deepEqual(s.watcherCounts, { synced: 1, unsynced: 1 });
      assert.equal(s.syncWatchers(), false); // paused: nothing to do
      congested = false;
      h.resume();
      while (s.syncWatchers()) {
        /* drain in batches */
      }
      put(s, "k", "after");
      assert.deepEqual(
        slow.revs(),
        Array.from({ length: 22 }, (_, i) => i + 2),
      );
      assert.deepEqual(s.watcherCounts, { synced: 2, unsynced: 0 });
    },
    { watch: { maxRevisionsPerSync: 4 } },
  ));

test("progress requests answer only synced watchers; cancel stops delivery", () =>
  withStore((s) => {
    put(s, "k", "0");
    const c = collector();
    const h = s.watch({ key: b("k") }, c.cb);
    assert.equal(h.requestProgress(), true);
    assert.deepEqual(c.resps, [{ events: [], revision: 2 }]);
    const u = collector();
    const hu = s.watch({ key: b("k"), startRevision: 1 }, u.cb);
    assert.equal(hu.requestProgress(), false);
    h.cancel();
    put(s, "k", "1");
    assert.equal(c.resps.length, 1);
    assert.ok(h.id !== hu.id);
  }));

test("automatic resync on timers", async () => {
  const { store: s } = openTmp({ watch: { autoSync: true } });
  try {
    for (let i = 0; i < 5; i++) put(s, "k", `${i}`);
    const got = await new Promise<number[]>((resolve) => {
      const revs: number[] = [];
      s.watch({ key: b("k"), startRevision: 2 }, (r) => {
        revs.push(...r.events.map((e) => e.kv.modRevision));
        if (revs.length === 5) resolve(revs);
      });
    });
    assert.deepEqual(got, [2, 3, 4, 5, 6]);
  } finally {
    s.close();
  }
});

test("random interleavings of writes, syncs and back-pressure deliver each event once, in order", async () => {
  const fc = (await import("fast-check")).default;
  const cmd = fc.oneof(
    fc.record({ op: fc.constant("put" as const), k: fc.constantFrom("a", "b", "c", "d") }),
    fc.record({ op: fc.constant("del" as const), k: fc.constantFrom("a", "b", "c", "d") }),
    fc.record({ op: fc.constant("sync" as const) }),
    fc.record({ op: fc.constant("congest" as const) }),
    fc.record({ op: fc.constant("resume" as const) }),
    fc.record({ op: fc.constant("watch" as const), back: fc.integer({ min: 0, max: 12 }) }),
  );
  fc.assert(
    fc.property(
      fc.array(cmd, { maxLength: 60 }),
      fc.integer({ min: 1, max: 5 }),
      (cmds, perSync) => {
        const { store: s } = openTmp({ watch: { maxRevisionsPerSync: perSync } });
        try {
          const all: string[] = [];
          s.watch({ key: b("\x00"), rangeEnd: b("\x00") }, (r) => {
            for (const e of r.events) all.push(`${e.kv.key}@${e.kv.modRevision}:${e.type}`);
          });
          type Sub = {
            start: number;
            got: string[];
            congested: boolean;
            h?: ReturnType<MvccStore["watch"]>;
          };
          const subs: Sub[] = [];
          for (const c of cmds) {
            if (c.op === "put") put(s, c.k, "v");
            else if (c.op === "del") del(s, c.k);
            else if (c.op === "sync") s.syncWatchers();
            else if (c.op === "congest") subs.forEach((x) => (x.congested = true));
            else if (c.op === "resume") {
              for (const x of subs) {
                x.congested = false;
                x.h!.resume();
              }
            } else {
              const sub: Sub = {
                start: Math.max(1, s.currentRevision - c.back),
                got: [],
                congested: false,
              };
              sub.h = s.watch({ key: b("b"), rangeEnd: b("d"), startRevision: sub.start }, (r) => {
                for (const e of r.events) sub.got.push(`${e.kv.key}@${e.kv.modRevision}:${e.type}`);
                return !sub.congested;
              });
              subs.push(sub);
            }
          }
          for (const x of subs) {
            x.congested = false;
            x.h!.resume();
          }
          while (s.syncWatchers()) {
            /* drain */
          }
          for (const x of subs) {
            const want = all.filter((e) => {
              const [k, rest] = e.split("@");
              return k! >= "b" && k! < "d" && Number(rest!.split(":")[0]) >= x.start;
            });
            assert.deepEqual(x.got, want);
          }
        } finally {
          s.close();
        }
      },
    ),
    { seed: 4242, numRuns: 120 },
  );
});

test("a throwing watch callback is canceled without disturbing the write or others", () =>
  withStore((s) => {
    const good = collector();
    s.watch({ key: b("k") }, () => {
      throw new Error("consumer bug");
    });
    s.watch({ key: b("k") }, good.cb);
    put(s, "k", "1");
    put(s, "k", "2");
    assert.deepEqual(good.revs(), [2, 3]);
    assert.deepEqual(s.watcherCounts, { synced: 1, unsynced: 0 });
  }));

test("a watch created inside a batch that rolls back still sees the next writes", () =>
  withStore((s) => {
    const c = collector();
    assert.throws(() =>
      s.applyBatch(nextIndex(), (w) => {
        w.put({ key: b("k"), value: b("lost") });
        s.watch({ key: b("k") }, c.cb);
        throw new Error("abort");
      }),
    );
    put(s, "k", "kept");
    assert.deepEqual(c.summary(), ["PUT k=kept@2"]);
  }));

test("watching from the compaction revision sees the same events whether or not records are purged", () => {
  for (const purge of [false, true]) {
    const { store: s } = openTmp({ autoPurge: false });
    try {
      put(s, "k", "1"); // 2
      s.applyBatch(nextIndex(), (w) =>
        w.txn({
          success: [
            { requestDeleteRange: { key: b("k") } },
            { requestPut: { key: b("j"), value: b("x") } },
          ],
        }),
      ); // 3: k deleted, j put
      put(s, "j", "y"); // 4
      s.applyBatch(nextIndex(), (w) => w.compact(3));
      if (purge) assert.equal(s.purgeCompacted(), 0);
      else assert.equal(s.pendingPurge, 2);
      const c = collector();
      s.watch({ key: b("\x00"), rangeEnd: b("\x00"), startRevision: 3 }, c.cb);
      s.syncWatchers();
      // the tombstone of k at 3 is compacted away; j's put at 3 is the live record then
      assert.deepEqual(c.summary(), ["PUT j=x@3", "PUT j=y@4"]);
    } finally {
      s.close();
    }
  }
});
