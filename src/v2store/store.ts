// The v2 hierarchical store: a tree of directories and keys with one global index bumped by
// every write, TTLs, compare-and-swap/delete, in-order keys, hidden keys and watches. It is a
// deterministic state machine: every operation takes the time it must use (`nowMs`) from its
// caller, so members applying the same requests in the same order end in the same state.
import BTreeModule from "sorted-btree";
import { V2Code, V2Error } from "./errors.js";
import type { V2Action, V2Event, V2Node } from "./event.js";
import { cleanKey, joinPath, splitPath } from "./path.js";
import { V2StoreStats } from "./stats.js";
import type { StatField, V2StoreStatsSnapshot } from "./stats.js";
import { WatcherHub } from "./watchers.js";
import type { V2Watcher } from "./watchers.js";

// sorted-btree is CommonJS with `exports.default`; depending on the loader the class is the
// default import itself or one level down.
type BTreeClass = typeof BTreeModule.default;
const BTree: BTreeClass =
  (BTreeModule as unknown as { default?: BTreeClass }).default ??
  (BTreeModule as unknown as BTreeClass);

/** Internal (membership) namespace and user key namespace, as etcd lays them out. */
export const CLUSTER_PREFIX = "/0";
export const KEYS_PREFIX = "/1";

/** Expiry times before 2000-01-01 mean "no TTL" (how zero times arrive from JSON clients). */
const MIN_EXPIRE_MS = Date.UTC(2000, 0, 1);

export interface TTLOptions {
  /** Absolute expiry, unix ms; 0 = permanent. */
  expireAtMs: number;
  /** Change only the TTL: keep the value and do not wake watchers. */
  refresh?: boolean;
}

export const PERMANENT: TTLOptions = { expireAtMs: 0 };

export interface V2WatchOptions {
  recursive?: boolean;
  stream?: boolean;
  /** First index of interest; 0 = the next write. */
  sinceIndex?: number;
}

interface NodeSnapshot {
  path: string;
  createdIndex: number;
  modifiedIndex: number;
  expireAtMs?: number;
  value?: string;
  children?: NodeSnapshot[];
}

export interface V2StoreSnapshot {
  version: 1;
  index: number;
  root: NodeSnapshot;
  history: V2Event[];
  stats: V2StoreStatsSnapshot;
}

class Node {
  /** Insertion-ordered, so listings are the same on every member. */
  children: Map<string, Node> | null;
  ttlKey: [number, string] | null = null;

  constructor(
    public path: string,
    public createdIndex: number,
    public modifiedIndex: number,
    public parent: Node | null,
    public expireAtMs: number,
    public value: string,
    dir: boolean,
  ) {
    this.children = dir ? new Map() : null;
  }

  get isDir(): boolean {
    return this.children !== null;
  }

  get isPermanent(): boolean {
    return this.expireAtMs === 0;
  }

  get isHidden(): boolean {
    return splitPath(this.path)[1].startsWith("_");
  }

  /** Expiry and remaining whole seconds (rounded up) at `nowMs`. */
  expiration(nowMs: number): { expirationMs?: number; ttl?: number } {
    if (this.isPermanent) return {};
    const leftMs = this.expireAtMs - nowMs;
    // Go's integer division truncates toward zero; round up only a positive remainder.
    const ttl = Math.trunc(leftMs / 1000) + (leftMs % 1000 > 0 ? 1 : 0);
    return { expirationMs: this.expireAtMs, ttl };
  }

  compare(prevValue: string, prevIndex: number): "match" | "index" | "value" | "both" {
    const indexMatch = prevIndex === 0 || this.modifiedIndex === prevIndex;
    const valueMatch = prevValue === "" || this.value === prevValue;
    if (indexMatch && valueMatch) return "match";
    if (indexMatch) return "value";
    if (valueMatch) return "index";
    return "both";
  }

  /** The node as the API shows it; directories list children only when recursive. */
  repr(recursive: boolean, sorted: boolean, nowMs: number): V2Node {
    const out: V2Node = {
      key: this.path,
      modifiedIndex: this.modifiedIndex,
      createdIndex: this.createdIndex,
    };
    if (this.children === null) out.value = this.value;
    else out.dir = true;
    Object.assign(out, this.expiration(nowMs));
    if (this.children !== null && recursive) out.nodes = this.list(true, sorted, nowMs);
    return out;
  }

  list(recursive: boolean, sorted: boolean, nowMs: number): V2Node[] {
    const nodes: V2Node[] = [];
    for (const child of this.children!.values()) {
      if (!child.isHidden) nodes.push(child.repr(recursive, sorted, nowMs));
    }
    if (sorted) nodes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return nodes;
  }
}

