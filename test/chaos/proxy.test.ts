// The peer proxy identifies which local process opened a connection and black-holes
// blocked directions.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startPeerProxy } from "./proxy.js";

test("proxy forwards, identifies the sender by process, and black-holes a cut link", async () => {
  const echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", () => r()));
  const echoPort = (echo.address() as net.AddressInfo).port;
  let cut = false;
  const froms: (string | undefined)[] = [];
  const proxy = await startPeerProxy("dst", echoPort, {
    blocked: (from) => {
      froms.push(from);
      return cut;
    },
    pids: () => new Map([[process.pid, "self"]]),
  });
  const roundTrip = (timeoutMs: number): Promise<string> =>
    new Promise((resolve) => {
      const s = net.connect(proxy.port, "127.0.0.1", () => s.write("ping"));
      const timer = setTimeout(() => {
        s.destroy();
        resolve("timeout");
      }, timeoutMs);
      s.on("data", (d) => {
        clearTimeout(timer);
        s.destroy();
        resolve(d.toString());
      });
      s.on("error", () => resolve("error"));
    });
  try {
    assert.equal(await roundTrip(2000), "ping");
    assert.equal(froms[0], "self");
    cut = true;
    assert.equal(await roundTrip(300), "timeout");
  } finally {
    await proxy.close();
    await new Promise<void>((r) => echo.close(() => r()));
  }
});
