// Messages between the benchmark driver (bench/run.ts) and its load worker processes
// (bench/lib/worker.ts): the driver sends a job, the worker connects and answers "ready",
// the driver sends "go" to every worker at once, then each worker answers with its result.

import type { SparseHistogram } from "./stats.js";

/** Closed-loop request kinds; each client sends its next request when the last one returns. */
export type LoadOp =
  | "put"
  | "range-linearizable"
  | "range-serializable"
  | "txn-compare-put"
  /** Put to one key with the send time in the value (the watch fan-out writer). */
  | "put-stamped"
  /** Serializable range over the data set's 10k-key prefix. */
  | "range-prefix";

export interface ConnSpec {
  /** host:port of each member; connection j dials endpoints[(connOffset + j) % n]. */
  endpoints: string[];
  connOffset: number;
  conns: number;
}

export interface LoadJob extends ConnSpec {
  type: "load";
  op: LoadOp;
  clients: number;
  durationMs: number;
  keySpace: number;
  /** Used by put-stamped and as the key for watches. */
  key?: string;
}

export interface WatchJob extends ConnSpec {
  type: "watch";
  /** Watch streams (spread over the connections); watchers are spread over the streams. */
  streams: number;
  watchers: number;
  key: string;
}

/** Writes keys [from, to) with puts batched in txns; runs to the end, not for a duration. */
export interface FillJob extends ConnSpec {
  type: "fill";
  keys: "load" | "data-set";
  from: number;
  to: number;
  batch: number;
  concurrency: number;
}

export type Job = LoadJob | WatchJob | FillJob;

export type DriverMessage = { type: "job"; job: Job } | { type: "go" } | { type: "stop" };

export interface WorkerResult {
  ops: number;
  errors: number;
  firstError?: string;
  hist: SparseHistogram;
  elapsedMs: number;
  cpuUserUs: number;
  cpuSystemUs: number;
}

export type WorkerMessage =
  { type: "ready" } | { type: "result"; result: WorkerResult } | { type: "failed"; error: string };
