import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatInitialCluster,
  parseInitialCluster,
  verifyBootstrap,
} from "../../../src/config/initial-cluster.js";
import type { BootstrapCheckInput } from "../../../src/config/initial-cluster.js";

test("parses name=url pairs; a name may repeat", () => {
  const c = parseInitialCluster(
    "b=http://10.0.0.2:2380,a=http://10.0.0.1:2381,a=http://10.0.0.1:2380",
  );
  assert.deepEqual(
    [...c.entries()],
    [
      ["b", ["http://10.0.0.2:2380"]],
      ["a", ["http://10.0.0.1:2380", "http://10.0.0.1:2381"]],
    ],
  );
  assert.equal(
    formatInitialCluster(c),
    "a=http://10.0.0.1:2380,a=http://10.0.0.1:2381,b=http://10.0.0.2:2380",
  );
  assert.throws(
    () => parseInitialCluster("a=foo"),
    /URL scheme must be http, https, unix, or unixs: foo/,
  );
  assert.equal(parseInitialCluster("").size, 0);
});

const base: BootstrapCheckInput = {
  name: "default",
  initialCluster: "default=http://localhost:2380",
  initialAdvertisePeerUrls: ["http://localhost:2380"],
  discovery: "",
  initialClusterState: "new",
};
const noDns = async (host: string): Promise<string> => {
  if (host === "peer.example") return "10.1.1.1";
  throw new Error(`lookup ${host}: no such host`);
};

test("the default configuration bootstraps", async () => {
  assert.equal(await verifyBootstrap(base, noDns), undefined);
});

// Texts captured from real etcd 3.4.23.
test("own name missing", async () => {
  assert.equal(
    await verifyBootstrap({ ...base, initialCluster: "foo=http://localhost:2380" }, noDns),
    'couldn\'t find local name "default" in the initial cluster configuration',
  );
});

test("own URLs differ from the advertised ones", async () => {
  assert.equal(
    await verifyBootstrap({ ...base, initialCluster: "default=http://localhost:2381" }, noDns),
    '--initial-cluster has default=http://localhost:2381 but missing from --initial-advertise-peer-urls=http://localhost:2380 (resolved urls: "http://localhost:2380" != "http://localhost:2381")',
  );
  assert.equal(
    await verifyBootstrap(
      { ...base, initialCluster: "default=http://localhost:2380,default=http://localhost:2381" },
      noDns,
    ),
    '--initial-cluster has default=http://localhost:2381 but missing from --initial-advertise-peer-urls=http://localhost:2380 (len(["http://localhost:2380"]) != len(["http://localhost:2380" "http://localhost:2381"]))',
  );
  assert.equal(
    await verifyBootstrap(
      { ...base, initialAdvertisePeerUrls: ["http://localhost:2380", "http://localhost:2381"] },
      noDns,
    ),
    "--initial-advertise-peer-urls has http://localhost:2381 but missing from --initial-cluster=default=http://localhost:2380,default=http://localhost:2381",
  );
});

test("host names are resolved before comparing", async () => {
  assert.equal(
    await verifyBootstrap(
      {
        ...base,
        initialCluster: "default=http://peer.example:2380",
        initialAdvertisePeerUrls: ["http://10.1.1.1:2380"],
      },
      noDns,
    ),
    undefined,
  );
  const unresolvable = await verifyBootstrap(
    {
      ...base,
      initialCluster: "default=http://nowhere.invalid:2380",
      initialAdvertisePeerUrls: ["http://10.1.1.1:2380"],
    },
    noDns,
  );
  assert.match(
    unresolvable!,
    /^--initial-cluster has default=http:\/\/nowhere\.invalid:2380 but missing from .*failed to resolve "http:\/\/nowhere\.invalid:2380"/,
  );
});

test("duplicate URLs and joining an existing cluster", async () => {
  assert.equal(
    await verifyBootstrap(
      { ...base, initialCluster: "default=http://localhost:2380,other=http://localhost:2380" },
      noDns,
    ),
    "initial cluster default=http://localhost:2380,other=http://localhost:2380 has duplicate url",
  );
  assert.equal(
    await verifyBootstrap(
      { ...base, initialClusterState: "existing", discovery: "http://d:1/x" },
      noDns,
    ),
    "discovery URL should not be set when joining existing initial cluster",
  );
});
