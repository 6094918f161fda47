// Our protobuf encoding is byte-identical to what the real etcdctl 3.4 sends: a fake gRPC server
// records the raw request bytes of etcdctl commands, and we encode the same request ourselves.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import type { ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";
import {
  Compare_CompareResult,
  Compare_CompareTarget,
  DeleteRangeRequest,
  KVService,
  LeaseGrantRequest,
  LeaseService,
  PutRequest,
  RangeRequest,
  RangeRequest_SortOrder,
  RangeRequest_SortTarget,
  TxnRequest,
} from "../../src/proto/index.js";
import { runCli, skipWithoutEtcd } from "../helpers/index.js";

interface Captured {
  path: string;
  bytes: Buffer;
}

/** Wraps a service definition so every request's raw bytes are recorded before decoding. */
function recording(def: Record<string, unknown>, captured: Captured[]): ServiceDefinition {
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(def)) {
    const method = m as { path: string; requestDeserialize(b: Buffer): unknown };
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        captured.push({ path: method.path, bytes: Buffer.from(bytes) });
        return method.requestDeserialize(bytes);
      },
    };
  }
  return out as ServiceDefinition;
}

describe("etcdctl request bytes", { skip: skipWithoutEtcd }, () => {
  const captured: Captured[] = [];
  let server: Server;
  let endpoint: string;

  before(async () => {
    server = new Server();
    // Answer with empty responses: etcdctl only needs a well-formed reply.
    const empty = (_call: unknown, cb: (err: null, value: object) => void): void => cb(null, {});
    const impl = (def: object): UntypedServiceImplementation =>
      Object.fromEntries(Object.keys(def).map((k) => [k, empty]));
    server.addService(recording(KVService, captured), impl(KVService));
    server.addService(recording(LeaseService, captured), impl(LeaseService));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    endpoint = `127.0.0.1:${port}`;
  });
  after(() => server?.forceShutdown());

  async function etcdctl(args: string[], input?: string): Promise<Captured> {
    captured.length = 0;
    const r = await runCli("etcdctl", ["--endpoints", endpoint, ...args], {
      input,
      env: { ETCDCTL_API: "3" },
    });
    assert.equal(
      captured.length,
      1,
      `one request expected from etcdctl ${args.join(" ")}: ${r.stderr}`,
    );
    return captured[0] as Captured;
  }

  const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

  test("put foo bar --lease=1234 --prev-kv", async () => {
    const got = await etcdctl(["put", "foo", "bar", "--lease=1234", "--prev-kv"]);
    assert.equal(got.path, "/etcdserverpb.KV/Put");
    const ours = PutRequest.encode(
      PutRequest.fromPartial({
        key: Buffer.from("foo"),
        value: Buffer.from("bar"),
        lease: 0x1234n,
        prevKv: true,
      }),
    ).finish();
    assert.equal(hex(got.bytes), hex(ours));
  });

  test("get foo --prefix --limit 2 --order DESCEND --sort-by MODIFY --consistency s --rev 7 --keys-only", async () => {
    const got = await etcdctl([
      "get",
      "foo",
      "--prefix",
      "--limit",
      "2",
      "--order",
      "DESCEND",
      "--sort-by",
      "MODIFY",
      "--consistency",
      "s",
      "--rev",
      "7",
      "--keys-only",
    ]);
    assert.equal(got.path, "/etcdserverpb.KV/Range");
    const ours = RangeRequest.encode(
      RangeRequest.fromPartial({
        key: Buffer.from("foo"),
        rangeEnd: Buffer.from("fop"),
        limit: 2n,
        revision: 7n,
        sortOrder: RangeRequest_SortOrder.DESCEND,
        sortTarget: RangeRequest_SortTarget.MOD,
        serializable: true,
        keysOnly: true,
      }),
    ).finish();
    assert.equal(hex(got.bytes), hex(ours));
  });

  test("del a --from-key --prev-kv", async () => {
    const got = await etcdctl(["del", "a", "--from-key", "--prev-kv"]);
    assert.equal(got.path, "/etcdserverpb.KV/DeleteRange");
    const ours = DeleteRangeRequest.encode(
      DeleteRangeRequest.fromPartial({
        key: Buffer.from("a"),
        rangeEnd: Buffer.from([0]),
        prevKv: true,
      }),
    ).finish();
    assert.equal(hex(got.bytes), hex(ours));
  });

  test("txn with a compare, success and failure ops", async () => {
    const got = await etcdctl(["txn"], 'mod("k1") > "0"\n\nput k2 v2\n\nget k1\n\n');
    assert.equal(got.path, "/etcdserverpb.KV/Txn");
    const ours = TxnRequest.encode(
      TxnRequest.fromPartial({
        compare: [
          {
            key: Buffer.from("k1"),
            target: Compare_CompareTarget.MOD,
            result: Compare_CompareResult.GREATER,
            targetUnion: { $case: "modRevision", value: 0n },
          },
        ],
        success: [
          {
            request: {
              $case: "requestPut",
              value: { key: Buffer.from("k2"), value: Buffer.from("v2") },
            },
          },
        ],
        failure: [{ request: { $case: "requestRange", value: { key: Buffer.from("k1") } } }],
      }),
    ).finish();
    assert.equal(hex(got.bytes), hex(ours));
  });

  test("lease grant 100", async () => {
    const got = await etcdctl(["lease", "grant", "100"]);
    assert.equal(got.path, "/etcdserverpb.Lease/LeaseGrant");
    assert.equal(
      hex(got.bytes),
      hex(LeaseGrantRequest.encode(LeaseGrantRequest.fromPartial({ TTL: 100n })).finish()),
    );
  });
});
