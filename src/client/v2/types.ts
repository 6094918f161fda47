// Response shapes of etcd's v2 HTTP API (keys, members, health, version), as the server sends them.

export interface V2Node {
  key?: string;
  value?: string;
  dir?: boolean;
  /** RFC 3339 (nanoseconds), UTC. */
  expiration?: string;
  /** Remaining seconds, rounded up. */
  ttl?: number;
  nodes?: V2Node[];
  modifiedIndex?: number;
  createdIndex?: number;
}

export type V2Action =
  "get" | "set" | "create" | "update" | "delete" | "compareAndSwap" | "compareAndDelete" | "expire";

/** A /v2/keys answer: the JSON body plus the cluster headers. */
export interface V2Response {
  action: V2Action | string;
  node?: V2Node;
  prevNode?: V2Node;
  /** X-Etcd-Index: store index (for a wait: when the wait began). */
  etcdIndex: number;
  /** X-Raft-Index / X-Raft-Term, when sent. */
  raftIndex?: number;
  raftTerm?: number;
  /** X-Etcd-Cluster-Id (hex). */
  clusterId?: string;
  /** HTTP status (201 on create, 200 otherwise). */
  status: number;
  /** Endpoint that answered. */
  endpoint: string;
}

export interface V2Member {
  /** Hex member id. */
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

export interface V2Version {
  etcdserver: string;
  etcdcluster: string;
}

export interface GetOptions {
  recursive?: boolean;
  sorted?: boolean;
  /** Read through raft (linearizable). */
  quorum?: boolean;
}

export interface WatchOptions {
  recursive?: boolean;
  /** Wait for the first event at or after this index (0 = the next one). */
  waitIndex?: number;
}

export interface SetOptions {
  ttl?: number;
  /** true: must exist (update); false: must not exist (create). */
  prevExist?: boolean;
  prevValue?: string;
  prevIndex?: number;
  dir?: boolean;
  /** Renew the TTL without changing the value or notifying watchers. */
  refresh?: boolean;
  noValueOnSuccess?: boolean;
}

export interface DeleteOptions {
  dir?: boolean;
  recursive?: boolean;
  prevValue?: string;
  prevIndex?: number;
}

export interface V2CallOptions {
  /** Whole-request deadline; 0 = none. Default: the client's requestTimeoutMs. */
  timeoutMs?: number;
  signal?: AbortSignal;
}