function compareFailCause(n: Node, which: string, prevValue: string, prevIndex: number): string {
  const valueCause = `[${prevValue} != ${n.value}]`;
  const indexCause = `[${prevIndex} != ${n.modifiedIndex}]`;
  if (which === "index") return indexCause;
  if (which === "value") return valueCause;
  return `${valueCause} ${indexCause}`;
}

function newEvent(action: V2Action, key: string, modifiedIndex: number, createdIndex: number) {
  const e: V2Event = { action, node: { key, modifiedIndex, createdIndex }, etcdIndex: 0 };
  return e;
}

export class V2Store {
  private root!: Node;
  private currentIndex = 0;
  private readonly readonly: Set<string>;
  private ttlIndex = new BTree<[number, string], Node>(undefined, (a, b) =>
    a[0] !== b[0] ? a[0] - b[0] : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0,
  );
  readonly stats = new V2StoreStats();
  readonly hub = new WatcherHub();

  constructor(private readonly namespaces: readonly string[] = [CLUSTER_PREFIX, KEYS_PREFIX]) {
    this.readonly = new Set([...namespaces, "/"]);
    this.reset();
  }

  private reset(): void {
    this.root = new Node("/", 0, 0, null, 0, "", true);
    for (const ns of this.namespaces) {
      this.root.children!.set(ns.slice(1), new Node(ns, 0, 0, this.root, 0, "", true));
    }
    this.ttlIndex.clear();
  }

  /** The global etcd index: the number of writes applied so far. */
  get index(): number {
    return this.currentIndex;
  }

  get watcherCount(): number {
    return this.hub.count;
  }

  hasTTLKeys(): boolean {
    return this.ttlIndex.size > 0;
  }

  /** The earliest expiry among TTL nodes (unix ms), or undefined. */
  nextExpiryMs(): number | undefined {
    return this.ttlIndex.minKey()?.[0];
  }

  /** The /v2/stats/store body. */
  statsBody(): string {
    return this.stats.toBody(this.hub.count);
  }

  private counted<T>(success: StatField, fail: StatField, op: () => T): T {
    let result: T;
    try {
      result = op();
    } catch (err) {
      this.stats.inc(fail);
      throw err;
    }
    this.stats.inc(success);
    return result;
  }

  get(path: string, recursive: boolean, sorted: boolean, nowMs: number): V2Event {
    return this.counted("getsSuccess", "getsFail", () => {
      const key = cleanKey(path);
      const n = this.internalGet(key);
      const e = newEvent("get", key, n.modifiedIndex, n.createdIndex);
      e.etcdIndex = this.currentIndex;
      if (n.isDir) {
        e.node.dir = true;
        e.node.nodes = n.list(recursive, sorted, nowMs);
      } else {
        e.node.value = n.value;
      }
      Object.assign(e.node, n.expiration(nowMs));
      return e;
    });
  }

  /** Creates the node; fails if it exists. `unique` appends a child named by the new index. */
  create(
    path: string,
    dir: boolean,
    value: string,
    unique: boolean,
    ttl: TTLOptions,
    nowMs: number,
  ): V2Event {
    return this.counted("createSuccess", "createFail", () => {
      const e = this.createNode(path, dir, value, unique, false, ttl.expireAtMs, "create", nowMs);
      e.etcdIndex = this.currentIndex;
      this.hub.notify(e);
      return e;
    });
  }

  /** Creates or replaces a key (or creates a directory). */
  set(path: string, dir: boolean, value: string, ttl: TTLOptions, nowMs: number): V2Event {
    return this.counted("setsSuccess", "setsFail", () => {
      const found = this.find(cleanKey(path));
      let prev: Node | null = null;
      if (found instanceof Node) prev = found;
      else if (found.code !== V2Code.KeyNotFound || ttl.refresh === true) throw this.error(found);
      if (prev !== null && ttl.refresh === true) value = prev.value;
      const e = this.createNode(path, dir, value, false, true, ttl.expireAtMs, "set", nowMs);
      e.etcdIndex = this.currentIndex;
      if (prev !== null) e.prevNode = prev.repr(false, false, nowMs);
      this.finishWrite(e, ttl);
      return e;
    });
  }

