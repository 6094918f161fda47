// DNS SRV discovery with an injected resolver.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { SrvRecord } from "node:dns";
import { discoverSrv, srvName } from "../../../src/client/srv.js";

const rec = (name: string, port: number, priority = 0, weight = 0): SrvRecord => ({
  name,
  port,
  priority,
  weight,
});

test("srvName adds -ssl for https and the optional service name", () => {
  assert.equal(srvName("etcd-client", "https", "example.com"), "_etcd-client-ssl._tcp.example.com");
  assert.equal(
    srvName("etcd-client", "http", "example.com", "x"),
    "_etcd-client-x._tcp.example.com",
  );
  assert.equal(srvName("etcd-server", "https", "d", "x"), "_etcd-server-ssl-x._tcp.d");
});

test("https records come first, each sorted by priority then weight", async () => {
  const zone: Record<string, SrvRecord[]> = {
    "_etcd-client-ssl._tcp.d": [rec("b.d.", 2379, 10), rec("a.d.", 2379, 0)],
    "_etcd-client._tcp.d": [rec("c.d.", 2380, 0, 1), rec("e.d.", 2381, 0, 5)],
  };
  const found = await discoverSrv("d", {
    resolve: async (name) => {
      const r = zone[name];
      if (r === undefined) throw Object.assign(new Error("nx"), { code: "ENOTFOUND" });
      return r;
    },
  });
  assert.deepEqual(found.endpoints, [
    "https://a.d.:2379",
    "https://b.d.:2379",
    "http://e.d.:2381",
    "http://c.d.:2380",
  ]);
});

test("one failing lookup is fine; both failing is an error naming both", async () => {
  const onlyHttp = await discoverSrv("d", {
    resolve: async (name) => {
      if (name.includes("-ssl")) throw Object.assign(new Error("nx"), { code: "ENOTFOUND" });
      return [rec("h.d", 2379)];
    },
  });
  assert.deepEqual(onlyHttp.endpoints, ["http://h.d:2379"]);
  await assert.rejects(
    discoverSrv("nowhere", {
      resolve: async () => {
        throw Object.assign(new Error("nx"), { code: "ENOTFOUND" });
      },
    }),
    (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(
        err.message,
        /^dns lookup errors: lookup _etcd-client-ssl\._tcp\.nowhere( on \S+:53)?: no such host and lookup _etcd-client\._tcp\.nowhere( on \S+:53)?: no such host$/,
      );
      return true;
    },
  );
});
