import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { sniffProtocol, startClientListener } from "../../../src/api/listener.js";

const echoService: grpc.ServiceDefinition = {
  echo: {
    path: "/tsctl.test.Echo/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  },
};

function grpcServer(): grpc.Server {
  const server = new grpc.Server();
  server.addService(echoService, {
    echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
      cb(null, Buffer.concat([Buffer.from("echo:"), call.request])),
  });
  return server;
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function grpcEcho(port: number, text: string): Promise<string> {
  const Client = grpc.makeGenericClientConstructor(echoService, "Echo");
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      "/tsctl.test.Echo/Echo",
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(text),
      (err: grpc.ServiceError | null, res?: Buffer) => {
        client.close();
        if (err) reject(err);
        else resolve(res!.toString());
      },
    );
  });
}

test("sniffing decides on the first diverging byte or the full preface", () => {
  assert.equal(sniffProtocol(Buffer.from("G")), "http");
  assert.equal(sniffProtocol(Buffer.from("PU")), "http");
  assert.equal(sniffProtocol(Buffer.from("PRI * HTTP/2")), undefined);
  assert.equal(sniffProtocol(Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")), "grpc");
});

test("one port answers gRPC and HTTP/1.1", async () => {
  const listener = await startClientListener({
    host: "127.0.0.1",
    port: 0,
    grpcServer: grpcServer(),
    httpHandler: (req, res) => res.end(`http:${req.url}`),
    drainGraceMs: 50,
  });
  try {
    assert.equal(await grpcEcho(listener.port, "hi"), "echo:hi");
    assert.deepEqual(await httpGet(listener.port, "/version"), {
      status: 200,
      body: "http:/version",
    });
    const [a, b] = await Promise.all([grpcEcho(listener.port, "x"), httpGet(listener.port, "/y")]);
    assert.equal(a, "echo:x");
    assert.equal(b.body, "http:/y");
  } finally {
    await listener.close();
  }
});

test("a connection that stalls before showing its protocol is closed", async () => {
  const listener = await startClientListener({
    host: "127.0.0.1",
    port: 0,
    httpHandler: (_req, res) => res.end("x"),
    sniffTimeoutMs: 50,
    drainGraceMs: 10,
  });
  try {
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect(listener.port, "127.0.0.1", () => s.write("PRI * HT"));
      s.on("close", () => resolve(true));
      s.on("error", () => undefined);
    });
    assert.equal(closed, true);
  } finally {
    await listener.close();
  }
});

test("close() frees the port even with idle connections open", async () => {
  const listener = await startClientListener({
    host: "127.0.0.1",
    port: 0,
    grpcServer: grpcServer(),
    httpHandler: (_req, res) => res.end("x"),
    drainGraceMs: 20,
  });
  const idle = connect(listener.port, "127.0.0.1");
  idle.on("error", () => undefined);
  await new Promise((r) => idle.once("connect", r));
  await listener.close();
  idle.destroy();
});