  /** Changes an existing node's value and/or TTL (directories: TTL only). */
  update(path: string, value: string, ttl: TTLOptions, nowMs: number): V2Event {
    return this.counted("updateSuccess", "updateFail", () => {
      const key = cleanKey(path);
      if (this.readonly.has(key)) {
        throw new V2Error(V2Code.RootReadOnly, "/", this.currentIndex);
      }
      const currIndex = this.currentIndex;
      const nextIndex = currIndex + 1;
      const n = this.internalGet(key);
      if (n.isDir && value.length !== 0) throw new V2Error(V2Code.NotFile, key, currIndex);
      if (ttl.refresh === true) value = n.value;
      const e = newEvent("update", key, nextIndex, n.createdIndex);
      e.etcdIndex = nextIndex;
      e.prevNode = n.repr(false, false, nowMs);
      if (n.isDir) {
        // etcd leaves a directory's modifiedIndex alone here (its write is a no-op).
        e.node.dir = true;
      } else {
        n.value = value;
        n.modifiedIndex = nextIndex;
        e.node.value = value;
      }
      this.updateTTL(n, ttl.expireAtMs);
      Object.assign(e.node, n.expiration(nowMs));
      this.currentIndex = nextIndex;
      this.finishWrite(e, ttl);
      return e;
    });
  }

  compareAndSwap(
    path: string,
    prevValue: string,
    prevIndex: number,
    value: string,
    ttl: TTLOptions,
    nowMs: number,
  ): V2Event {
    return this.counted("compareAndSwapSuccess", "compareAndSwapFail", () => {
      const key = cleanKey(path);
      if (this.readonly.has(key)) {
        throw new V2Error(V2Code.RootReadOnly, "/", this.currentIndex);
      }
      const n = this.internalGet(key);
      if (n.isDir) throw new V2Error(V2Code.NotFile, key, this.currentIndex);
      const which = n.compare(prevValue, prevIndex);
      if (which !== "match") {
        const cause = compareFailCause(n, which, prevValue, prevIndex);
        throw new V2Error(V2Code.TestFailed, cause, this.currentIndex);
      }
      if (ttl.refresh === true) value = n.value;
      this.currentIndex++;
      const e = newEvent("compareAndSwap", key, this.currentIndex, n.createdIndex);
      e.etcdIndex = this.currentIndex;
      e.prevNode = n.repr(false, false, nowMs);
      n.value = value;
      n.modifiedIndex = this.currentIndex;
      this.updateTTL(n, ttl.expireAtMs);
      e.node.value = value;
      Object.assign(e.node, n.expiration(nowMs));
      this.finishWrite(e, ttl);
      return e;
    });
  }

  /** Deletes a key, or a directory when `dir` (empty) or `recursive` (with its subtree). */
  delete(path: string, dir: boolean, recursive: boolean, nowMs: number): V2Event {
    return this.counted("deleteSuccess", "deleteFail", () => {
      const key = cleanKey(path);
      if (this.readonly.has(key)) {
        throw new V2Error(V2Code.RootReadOnly, "/", this.currentIndex);
      }
      if (recursive) dir = true;
      const n = this.internalGet(key);
      const nextIndex = this.currentIndex + 1;
      const e = newEvent("delete", key, nextIndex, n.createdIndex);
      e.etcdIndex = nextIndex;
      e.prevNode = n.repr(false, false, nowMs);
      if (n.isDir) e.node.dir = true;
      this.remove(n, dir, recursive, (p) => this.hub.notifyWatchers(e, p, true));
      this.currentIndex++;
      this.hub.notify(e);
      return e;
    });
  }

  compareAndDelete(path: string, prevValue: string, prevIndex: number, nowMs: number): V2Event {
    return this.counted("compareAndDeleteSuccess", "compareAndDeleteFail", () => {
      const key = cleanKey(path);
      const n = this.internalGet(key);
      if (n.isDir) throw new V2Error(V2Code.NotFile, key, this.currentIndex);
      const which = n.compare(prevValue, prevIndex);
      if (which !== "match") {
        const cause = compareFailCause(n, which, prevValue, prevIndex);
        throw new V2Error(V2Code.TestFailed, cause, this.currentIndex);
      }
      this.currentIndex++;
      const e = newEvent("compareAndDelete", key, this.currentIndex, n.createdIndex);
      e.etcdIndex = this.currentIndex;
      e.prevNode = n.repr(false, false, nowMs);
      this.remove(n, false, false, (p) => this.hub.notifyWatchers(e, p, true));
      this.hub.notify(e);
      return e;
    });
  }

