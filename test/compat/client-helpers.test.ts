// The test helpers themselves: distinct free ports, a real etcd that starts healthy and stops
// cleanly, and runCli driving the real etcdctl.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { freePort, freePorts, runCli, skipWithoutEtcd, startRealEtcd } from "../helpers/index.js";

test("freePort and freePorts give usable, distinct ports", async () => {
  const port = await freePort();
  assert.ok(port > 0 && port < 65536);
  const ports = await freePorts(5);
  assert.equal(new Set(ports).size, 5);
});

test("startRealEtcd + runCli(etcdctl) + stop", { skip: skipWithoutEtcd }, async () => {
  const etcd = await startRealEtcd();
  try {
    const put = await runCli("etcdctl", ["--endpoints", etcd.endpoint, "put", "foo", "bar"]);
    assert.deepEqual(put, { stdout: "OK\n", stderr: "", code: 0 });
    const get = await runCli("etcdctl", ["--endpoints", etcd.clientUrl, "get", "foo"]);
    assert.equal(get.stdout, "foo\nbar\n");
    const v2 = await runCli("etcdctl", ["--endpoints", etcd.clientUrl, "ls"], {
      env: { ETCDCTL_API: "2" },
    });
    // v2 is off unless enableV2 is set.
    assert.equal(v2.code, 4);
  } finally {
    await etcd.stop();
  }
  assert.equal(fs.existsSync(etcd.dataDir), false);
  assert.throws(() => process.kill(etcd.pid, 0));
});
