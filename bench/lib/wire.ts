// Pre-encoded etcd v3 requests for the load generator, and a minimal WatchResponse reader.
// The workers send bytes straight through grpc-js (identity serialisers) so the client side
// spends no time in protobuf code during a measured run.

import { BinaryReader } from "@bufbuild/protobuf/wire";
import {
  Compare_CompareResult,
  Compare_CompareTarget,
  PutRequest,
  RangeRequest,
  TxnRequest,
  WatchRequest,
} from "../../src/proto/index.js";

/** etcd's benchmark defaults: 8-byte keys, 256-byte values. */
export const KEY_BYTES = 8;
export const VALUE_BYTES = 256;

/** The i-th key of the load key space: "k" and 7 decimal digits (8 bytes). */
export function loadKey(i: number): Buffer {
  const s = `k${String(i).padStart(KEY_BYTES - 1, "0")}`;
  if (s.length !== KEY_BYTES) throw new Error(`key index ${i} does not fit ${KEY_BYTES} bytes`);
  return Buffer.from(s, "latin1");
}

/** The i-th key of the data set: "big/" and 7 decimal digits; "big/000" prefixes 10k of them. */
export function dataSetKey(i: number): Buffer {
  return Buffer.from(`big/${String(i).padStart(7, "0")}`, "latin1");
}

export const DATA_SET_RANGE_PREFIX = "big/000";

export function filledValue(seed: number): Buffer {
  return Buffer.alloc(VALUE_BYTES, 97 + (seed % 26));
}

export function encodePut(key: Buffer, value: Buffer): Buffer {
  return Buffer.from(
    PutRequest.encode({
      key,
      value,
      lease: 0n,
      prevKv: false,
      ignoreValue: false,
      ignoreLease: false,
    }).finish(),
  );
}

/** The end of a prefix range: the prefix with its last byte incremented. */
export function prefixEnd(prefix: Uint8Array): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

export function encodeRange(
  key: Buffer,
  opts: { serializable: boolean; rangeEnd?: Buffer; countOnly?: boolean },
): Buffer {
  return Buffer.from(
    RangeRequest.encode(
      RangeRequest.fromPartial({
        key,
        rangeEnd: opts.rangeEnd ?? Buffer.alloc(0),
        serializable: opts.serializable,
        countOnly: opts.countOnly ?? false,
      }),
    ).finish(),
  );
}

/** Txn: if the key's mod revision is below 2^62 (always true), put the value. */
export function encodeCompareAndPut(key: Buffer, value: Buffer): Buffer {
  return Buffer.from(
    TxnRequest.encode(
      TxnRequest.fromPartial({
        compare: [
          {
            key,
            target: Compare_CompareTarget.MOD,
            result: Compare_CompareResult.LESS,
            targetUnion: { $case: "modRevision", value: 1n << 62n },
          },
        ],
        success: [{ request: { $case: "requestPut", value: { key, value } } }],
      }),
    ).finish(),
  );
}

/** Txn of plain puts (no compare): used to load the data set in batches. */
export function encodePutBatch(items: Array<{ key: Buffer; value: Buffer }>): Buffer {
  return Buffer.from(
    TxnRequest.encode(
      TxnRequest.fromPartial({
        success: items.map((it) => ({
          request: { $case: "requestPut" as const, value: { key: it.key, value: it.value } },
        })),
      }),
    ).finish(),
  );
}

export function encodeWatchCreate(key: Buffer): Buffer {
  return Buffer.from(
    WatchRequest.encode(
      WatchRequest.fromPartial({ requestUnion: { $case: "createRequest", value: { key } } }),
    ).finish(),
  );
}

/** A value whose first 8 bytes carry the send time (epoch ms, float64) for delivery latency. */
export function stampedValue(nowMs: number): Buffer {
  const v = Buffer.alloc(VALUE_BYTES, 120);
  v.writeDoubleLE(nowMs, 0);
  return v;
}

export interface WatchResponseSummary {
  created: boolean;
  canceled: boolean;
  /** Events carried by this response. */
  events: number;
  /** Send stamps (epoch ms) read from the events' values; NaN when a value is too short. */
  stampsMs: number[];
}

/** Reads only what the benchmark needs from a WatchResponse: flags and event values. */
export function readWatchResponse(bytes: Uint8Array): WatchResponseSummary {
  const out: WatchResponseSummary = { created: false, canceled: false, events: 0, stampsMs: [] };
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 3 && wire === 0) out.created = r.bool();
    else if (field === 4 && wire === 0) out.canceled = r.bool();
    else if (field === 11 && wire === 2) {
      out.events++;
      out.stampsMs.push(readEventStamp(r.bytes()));
    } else r.skip(wire);
  }
  return out;
}

function readEventStamp(event: Uint8Array): number {
  const r = new BinaryReader(event);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 2 && (tag & 7) === 2) {
      const kv = new BinaryReader(r.bytes());
      while (kv.pos < kv.len) {
        const t = kv.uint32();
        if (t >>> 3 === 5 && (t & 7) === 2) {
          const v = kv.bytes();
          if (v.length < 8) return NaN;
          return new DataView(v.buffer, v.byteOffset, v.byteLength).getFloat64(0, true);
        }
        kv.skip(t & 7);
      }
      return NaN;
    }
    r.skip(tag & 7);
  }
  return NaN;
}
