// Pure pieces of the v3 client: endpoint parsing, prefix ends, Go error wording, error mapping.
import { test } from "node:test";
import assert from "node:assert/strict";
import { status as GrpcStatus } from "@grpc/grpc-js";
import {
  EtcdClientError,
  goDialError,
  parseEndpoint,
  prefixEnd,
} from "../../../src/client/v3/index.js";
import {
  fromGrpcError,
  isConnectFailure,
  isTransportUnavailable,
} from "../../../src/client/v3/errors.js";

test("parseEndpoint accepts host:port and URLs", () => {
  assert.deepEqual(parseEndpoint("127.0.0.1:2379"), {
    endpoint: "127.0.0.1:2379",
    target: "127.0.0.1:2379",
    tls: false,
  });
  assert.deepEqual(parseEndpoint("http://10.0.0.1:2379/"), {
    endpoint: "http://10.0.0.1:2379/",
    target: "10.0.0.1:2379",
    tls: false,
  });
  assert.equal(parseEndpoint("https://h:1").tls, true);
  assert.equal(parseEndpoint("unix:///tmp/etcd.sock").target, "unix:/tmp/etcd.sock");
  assert.throws(() => parseEndpoint("ftp://x:1"));
  assert.throws(() => parseEndpoint(" "));
});

test("prefixEnd increments the last byte below 0xff", () => {
  assert.deepEqual(prefixEnd(Buffer.from("foo")), Buffer.from("fop"));
  assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff, 0xff])), Buffer.from([0x62]));
  assert.deepEqual(prefixEnd(Buffer.from([0xff])), Buffer.from([0]));
  assert.deepEqual(prefixEnd(Buffer.alloc(0)), Buffer.from([0]));
});

test("goDialError words Node socket errors as Go does", () => {
  assert.equal(
    goDialError("connect ECONNREFUSED 127.0.0.1:1", "x"),
    "dial tcp 127.0.0.1:1: connect: connection refused",
  );
  assert.equal(goDialError("ETIMEDOUT", "http://h:2"), "dial tcp h:2: i/o timeout");
  assert.equal(
    goDialError("getaddrinfo ENOTFOUND nohost", "nohost:2379"),
    "dial tcp: lookup nohost: no such host",
  );
});

test("gRPC errors keep the server text; deadlines read `context deadline exceeded`", () => {
  const server = fromGrpcError(
    {
      code: GrpcStatus.OUT_OF_RANGE,
      details: "etcdserver: mvcc: required revision has been compacted",
    },
    "h:1",
  );
  assert.ok(server instanceof EtcdClientError);
  assert.equal(server.message, "etcdserver: mvcc: required revision has been compacted");
  assert.equal(server.codeName, "OutOfRange");
  assert.equal(server.endpoint, "h:1");
  const deadline = fromGrpcError(
    { code: GrpcStatus.DEADLINE_EXCEEDED, details: "Deadline exceeded after 5s" },
    "h:1",
  );
  assert.equal(deadline.message, "context deadline exceeded");
  assert.equal(deadline.balancerError(false), undefined);
});

test("transport failures are told apart from server UNAVAILABLE errors", () => {
  const noLeader = { code: GrpcStatus.UNAVAILABLE, details: "etcdserver: no leader" };
  const refused = {
    code: GrpcStatus.UNAVAILABLE,
    details:
      "No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1 (2026-01-01T00:00:00Z)",
  };
  const dropped = { code: GrpcStatus.UNAVAILABLE, details: "Connection dropped" };
  assert.equal(isTransportUnavailable(noLeader), false);
  assert.equal(isTransportUnavailable(refused), true);
  assert.equal(isConnectFailure(refused), true);
  assert.equal(isTransportUnavailable(dropped), true);
  assert.equal(isConnectFailure(dropped), false);
});
