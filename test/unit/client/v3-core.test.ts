// The v3 call engine against in-process fake gRPC servers: failover, which errors are retried,
// the auth token life cycle, and deadlines.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import type { AddressInfo, Socket } from "node:net";
import { Server, ServerCredentials, status as GrpcStatus } from "@grpc/grpc-js";
import type {
  Metadata,
  ServerUnaryCall,
  sendUnaryData,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { EtcdClient, EtcdClientError } from "../../../src/client/v3/index.js";
import {
  AuthService,
  KVService,
  PutResponse,
  RangeResponse,
  AuthenticateResponse,
} from "../../../src/proto/index.js";
import type { AuthenticateRequest, PutRequest, RangeRequest } from "../../../src/proto/index.js";
import { freePort } from "../../helpers/index.js";

type Handler<Req, Res> = (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => void;

interface Fake {
  endpoint: string;
  calls: { method: string; token: string | undefined }[];
  server: Server;
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.forceShutdown();
});

const notImplemented = (_call: unknown, cb: sendUnaryData<unknown>): void =>
  cb({ code: GrpcStatus.UNIMPLEMENTED, details: "fake" });

async function startFake(handlers: {
  range?: Handler<RangeRequest, RangeResponse>;
  put?: Handler<PutRequest, PutResponse>;
  authenticate?: Handler<AuthenticateRequest, AuthenticateResponse>;
}): Promise<Fake> {
  const server = new Server();
  servers.push(server);
  const fake: Fake = { endpoint: "", calls: [], server };
  const record =
    <Req, Res>(method: string, h: Handler<Req, Res> | undefined) =>
    (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => {
      fake.calls.push({ method, token: tokenOf(call.metadata) });
      (h ?? (notImplemented as Handler<Req, Res>))(call, cb);
    };
  server.addService(KVService, {
    range: record("range", handlers.range),
    put: record("put", handlers.put),
    deleteRange: notImplemented,
    txn: notImplemented,
    compact: notImplemented,
  } as UntypedServiceImplementation);
  const authImpl: UntypedServiceImplementation = {};
  for (const name of Object.keys(AuthService)) authImpl[name] = notImplemented;
  authImpl.authenticate = record("authenticate", handlers.authenticate);
  server.addService(AuthService, authImpl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  fake.endpoint = `127.0.0.1:${port}`;
  return fake;
}

function tokenOf(md: Metadata): string | undefined {
  const v = md.get("token")[0];
  return v === undefined ? undefined : String(v);
}

const okRange: Handler<RangeRequest, RangeResponse> = (_c, cb) =>
  cb(null, RangeResponse.fromPartial({ header: { revision: 7n }, count: 1n }));
const okPut: Handler<PutRequest, PutResponse> = (_c, cb) =>
  cb(null, PutResponse.fromPartial({ header: { revision: 8n } }));

test("a refused first endpoint fails over for reads and writes", async () => {
  const fake = await startFake({ range: okRange, put: okPut });
  const dead = `127.0.0.1:${await freePort()}`;
  const c = new EtcdClient({ endpoints: [dead, fake.endpoint] });
  try {
    assert.equal((await c.kv.range({ key: Buffer.from("a") })).header?.revision, 7n);
    assert.equal(
      (await c.kv.put({ key: Buffer.from("a"), value: Buffer.from("b") })).header?.revision,
      8n,
    );
  } finally {
    c.close();
  }
});

test("server-side UNAVAILABLE (no leader) is returned as is, without failover", async () => {
  const noLeader = await startFake({
    range: (_c, cb) => cb({ code: GrpcStatus.UNAVAILABLE, details: "etcdserver: no leader" }),
  });
  const healthy = await startFake({ range: okRange });
  const c = new EtcdClient({ endpoints: [noLeader.endpoint, healthy.endpoint] });
  try {
    await assert.rejects(c.kv.range({ key: Buffer.from("a") }), (err: unknown) => {
      assert.ok(err instanceof EtcdClientError);
      assert.equal(err.message, "etcdserver: no leader");
      assert.equal(err.code, GrpcStatus.UNAVAILABLE);
      assert.equal(err.endpoint, noLeader.endpoint);
      return true;
    });
    assert.equal(healthy.calls.length, 0);
  } finally {
    c.close();
  }
});

test("a server that never answers ends in `context deadline exceeded`", async () => {
  const silent = await startFake({ range: () => undefined });
  const c = new EtcdClient({ endpoints: [silent.endpoint], commandTimeoutMs: 300 });
  try {
    await assert.rejects(c.kv.range({ key: Buffer.from("a") }), (err: unknown) => {
      assert.ok(err instanceof EtcdClientError);
      assert.equal(err.message, "context deadline exceeded");
      assert.equal(err.code, GrpcStatus.DEADLINE_EXCEEDED);
      assert.equal(err.unreachable, false);
      return true;
    });
  } finally {
    c.close();
  }
});

test("auth: token sent on every call, re-authenticates once on an invalid token", async () => {
  let issued = 0;
  let rejectNext = false;
  const fake = await startFake({
    authenticate: (call, cb) => {
      assert.equal(call.request.name, "root");
      assert.equal(call.request.password, "pw");
      issued++;
      cb(null, AuthenticateResponse.fromPartial({ token: `tok${issued}` }));
    },
    range: (call, cb) => {
      if (rejectNext) {
        rejectNext = false;
        cb({ code: GrpcStatus.UNAUTHENTICATED, details: "etcdserver: invalid auth token" });
        return;
      }
      okRange(call, cb);
    },
  });
  const c = new EtcdClient({ endpoints: [fake.endpoint], user: "root", password: "pw" });
  try {
    await c.kv.range({ key: Buffer.from("a") });
    rejectNext = true;
    await c.kv.range({ key: Buffer.from("a") });
    assert.deepEqual(
      fake.calls.map((x) => [x.method, x.token]),
      [
        ["authenticate", undefined],
        ["range", "tok1"],
        ["range", "tok1"],
        ["authenticate", undefined],
        ["range", "tok2"],
      ],
    );
  } finally {
    c.close();
  }
});

test("auth: an explicit login or Authenticate with the same credentials is not repeated", async () => {
  let issued = 0;
  const fake = await startFake({
    authenticate: (_c, cb) =>
      cb(null, AuthenticateResponse.fromPartial({ token: `tok${++issued}` })),
    range: okRange,
  });
  const c = new EtcdClient({ endpoints: [fake.endpoint], user: "root", password: "pw" });
  try {
    const resp = await c.auth.authenticate({ name: "root", password: "pw" });
    assert.equal(resp.token, "tok1");
    await c.kv.range({ key: Buffer.from("a") });
    await c.login();
    assert.deepEqual(
      fake.calls.map((x) => [x.method, x.token]),
      [
        ["authenticate", undefined],
        ["range", "tok1"],
      ],
    );
  } finally {
    c.close();
  }
});

test("auth: `authentication is not enabled` means no token; a wrong password is an error", async () => {
  const open = await startFake({
    authenticate: (_c, cb) =>
      cb({
        code: GrpcStatus.FAILED_PRECONDITION,
        details: "etcdserver: authentication is not enabled",
      }),
    range: okRange,
  });
  const c = new EtcdClient({ endpoints: [open.endpoint], user: "u", password: "p" });
  try {
    await c.kv.range({ key: Buffer.from("a") });
    await c.kv.range({ key: Buffer.from("a") });
    assert.deepEqual(
      open.calls.map((x) => [x.method, x.token]),
      [
        ["authenticate", undefined],
        ["range", undefined],
        ["range", undefined],
      ],
    );
  } finally {
    c.close();
  }
  const strict = await startFake({
    authenticate: (_c, cb) =>
      cb({
        code: GrpcStatus.INVALID_ARGUMENT,
        details: "etcdserver: authentication failed, invalid user ID or password",
      }),
  });
  const bad = new EtcdClient({ endpoints: [strict.endpoint], user: "u", password: "p" });
  try {
    await assert.rejects(bad.kv.range({ key: Buffer.from("a") }), {
      message: "etcdserver: authentication failed, invalid user ID or password",
      code: GrpcStatus.INVALID_ARGUMENT,
    });
  } finally {
    bad.close();
  }
});

test("forEndpoint talks to that endpoint only and shares the token", async () => {
  let issued = 0;
  const authenticate: Handler<AuthenticateRequest, AuthenticateResponse> = (_c, cb) =>
    cb(null, AuthenticateResponse.fromPartial({ token: `t${++issued}` }));
  const a = await startFake({ authenticate, range: okRange });
  const b = await startFake({ authenticate, range: okRange });
  const c = new EtcdClient({ endpoints: [a.endpoint, b.endpoint], user: "u", password: "p" });
  try {
    await c.kv.range({ key: Buffer.from("x") });
    await c.forEndpoint(b.endpoint).kv.range({ key: Buffer.from("x") });
    assert.deepEqual(
      b.calls.map((x) => [x.method, x.token]),
      [["range", "t1"]],
    );
    assert.equal(c.forEndpoint(b.endpoint), c.forEndpoint(b.endpoint));
  } finally {
    c.close();
  }
});

test("an endpoint that never completes the connection is unreachable at the deadline", async () => {
  // A TCP listener that accepts but never speaks HTTP/2: the gRPC channel stays CONNECTING.
  const sockets: Socket[] = [];
  const mute = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => mute.listen(0, "127.0.0.1", r));
  const port = (mute.address() as AddressInfo).port;
  const c = new EtcdClient({
    endpoints: [`127.0.0.1:${port}`],
    commandTimeoutMs: 300,
    dialTimeoutMs: 1000,
  });
  try {
    await assert.rejects(c.kv.range({ key: Buffer.from("a") }), (err: unknown) => {
      assert.ok(err instanceof EtcdClientError);
      assert.equal(err.message, "context deadline exceeded");
      assert.equal(err.unreachable, true);
      return true;
    });
  } finally {
    c.close();
    for (const s of sockets) s.destroy();
    mute.close();
  }
});
