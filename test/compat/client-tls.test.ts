// The v3 and v2 clients against a real etcd serving https with client-certificate auth.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { EtcdClient } from "../../src/client/v3/index.js";
import { V2Client } from "../../src/client/v2/index.js";
import { hasOpenssl, makeTestCerts, skipWithoutEtcd, startRealEtcd } from "../helpers/index.js";
import type { RealEtcd, TestCerts } from "../helpers/index.js";

const skip = skipWithoutEtcd || (hasOpenssl() ? false : "openssl not installed");

describe("clients over TLS", { skip }, () => {
  let certs: TestCerts;
  let etcd: RealEtcd;

  before(async () => {
    certs = makeTestCerts();
    etcd = await startRealEtcd({
      enableV2: true,
      tls: {
        cert: certs.serverCert,
        key: certs.serverKey,
        ca: certs.caCert,
        clientCertAuth: true,
        clientCert: certs.clientCert,
        clientKey: certs.clientKey,
      },
    });
  });
  after(async () => {
    await etcd?.stop();
    certs?.cleanup();
  });

  test("v3 with CA and client certificate, to an https:// and a host:port endpoint", async () => {
    for (const endpoint of [etcd.clientUrl, etcd.endpoint]) {
      const c = new EtcdClient({
        endpoints: [endpoint],
        cacert: certs.caCert,
        cert: certs.clientCert,
        key: certs.clientKey,
      });
      try {
        await c.kv.put({ key: Buffer.from("tls"), value: Buffer.from("yes") });
        assert.equal((await c.kv.range({ key: Buffer.from("tls") })).count, 1n);
      } finally {
        c.close();
      }
    }
  });

  test("v3 with insecureSkipTlsVerify (no CA) still presents the client certificate", async () => {
    const c = new EtcdClient({
      endpoints: [etcd.clientUrl],
      insecureSkipTlsVerify: true,
      cert: certs.clientCert,
      key: certs.clientKey,
    });
    try {
      assert.equal((await c.kv.range({ key: Buffer.from("tls") })).count, 1n);
    } finally {
      c.close();
    }
  });

  test("v3 without the CA cannot connect", async () => {
    const c = new EtcdClient({
      endpoints: [etcd.clientUrl],
      commandTimeoutMs: 800,
      dialTimeoutMs: 300,
    });
    try {
      await assert.rejects(c.kv.range({ key: Buffer.from("tls") }), {
        message: "context deadline exceeded",
      });
    } finally {
      c.close();
    }
  });

  test("v2 over https", async () => {
    const c = new V2Client({
      endpoints: [etcd.clientUrl],
      cacert: certs.caCert,
      cert: certs.clientCert,
      key: certs.clientKey,
    });
    try {
      assert.equal((await c.set("/tls", "v")).node?.value, "v");
      assert.equal(await c.health(), true);
    } finally {
      c.close();
    }
  });
});
