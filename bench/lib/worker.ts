// A load worker process: dials its share of gRPC connections, runs closed-loop clients (or
// watchers, or a bulk fill) when told to go, and reports counts, a latency histogram and its
// own CPU time. Several run side by side so one event loop never caps the offered load.

import * as grpc from "@grpc/grpc-js";
import type { DriverMessage, FillJob, Job, LoadJob, WatchJob, WorkerMessage } from "./protocol.js";
import { grpcFrame, H2Connection } from "./h2-unary.js";
import { Histogram } from "./stats.js";
import {
  dataSetKey,
  DATA_SET_RANGE_PREFIX,
  encodeCompareAndPut,
  encodePut,
  encodePutBatch,
  encodeRange,
  encodeWatchCreate,
  filledValue,
  loadKey,
  prefixEnd,
  readWatchResponse,
  stampedValue,
} from "./wire.js";

const identity = (b: Buffer): Buffer => b;
const nowMs = (): number => performance.timeOrigin + performance.now();

function send(msg: WorkerMessage): void {
  process.send!(msg);
}

function dial(job: Job): grpc.Client[] {
  const clients: grpc.Client[] = [];
  for (let j = 0; j < job.conns; j++) {
    const endpoint = job.endpoints[(job.connOffset + j) % job.endpoints.length]!;
    clients.push(
      new grpc.Client(endpoint, grpc.credentials.createInsecure(), {
        // A channel of its own per connection: the global pool would share one TCP connection.
        "grpc.use_local_subchannel_pool": 1,
        "grpc.max_receive_message_length": 64 * 1024 * 1024,
      }),
    );
  }
  return clients;
}

/** Unary load goes over plain HTTP/2 connections (h2-unary.ts), one per `conns`. */
async function dialH2(job: Job): Promise<H2Connection[]> {
  const conns: H2Connection[] = [];
  for (let j = 0; j < job.conns; j++) {
    conns.push(new H2Connection(job.endpoints[(job.connOffset + j) % job.endpoints.length]!));
  }
  await Promise.all(conns.map((c) => c.waitReady()));
  return conns;
}

function ready(clients: grpc.Client[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  return Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve, reject) =>
          c.waitForReady(deadline, (err) => (err ? reject(err) : resolve())),
        ),
    ),
  ).then(() => undefined);
}

function waitGo(): Promise<void> {
  return new Promise((resolve) => {
    const onMsg = (m: DriverMessage): void => {
      if (m.type === "go") {
        process.off("message", onMsg);
        resolve();
      }
    };
    process.on("message", onMsg);
  });
}

function waitStop(): Promise<void> {
  return new Promise((resolve) => {
    const onMsg = (m: DriverMessage): void => {
      if (m.type === "stop") {
        process.off("message", onMsg);
        resolve();
      }
    };
    process.on("message", onMsg);
  });
}

const PATHS = {
  put: "/etcdserverpb.KV/Put",
  range: "/etcdserverpb.KV/Range",
  txn: "/etcdserverpb.KV/Txn",
  watch: "/etcdserverpb.Watch/Watch",
} as const;

/** The request maker for a closed-loop op: path and a function giving the next framed request. */
function requestMaker(job: LoadJob): { path: string; next: () => Buffer } {
  const pick = (): number => Math.floor(Math.random() * job.keySpace);
  const prebuilt = (f: (i: number) => Buffer): (() => Buffer) => {
    const all: Buffer[] = [];
    for (let i = 0; i < job.keySpace; i++) all.push(grpcFrame(f(i)));
    return () => all[pick()]!;
  };
  switch (job.op) {
    case "put":
      return { path: PATHS.put, next: prebuilt((i) => encodePut(loadKey(i), filledValue(i))) };
    case "range-linearizable":
      return {
        path: PATHS.range,
        next: prebuilt((i) => encodeRange(loadKey(i), { serializable: false })),
      };
    case "range-serializable":
      return {
        path: PATHS.range,
        next: prebuilt((i) => encodeRange(loadKey(i), { serializable: true })),
      };
    case "txn-compare-put":
      return {
        path: PATHS.txn,
        next: prebuilt((i) => encodeCompareAndPut(loadKey(i), filledValue(i))),
      };
    case "put-stamped": {
      const key = Buffer.from(job.key ?? "watched", "latin1");
      return { path: PATHS.put, next: () => grpcFrame(encodePut(key, stampedValue(nowMs()))) };
    }
    case "range-prefix": {
      const prefix = Buffer.from(DATA_SET_RANGE_PREFIX, "latin1");
      const req = grpcFrame(
        encodeRange(prefix, { serializable: true, rangeEnd: prefixEnd(prefix) }),
      );
      return { path: PATHS.range, next: () => req };
    }
  }
}