test("gRPC works when the preface arrives a few bytes at a time", async () => {
  const listener = await startClientListener({
    host: "127.0.0.1",
    port: 0,
    grpcServer: grpcServer(),
    httpHandler: (_req, res) => res.end("x"),
    drainGraceMs: 20,
  });
  // A proxy that forwards the client's first 24 bytes in 3-byte pieces.
  const { createServer } = await import("node:net");
  const proxy = createServer((inbound) => {
    const outbound = connect(listener.port, "127.0.0.1");
    outbound.setNoDelay(true);
    let sent = 0;
    inbound.on("data", (chunk: Buffer) => {
      let rest = chunk;
      while (sent < 24 && rest.length > 0) {
        const piece = rest.subarray(0, 3);
        outbound.write(piece);
        sent += piece.length;
        rest = rest.subarray(piece.length);
      }
      if (rest.length > 0) outbound.write(rest);
    });
    outbound.pipe(inbound);
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
    inbound.on("close", () => outbound.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  try {
    const port = (proxy.address() as { port: number }).port;
    assert.equal(await grpcEcho(port, "slow"), "echo:slow");
  } finally {
    proxy.close();
    await listener.close();
  }
});

test("TLS: gRPC and HTTPS on one port, client certificates when required", async (t) => {
  const { execFileSync } = await import("node:child_process");
  const { existsSync, mkdtempSync, readFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const https = await import("node:https");
  if (!existsSync("/usr/bin/openssl")) {
    t.skip("openssl not installed");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "tsctl-tls-"));
  const openssl = (...args: string[]) =>
    execFileSync("/usr/bin/openssl", args, { stdio: "ignore" });
  const selfSigned = (name: string) => {
    openssl(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      join(dir, `${name}.key`),
      "-out",
      join(dir, `${name}.crt`),
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
    );
    return {
      cert: readFileSync(join(dir, `${name}.crt`)),
      key: readFileSync(join(dir, `${name}.key`)),
    };
  };
  const server = selfSigned("server");
  const client = selfSigned("client");
  const listener = await startClientListener({
    host: "127.0.0.1",
    port: 0,
    grpcServer: grpcServer(),
    httpHandler: (req, res) =>
      res.end(`https:${req.url}:${(req.socket as { encrypted?: boolean }).encrypted === true}`),
    tls: { cert: server.cert, key: server.key, ca: client.cert, clientCertAuth: true },
    drainGraceMs: 20,
  });
  try {
    const get = (withCert: boolean) =>
      new Promise<string>((resolve, reject) => {
        const req = https.request(
          {
            host: "127.0.0.1",
            port: listener.port,
            path: "/version",
            ca: server.cert,
            agent: false,
            ...(withCert ? { cert: client.cert, key: client.key } : {}),
          },
          (res) => {
            let body = "";
            res.on("data", (d: Buffer) => (body += d.toString()));
            res.on("end", () => resolve(body));
          },
        );
        req.on("error", reject);
        req.end();
      });
    assert.equal(await get(true), "https:/version:true");
    await assert.rejects(get(false));
    const Client = grpc.makeGenericClientConstructor(echoService, "Echo");
    const c = new Client(
      `127.0.0.1:${listener.port}`,
      grpc.credentials.createSsl(server.cert, client.key, client.cert),
    );
    const reply = await new Promise<string>((resolve, reject) =>
      c.makeUnaryRequest(
        "/tsctl.test.Echo/Echo",
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from("secure"),
        (err: grpc.ServiceError | null, res?: Buffer) =>
          err ? reject(err) : resolve(res!.toString()),
      ),
    );
    c.close();
    assert.equal(reply, "echo:secure");
  } finally {
    await listener.close();
  }
});

test("unix socket listener (etcd's unix:// URLs)", async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "tsctl-unix-"));
  const socketPath = join(dir, "localhost:2379");
  writeFileSync(socketPath, "stale");
  const listener = await startClientListener({
    host: "localhost",
    port: 0,
    socketPath,
    grpcServer: grpcServer(),
    httpHandler: (req, res) => res.end(`unix:${req.url}`),
    drainGraceMs: 20,
  });
  try {
    assert.equal(listener.port, 0);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ socketPath, path: "/version", agent: false }, (res) => {
        let b = "";
        res.on("data", (d: Buffer) => (b += d.toString()));
        res.on("end", () => resolve(b));
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(body, "unix:/version");
    const Client = grpc.makeGenericClientConstructor(echoService, "Echo");
    const c = new Client(`unix:${socketPath}`, grpc.credentials.createInsecure());
    const reply = await new Promise<string>((resolve, reject) =>
      c.makeUnaryRequest(
        "/tsctl.test.Echo/Echo",
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from("u"),
        (err: grpc.ServiceError | null, res?: Buffer) =>
          err ? reject(err) : resolve(res!.toString()),
      ),
    );
    c.close();
    assert.equal(reply, "echo:u");
  } finally {
    await listener.close();
  }
});
