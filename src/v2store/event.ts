// The v2 store's externally visible values: nodes (etcd's NodeExtern) and events, plus their
// JSON encoding with etcd's field order and omit-empty rules.
import { formatRfc3339NanoMs, goJsonString } from "./json.js";

export type V2Action =
  "get" | "create" | "set" | "update" | "delete" | "compareAndSwap" | "compareAndDelete" | "expire";

export interface V2Node {
  key: string;
  /** Absent for directories; "" is a real (empty) value. */
  value?: string;
  dir?: boolean;
  /** Absolute expiry time, unix milliseconds; absent for permanent nodes. */
  expirationMs?: number;
  /** Remaining seconds, rounded up, when the node was read; 0/absent when permanent. */
  ttl?: number;
  nodes?: V2Node[];
  modifiedIndex: number;
  createdIndex: number;
}

export interface V2Event {
  action: V2Action;
  node: V2Node;
  prevNode?: V2Node;
  /** The store index the event answers at (X-Etcd-Index); not part of the JSON body. */
  etcdIndex: number;
  /** Set on TTL refreshes: kept in the history for indexes, never sent to watchers. */
  refresh?: boolean;
}

export function cloneNode(n: V2Node): V2Node {
  const c: V2Node = { ...n };
  if (n.nodes !== undefined) c.nodes = n.nodes.map(cloneNode);
  return c;
}

/** A copy of the event without the refresh mark (etcd's event clone drops it too). */
export function cloneEvent(e: V2Event): V2Event {
  const c: V2Event = { action: e.action, node: cloneNode(e.node), etcdIndex: e.etcdIndex };
  if (e.prevNode !== undefined) c.prevNode = cloneNode(e.prevNode);
  return c;
}

function trimNode(n: V2Node, prefix: string): void {
  if (n.key.startsWith(prefix)) n.key = n.key.slice(prefix.length);
  for (const child of n.nodes ?? []) trimNode(child, prefix);
}

/** A copy of the event with `prefix` removed from every key (the "/1" user namespace). */
export function trimEventPrefix(e: V2Event, prefix: string): V2Event {
  const c = cloneEvent(e);
  trimNode(c.node, prefix);
  if (c.prevNode !== undefined) trimNode(c.prevNode, prefix);
  return c;
}

export function encodeNode(n: V2Node): string {
  const parts: string[] = [];
  if (n.key !== "") parts.push(`"key":${goJsonString(n.key)}`);
  if (n.value !== undefined) parts.push(`"value":${goJsonString(n.value)}`);
  if (n.dir === true) parts.push(`"dir":true`);
  if (n.expirationMs !== undefined) {
    parts.push(`"expiration":"${formatRfc3339NanoMs(n.expirationMs)}"`);
  }
  if (n.ttl !== undefined && n.ttl !== 0) parts.push(`"ttl":${n.ttl}`);
  if (n.nodes !== undefined && n.nodes.length > 0) {
    parts.push(`"nodes":[${n.nodes.map(encodeNode).join(",")}]`);
  }
  if (n.modifiedIndex !== 0) parts.push(`"modifiedIndex":${n.modifiedIndex}`);
  if (n.createdIndex !== 0) parts.push(`"createdIndex":${n.createdIndex}`);
  return `{${parts.join(",")}}`;
}

/** The event's JSON body, without trailing newline. `withNodes=false` drops node/prevNode. */
export function encodeEvent(e: V2Event, withNodes = true): string {
  let s = `{"action":"${e.action}"`;
  if (withNodes) {
    s += `,"node":${encodeNode(e.node)}`;
    if (e.prevNode !== undefined) s += `,"prevNode":${encodeNode(e.prevNode)}`;
  }
  return s + "}";
}