  /**
   * Starts a watch on `path`. An event already in the history (at or after sinceIndex) is
   * delivered at once; throws 401 when sinceIndex is older than the history.
   */
  watch(path: string, opts: V2WatchOptions = {}): V2Watcher {
    const key = cleanKey(path);
    let since = opts.sinceIndex ?? 0;
    if (since === 0) since = this.currentIndex + 1;
    return this.hub.watch(
      key,
      opts.recursive ?? false,
      opts.stream ?? false,
      since,
      this.currentIndex,
    );
  }

  /**
   * Expires every TTL node due at or before `cutoffMs` (earliest first, ties by path), one
   * index and one `expire` event each. Applied as a replicated request carrying the leader's
   * clock, so every member expires the same keys at the same indexes.
   */
  deleteExpiredKeys(cutoffMs: number): V2Event[] {
    const events: V2Event[] = [];
    for (;;) {
      const top = this.ttlIndex.minKey();
      if (top === undefined || top[0] > cutoffMs) break;
      const n = this.ttlIndex.get(top)!;
      this.currentIndex++;
      const e = newEvent("expire", n.path, this.currentIndex, n.createdIndex);
      e.etcdIndex = this.currentIndex;
      e.prevNode = n.repr(false, false, cutoffMs);
      if (n.isDir) e.node.dir = true;
      this.remove(n, true, true, (p) => this.hub.notifyWatchers(e, p, true));
      this.ttlUnindex(n);
      this.stats.inc("expireCount");
      this.hub.notify(e);
      events.push(e);
    }
    return events;
  }

  /** Sets a key in the internal cluster namespace (/0): bumps the index like etcd's own writes. */
  internalSet(path: string, value: string, nowMs = 0): V2Event {
    return this.set(CLUSTER_PREFIX + cleanKey(path), false, value, PERMANENT, nowMs);
  }

  /** Creates a key in the internal cluster namespace (/0). */
  internalCreate(path: string, value: string, nowMs = 0): V2Event {
    return this.create(CLUSTER_PREFIX + cleanKey(path), false, value, false, PERMANENT, nowMs);
  }

  /** Deletes a key or subtree in the internal cluster namespace (/0). */
  internalDelete(path: string, recursive: boolean, nowMs = 0): V2Event {
    return this.delete(CLUSTER_PREFIX + cleanKey(path), recursive, recursive, nowMs);
  }

  // --- internals ---

  private finishWrite(e: V2Event, ttl: TTLOptions): void {
    if (ttl.refresh === true) {
      e.refresh = true;
      this.hub.add(e);
    } else {
      this.hub.notify(e);
    }
  }

  private internalGet(key: string): Node {
    const found = this.find(key);
    if (found instanceof Node) return found;
    throw this.error(found);
  }

  /** The node at a clean key, or why there is none (without building an Error: sets probe). */
  private find(key: string): Node | { code: 100 | 104; cause: string } {
    let curr = this.root;
    for (const name of key.split("/")) {
      if (name === "") continue;
      if (curr.children === null) return { code: V2Code.NotDir, cause: curr.path };
      const child = curr.children.get(name);
      if (child === undefined) {
        return { code: V2Code.KeyNotFound, cause: joinPath(curr.path, name) };
      }
      curr = child;
    }
    return curr;
  }

  private error(f: { code: 100 | 104; cause: string }): V2Error {
    return new V2Error(f.code, f.cause, this.currentIndex);
  }

  private createNode(
    path: string,
    dir: boolean,
    value: string,
    unique: boolean,
    replace: boolean,
    expireAtMs: number,
    action: V2Action,
    nowMs: number,
  ): V2Event {
    const currIndex = this.currentIndex;
    const nextIndex = currIndex + 1;
    if (unique) path += "/" + String(nextIndex).padStart(20, "0");
    const key = cleanKey(path);
    if (this.readonly.has(key)) throw new V2Error(V2Code.RootReadOnly, "/", currIndex);
    if (expireAtMs < MIN_EXPIRE_MS) expireAtMs = 0;
    const [dirName, nodeName] = splitPath(key);

    // Walk down, creating missing directories (they stay even if the write then fails).
    let d = this.root;
    for (const name of dirName.split("/").slice(1)) {
      if (name === "") break;
      const child = d.children!.get(name);
      if (child === undefined) {
        const created = new Node(joinPath(d.path, name), nextIndex, nextIndex, d, 0, "", true);
        d.children!.set(name, created);
        d = created;
      } else if (child.isDir) {
        d = child;
      } else {
        // etcd counts this failure as a failed set on top of the operation's own counter.
        this.stats.inc("setsFail");
        throw new V2Error(V2Code.NotDir, child.path, currIndex);
      }
    }

    const e = newEvent(action, key, nextIndex, nextIndex);
    const existing = d.children!.get(nodeName);
    if (existing !== undefined) {
      if (!replace) throw new V2Error(V2Code.NodeExist, key, currIndex);
      if (existing.isDir) throw new V2Error(V2Code.NotFile, key, currIndex);
      e.prevNode = existing.repr(false, false, nowMs);
      this.remove(existing, false, false, null);
    }
    const n = new Node(key, nextIndex, nextIndex, d, expireAtMs, dir ? "" : value, dir);
    if (dir) e.node.dir = true;
    else e.node.value = value;
    d.children!.set(nodeName, n);
    if (!n.isPermanent) {
      this.ttlIndexAdd(n);
      Object.assign(e.node, n.expiration(nowMs));
    }
    this.currentIndex = nextIndex;
    return e;
  }

