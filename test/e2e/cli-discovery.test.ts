// --discovery-srv: endpoints from SRV records (https for -ssl, http otherwise), the optional
// service-name suffix, dropping insecure ones without --insecure-discovery, lookup errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { discoverEndpoints } from "../../commands/v3/discovery.js";
import type { GlobalOptions } from "../../commands/v3/globals.js";

const base: GlobalOptions = {
  endpoints: ["127.0.0.1:2379"],
  dialTimeoutMs: 2000,
  commandTimeoutMs: 5000,
  keepaliveTimeMs: 2000,
  keepaliveTimeoutMs: 6000,
  insecureTransport: true,
  insecureSkipTlsVerify: false,
  insecureDiscovery: true,
  hex: false,
  writeOut: "simple",
  debug: false,
};

const records: Record<string, { name: string; port: number }[]> = {
  "_etcd-client-ssl._tcp.example.com": [{ name: "a.example.com.", port: 2379 }],
  "_etcd-client._tcp.example.com": [{ name: "b.example.com.", port: 2379 }],
  "_etcd-client-prod._tcp.example.com": [{ name: "c.example.com.", port: 2380 }],
};
const resolver = async (name: string) => {
  const r = records[name];
  if (r === undefined) throw new Error("queryNotFound");
  return r;
};

test("no --discovery-srv: nothing discovered", async () => {
  assert.deepEqual(await discoverEndpoints(base, resolver), []);
});

test("ssl and plain records", async () => {
  const eps = await discoverEndpoints({ ...base, discoverySrv: "example.com" }, resolver);
  assert.deepEqual(eps, ["https://a.example.com:2379", "http://b.example.com:2379"]);
});

test("service name suffix", async () => {
  const g = { ...base, discoverySrv: "example.com", discoverySrvName: "prod" };
  assert.deepEqual(await discoverEndpoints(g, resolver), ["http://c.example.com:2380"]);
});

test("--insecure-discovery=false drops http endpoints with a warning", async () => {
  const warnings: string[] = [];
  const g = { ...base, discoverySrv: "example.com", insecureDiscovery: false };
  assert.deepEqual(await discoverEndpoints(g, resolver, (l) => warnings.push(l)), [
    "https://a.example.com:2379",
  ]);
  assert.deepEqual(warnings, [
    'ignoring discovered insecure endpoint "http://b.example.com:2379"\n',
  ]);
});

test("both lookups failing is an error", async () => {
  await assert.rejects(
    discoverEndpoints({ ...base, discoverySrv: "nowhere.test" }, resolver),
    /^Error: dns lookup errors: /,
  );
});