async function runLoad(job: LoadJob): Promise<void> {
  const conns = await dialH2(job);
  const { path, next } = requestMaker(job);
  const hist = new Histogram();
  let ops = 0;
  let errors = 0;
  let firstError: string | undefined;
  send({ type: "ready" });
  await waitGo();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + job.durationMs;
  let running = job.clients;
  await new Promise<void>((resolve) => {
    const loop = (conn: H2Connection): void => {
      const t0 = performance.now();
      if (t0 >= end) {
        if (--running === 0) resolve();
        return;
      }
      conn.call(path, next(), (err) => {
        const t1 = performance.now();
        if (err) {
          errors++;
          firstError ??= err.message;
        } else {
          ops++;
          hist.recordUs((t1 - t0) * 1000);
        }
        loop(conn);
      });
    };
    for (let c = 0; c < job.clients; c++) loop(conns[c % conns.length]!);
  });
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  for (const c of conns) c.close();
  send({
    type: "result",
    result: {
      ops,
      errors,
      firstError,
      hist: hist.toSparse(),
      elapsedMs,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
    },
  });
}

async function runWatch(job: WatchJob): Promise<void> {
  const conns = dial(job);
  await ready(conns);
  const key = Buffer.from(job.key, "latin1");
  const create = encodeWatchCreate(key);
  const hist = new Histogram();
  let counting = false;
  let events = 0;
  let created = 0;
  let errors = 0;
  let firstError: string | undefined;
  const streams: Array<grpc.ClientDuplexStream<Buffer, Buffer>> = [];
  let allCreated!: () => void;
  const createdAll = new Promise<void>((r) => (allCreated = r));
  for (let s = 0; s < job.streams; s++) {
    const stream = conns[s % conns.length]!.makeBidiStreamRequest(PATHS.watch, identity, identity);
    stream.on("data", (b: Buffer) => {
      const w = readWatchResponse(b);
      if (w.created && ++created === job.watchers) allCreated();
      if (!counting || w.events === 0) return;
      events += w.events;
      const now = nowMs();
      for (const stamp of w.stampsMs)
        if (Number.isFinite(stamp)) hist.recordUs((now - stamp) * 1000);
    });
    stream.on("error", (err: Error) => {
      if (!counting) return;
      errors++;
      firstError ??= err.message;
    });
    streams.push(stream);
  }
  for (let w = 0; w < job.watchers; w++) streams[w % streams.length]!.write(create);
  await createdAll;
  send({ type: "ready" });
  await waitGo();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  counting = true;
  await waitStop();
  counting = false;
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  for (const s of streams) s.cancel();
  for (const c of conns) c.close();
  send({
    type: "result",
    result: {
      ops: events,
      errors,
      firstError,
      hist: hist.toSparse(),
      elapsedMs,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
    },
  });
}

async function runFill(job: FillJob): Promise<void> {
  const conns = await dialH2(job);
  const keyOf = job.keys === "load" ? loadKey : dataSetKey;
  let nextKey = job.from;
  const hist = new Histogram();
  let ops = 0;
  let errors = 0;
  let firstError: string | undefined;
  send({ type: "ready" });
  await waitGo();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await new Promise<void>((resolve) => {
    let running = job.concurrency;
    const loop = (conn: H2Connection): void => {
      if (nextKey >= job.to) {
        if (--running === 0) resolve();
        return;
      }
      const items: Array<{ key: Buffer; value: Buffer }> = [];
      for (; items.length < job.batch && nextKey < job.to; nextKey++) {
        items.push({ key: keyOf(nextKey), value: filledValue(nextKey) });
      }
      const t0 = performance.now();
      conn.call(PATHS.txn, grpcFrame(encodePutBatch(items)), (err) => {
        if (err) {
          errors++;
          firstError ??= err.message;
        } else {
          ops += items.length;
          hist.recordUs((performance.now() - t0) * 1000);
        }
        loop(conn);
      });
    };
    for (let c = 0; c < job.concurrency; c++) loop(conns[c % conns.length]!);
  });
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  for (const c of conns) c.close();
  send({
    type: "result",
    result: {
      ops,
      errors,
      firstError,
      hist: hist.toSparse(),
      elapsedMs,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
    },
  });
}

process.once("message", (m: DriverMessage) => {
  if (m.type !== "job") throw new Error(`worker: expected a job, got ${m.type}`);
  const job = m.job;
  const run =
    job.type === "load" ? runLoad(job) : job.type === "watch" ? runWatch(job) : runFill(job);
  run.then(
    () => process.disconnect(),
    (err: unknown) => {
      send({
        type: "failed",
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
      process.disconnect();
    },
  );
});
