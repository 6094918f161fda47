// Request, result and record shapes of the MVCC store, mirroring etcd's etcdserverpb/mvccpb
// messages in camelCase. Keys and values are Buffers, revisions numbers, lease ids bigint.

/** A key's state at one revision (mvccpb.KeyValue). */
export interface KeyValue {
  key: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  value: Buffer;
  lease: bigint;
}

export const EventType = { PUT: 0, DELETE: 1 } as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** One change (mvccpb.Event). A DELETE event's kv holds only key and modRevision. */
export interface Event {
  type: EventType;
  kv: KeyValue;
  prevKv?: KeyValue;
}

export const SortOrder = { NONE: 0, ASCEND: 1, DESCEND: 2 } as const;
export type SortOrder = (typeof SortOrder)[keyof typeof SortOrder];
export const SortTarget = { KEY: 0, VERSION: 1, CREATE: 2, MOD: 3, VALUE: 4 } as const;
export type SortTarget = (typeof SortTarget)[keyof typeof SortTarget];

export interface RangeRequest {
  key: Buffer;
  /** Empty/absent: the single key; "\x00": every key ≥ key; else [key, rangeEnd). */
  rangeEnd?: Buffer;
  /** ≤ 0: unlimited. */
  limit?: number;
  /** ≤ 0: the current revision. */
  revision?: number;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** True when the limit cut the result short. */
  more: boolean;
  /** Keys in the range at the revision, before limit and min/max filters. */
  count: number;
  /** Header revision: the store revision the read ran at (not the requested one). */
  revision: number;
}

export interface PutRequest {
  key: Buffer;
  value?: Buffer;
  lease?: bigint;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

export interface PutResult {
  revision: number;
  prevKv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: Buffer;
  rangeEnd?: Buffer;
  prevKv?: boolean;
}

export interface DeleteRangeResult {
  revision: number;
  deleted: number;
  prevKvs: KeyValue[];
}

export const CompareResult = { EQUAL: 0, GREATER: 1, LESS: 2, NOT_EQUAL: 3 } as const;
export type CompareResult = (typeof CompareResult)[keyof typeof CompareResult];
export const CompareTarget = { VERSION: 0, CREATE: 1, MOD: 2, VALUE: 3, LEASE: 4 } as const;
export type CompareTarget = (typeof CompareTarget)[keyof typeof CompareTarget];

/** A txn guard (etcdserverpb.Compare); only the field matching `target` is read. */
export interface Compare {
  result: CompareResult;
  target: CompareTarget;
  key: Buffer;
  rangeEnd?: Buffer;
  version?: number;
  createRevision?: number;
  modRevision?: number;
  value?: Buffer;
  lease?: bigint;
}

/** One txn operation; exactly one field should be set (none = etcd's "empty op"). */
export interface RequestOp {
  requestRange?: RangeRequest;
  requestPut?: PutRequest;
  requestDeleteRange?: DeleteRangeRequest;
  requestTxn?: TxnRequest;
}

export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

export interface ResponseOp {
  responseRange?: RangeResult;
  responsePut?: PutResult;
  responseDeleteRange?: DeleteRangeResult;
  responseTxn?: TxnResult;
}

/** A nested txn's result has revision 0, as etcd leaves its header unset. */
export interface TxnResult {
  revision: number;
  succeeded: boolean;
  responses: ResponseOp[];
}

/** Minimal structured logger (the server passes its JSON logger). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
