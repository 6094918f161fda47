// The load workers' minimal gRPC client: framing, success and error statuses, and
// trailers-only responses, against a local HTTP/2 server.
import { test } from "node:test";
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { grpcFrame, H2Connection } from "../../../bench/lib/h2-unary.js";

test("grpcFrame prefixes an uncompressed flag and the big-endian length", () => {
  assert.deepEqual([...grpcFrame(Buffer.from([7, 8, 9]))], [0, 0, 0, 0, 3, 7, 8, 9]);
  assert.equal(grpcFrame(Buffer.alloc(70_000)).readUInt32BE(1), 70_000);
});

test("calls succeed on grpc-status 0 and fail with the status and message otherwise", async () => {
  const seen: Buffer[] = [];
  const server = http2.createServer();
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      seen.push(Buffer.concat(chunks));
      const path = headers[":path"];
      if (path === "/ok") {
        stream.respond(
          { ":status": 200, "content-type": "application/grpc" },
          { waitForTrailers: true },
        );
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(grpcFrame(Buffer.from("resp")));
      } else if (path === "/trailers-only") {
        stream.respond(
          {
            ":status": 200,
            "content-type": "application/grpc",
            "grpc-status": "9",
            "grpc-message": "nope",
          },
          { endStream: true },
        );
      } else {
        stream.respond(
          { ":status": 200, "content-type": "application/grpc" },
          { waitForTrailers: true },
        );
        stream.on("wantTrailers", () =>
          stream.sendTrailers({ "grpc-status": "5", "grpc-message": "missing" }),
        );
        stream.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  const conn = new H2Connection(`127.0.0.1:${port}`);
  try {
    await conn.waitReady();
    const call = (path: string) =>
      new Promise<Error | null>((resolve) =>
        conn.call(path, grpcFrame(Buffer.from("req")), resolve),
      );
    assert.equal(await call("/ok"), null);
    assert.match(String(await call("/missing")), /grpc-status 5: missing/);
    assert.match(String(await call("/trailers-only")), /grpc-status 9: nope/);
    assert.deepEqual([...seen[0]!], [...grpcFrame(Buffer.from("req"))]);
  } finally {
    conn.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
