import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import {
  fixAuthority,
  rewriteHeaderBlock,
  scanFirstRequest,
  EMPTY_SETTINGS_FRAME,
} from "../../../src/api/h2-authority.js";

const require = createRequire(import.meta.url);
// hpack.js's compressor/decompressor play the client's encoder and nghttp2's decoder.
const hpack = require("hpack.js") as {
  compressor: {
    create(o: { table: { size: number } }): { write(h: unknown[]): void; read(): Buffer | null };
  };
  decompressor: {
    create(o: { table: { size: number } }): {
      write(b: Buffer): void;
      execute(): void;
      read(): { name: string; value: string } | null;
    };
  };
};

function encode(
  comp: ReturnType<typeof hpack.compressor.create>,
  headers: Array<[string, string]>,
  huffman: boolean,
): Buffer {
  comp.write(headers.map(([name, value]) => ({ name, value, huffman })));
  const parts: Buffer[] = [];
  for (let b = comp.read(); b !== null; b = comp.read()) parts.push(b);
  return Buffer.concat(parts);
}

function decode(
  dec: ReturnType<typeof hpack.decompressor.create>,
  block: Buffer,
): Record<string, string> {
  dec.write(block);
  dec.execute();
  const out: Record<string, string> = {};
  for (let h = dec.read(); h !== null; h = dec.read()) out[h.name] = h.value;
  return out;
}

test("a URL authority becomes a valid one of the same length", () => {
  assert.equal(fixAuthority("http://127.0.0.1:2379"), "http___127.0.0.1:2379");
  assert.equal(fixAuthority("https://host:2379"), "https___host:2379");
  assert.equal(fixAuthority("127.0.0.1:2379"), undefined);
});

for (const huffman of [true, false]) {
  test(`header blocks are rewritten in step with the HPACK tables (huffman=${huffman})`, () => {
    const comp = hpack.compressor.create({ table: { size: 4096 } });
    const dec = hpack.decompressor.create({ table: { size: 4096 } });
    const headers: Array<[string, string]> = [
      [":method", "POST"],
      [":scheme", "http"],
      [":path", "/etcdserverpb.Maintenance/HashKV"],
      [":authority", "http://127.0.0.1:2379"],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
    ];
    for (let round = 0; round < 3; round++) {
      const block = encode(comp, headers, huffman);
      const r = rewriteHeaderBlock(block);
      const got = decode(dec, r.block);
      assert.equal(got[":authority"], "http___127.0.0.1:2379");
      assert.equal(got[":path"], "/etcdserverpb.Maintenance/HashKV");
      assert.equal(got["content-type"], "application/grpc");
    }
  });
}

test("a plain authority is left alone, byte for byte", () => {
  const comp = hpack.compressor.create({ table: { size: 4096 } });
  const block = encode(
    comp,
    [
      [":authority", "127.0.0.1:2379"],
      [":path", "/x"],
    ],
    true,
  );
  const r = rewriteHeaderBlock(block);
  assert.equal(r.block, block);
  assert.equal(r.sawAuthority, true);
  assert.equal(r.fixed, false);
});

test("the first-request scan waits for HEADERS and drops the ACK of our own SETTINGS", () => {
  const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
  const clientSettings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
  const ack = Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]);
  const comp = hpack.compressor.create({ table: { size: 4096 } });
  const block = encode(
    comp,
    [
      [":authority", "http://h:1"],
      [":path", "/p"],
    ],
    true,
  );
  const headersFrame = Buffer.concat([
    Buffer.from([0, 0, block.length, 1, 0x4, 0, 0, 0, 1]),
    block,
  ]);
  assert.deepEqual(scanFirstRequest(Buffer.concat([preface, clientSettings]), true), {
    decision: "wait",
  });
  const head = Buffer.concat([preface, clientSettings, ack, headersFrame]);
  const scan = scanFirstRequest(head, true);
  if (scan.decision === "wait") assert.fail("expected a decision");
  assert.equal(scan.decision, "rewrite");
  assert.ok(scan.head.equals(Buffer.concat([preface, clientSettings, headersFrame])));
  assert.equal(EMPTY_SETTINGS_FRAME.length, 9);
});