  private remove(
    n: Node,
    dir: boolean,
    recursive: boolean,
    callback: ((path: string) => void) | null,
  ): void {
    if (n.children === null) {
      const name = splitPath(n.path)[1];
      if (n.parent !== null && n.parent.children!.get(name) === n) n.parent.children!.delete(name);
      callback?.(n.path);
      if (!n.isPermanent) this.ttlUnindex(n);
      return;
    }
    if (!dir) throw new V2Error(V2Code.NotFile, n.path, this.currentIndex);
    if (n.children.size !== 0 && !recursive) {
      throw new V2Error(V2Code.DirNotEmpty, n.path, this.currentIndex);
    }
    for (const child of [...n.children.values()]) this.remove(child, true, true, callback);
    const name = splitPath(n.path)[1];
    if (n.parent !== null && n.parent.children!.get(name) === n) {
      n.parent.children!.delete(name);
      callback?.(n.path);
      if (!n.isPermanent) this.ttlUnindex(n);
    }
  }

  private updateTTL(n: Node, expireAtMs: number): void {
    if (expireAtMs < MIN_EXPIRE_MS) expireAtMs = 0;
    if (!n.isPermanent) this.ttlUnindex(n);
    n.expireAtMs = expireAtMs;
    if (!n.isPermanent) this.ttlIndexAdd(n);
  }

  private ttlIndexAdd(n: Node): void {
    if (n.ttlKey !== null) throw new Error(`v2store: ${n.path} already in the TTL index`);
    n.ttlKey = [n.expireAtMs, n.path];
    if (!this.ttlIndex.set(n.ttlKey, n, false)) {
      throw new Error(`v2store: duplicate TTL index entry for ${n.path}`);
    }
  }

  private ttlUnindex(n: Node): void {
    if (n.ttlKey === null) return;
    this.ttlIndex.delete(n.ttlKey);
    n.ttlKey = null;
  }

  // --- snapshots ---

  /** The whole replicated state (tree, index, history, counters) as a JSON-able value. */
  toJSON(): V2StoreSnapshot {
    const snap = (n: Node): NodeSnapshot => {
      const s: NodeSnapshot = {
        path: n.path,
        createdIndex: n.createdIndex,
        modifiedIndex: n.modifiedIndex,
      };
      if (!n.isPermanent) s.expireAtMs = n.expireAtMs;
      if (n.children === null) s.value = n.value;
      else s.children = [...n.children.values()].map(snap);
      return s;
    };
    return {
      version: 1,
      index: this.currentIndex,
      root: snap(this.root),
      history: this.hub.history.toJSON(),
      stats: this.stats.toJSON(),
    };
  }

  /** Replaces the state with a snapshot's. Registered watchers stay registered. */
  restore(s: V2StoreSnapshot): void {
    if (s.version !== 1) throw new Error(`v2store: unsupported snapshot version ${s.version}`);
    this.reset();
    const build = (ns: NodeSnapshot, parent: Node | null): Node => {
      const dir = ns.children !== undefined;
      const n = new Node(
        ns.path,
        ns.createdIndex,
        ns.modifiedIndex,
        parent,
        ns.expireAtMs ?? 0,
        ns.value ?? "",
        dir,
      );
      for (const c of ns.children ?? []) n.children!.set(splitPath(c.path)[1], build(c, n));
      if (!n.isPermanent) this.ttlIndexAdd(n);
      return n;
    };
    this.root = build(s.root, null);
    this.currentIndex = s.index;
    this.hub.history.restore(s.history);
    this.stats.restore(s.stats);
  }

  static fromJSON(s: V2StoreSnapshot): V2Store {
    const store = new V2Store();
    store.restore(s);
    return store;
  }
}
