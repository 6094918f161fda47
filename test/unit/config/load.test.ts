import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  applyDefaultHost,
  loadServerConfig,
  printConfigOutputs,
  versionText,
} from "../../../src/config/load.js";
import type { Env, LoadResult } from "../../../src/config/load.js";

/** Renders what the command would print, timestamps replaced by TS. */
function render(r: LoadResult): { stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  printConfigOutputs(
    r.outputs,
    { stdout: { write: (l) => void (stdout += l) }, stderr: { write: (l) => void (stderr += l) } },
    () => Date.UTC(2026, 0, 2, 3, 4, 5, 6),
  );
  stderr = stderr
    .replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} /gm, "TS ")
    .replace(/"ts":"[^"]*"/g, '"ts":X');
  return { stdout, stderr };
}

function load(args: string[], env: Env = {}): LoadResult {
  return loadServerConfig(args, env);
}

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "tsctl-config-"));
  const path = join(dir, "etcd.yml");
  writeFileSync(path, text);
  return path;
}

test("defaults are etcd's", () => {
  const r = load([]);
  assert.equal(r.exitCode, undefined);
  const c = r.config!;
  assert.equal(c.name, "default");
  assert.equal(c.dataDir, "default.etcd");
  assert.equal(c.dataDirDefaulted, true);
  assert.deepEqual(c.listenClientUrls, ["http://localhost:2379"]);
  assert.deepEqual(c.advertiseClientUrls, ["http://localhost:2379"]);
  assert.deepEqual(c.listenPeerUrls, ["http://localhost:2380"]);
  assert.deepEqual(c.initialAdvertisePeerUrls, ["http://localhost:2380"]);
  assert.equal(c.initialCluster, "default=http://localhost:2380");
  assert.equal(c.initialClusterToken, "etcd-cluster");
  assert.equal(c.initialClusterState, "new");
  assert.equal(c.snapshotCount, 100000);
  assert.equal(c.heartbeatIntervalMs, 100);
  assert.equal(c.electionTimeoutMs, 1000);
  assert.equal(c.electionTicks, 10);
  assert.equal(c.maxRequestBytes, 1572864);
  assert.equal(c.maxTxnOps, 128);
  assert.equal(c.maxConcurrentStreams, 4294967295);
  assert.equal(c.grpcKeepaliveMinTimeMs, 5000);
  assert.equal(c.grpcKeepaliveIntervalMs, 7_200_000);
  assert.equal(c.grpcKeepaliveTimeoutMs, 20_000);
  assert.equal(c.quotaBackendBytes, 0);
  assert.equal(c.autoCompactionMode, "periodic");
  assert.equal(c.autoCompactionRetention, "0");
  assert.equal(c.autoCompaction, undefined);
  assert.deepEqual(c.cors, ["*"]);
  assert.deepEqual(c.hostWhitelist, ["*"]);
  assert.equal(c.logger, "zap");
  assert.equal(c.logLevel, "info");
  assert.equal(c.strictReconfigCheck, true);
  assert.equal(c.enableGrpcGateway, true);
  assert.equal(c.experimentalWatchProgressNotifyIntervalMs, 600_000);
  assert.match(
    render(r).stderr,
    /"msg":"'data-dir' was empty; using default","data-dir":"default.etcd"/,
  );
});

test("flags override defaults; data dir follows the name", () => {
  const c = load([
    "--name",
    "m1",
    "--heartbeat-interval=50",
    "--election-timeout",
    "500",
    "--auto-compaction-retention=5m",
  ]).config!;
  assert.equal(c.name, "m1");
  assert.equal(c.dataDir, "m1.etcd");
  assert.equal(c.electionTicks, 10);
  assert.deepEqual(c.autoCompaction, { mode: "periodic", retentionText: "5m", periodMs: 300_000 });
  const rev = load(["--auto-compaction-mode=revision", "--auto-compaction-retention=1000"]).config!;
  assert.deepEqual(rev.autoCompaction, {
    mode: "revision",
    retentionText: "1000",
    revisions: 1000,
  });
  const hours = load(["--auto-compaction-retention=2"]).config!;
  assert.deepEqual(hours.autoCompaction, {
    mode: "periodic",
    retentionText: "2",
    periodMs: 7_200_000,
  });
});

test("--version and --help", () => {
  const v = load(["--version"]);
  assert.equal(v.exitCode, 0);
  assert.equal(render(v).stdout, versionText());
  assert.match(
    versionText(),
    /^etcd Version: 3\.4\.23\nGit SHA: tsctl\nGo Version: node\d+\.\d+\.\d+\nGo OS\/Arch: /,
  );
  const h = load(["-h"]);
  assert.equal(h.exitCode, 0);
  const out = render(h);
  assert.match(out.stderr, /^Usage:/);
  assert.match(out.stdout, /--initial-cluster-state 'new'/);
  assert.match(out.stdout, /--heartbeat-interval '100'/);
});

test("unknown flag: message + usage, exit 2", () => {
  const r = load(["--bogus-flag"]);
  assert.equal(r.exitCode, 2);
  assert.match(render(r).stderr, /^flag provided but not defined: -bogus-flag\nUsage:\n/);
  const bad = load(["--initial-cluster-state=bad"]);
  assert.equal(bad.exitCode, 2);
  assert.match(
    render(bad).stderr,
    /^invalid value "bad" for flag -initial-cluster-state: invalid value\n/,
  );
});

test("positional argument: capnslog error line, exit 1", () => {
  const r = load(["extra-arg"]);
  assert.equal(r.exitCode, 1);
  assert.equal(
    render(r).stderr,
    "TS E | etcdmain: error verifying flags, 'extra-arg' is not a valid flag. See 'etcd --help'.\n",
  );
});

test("validation errors with the zap logger are JSON lines", () => {
  const cases: Array<[string[], string]> = [
    [
      ["--election-timeout=100"],
      "--election-timeout[100ms] should be at least as 5 times as --heartbeat-interval[100ms]",
    ],
    [
      ["--election-timeout=60000"],
      "--election-timeout[60000ms] is too long, and should be set less than 50000ms",
    ],
    [["--heartbeat-interval=0"], "--heartbeat-interval must be >0 (set to 0ms)"],
    [
      ["--listen-peer-urls=http://example.com:2380"],
      "expected IP in URL for binding (http://example.com:2380)",
    ],
    [["--auto-compaction-mode=x"], 'unknown auto-compaction-mode \\"x\\"'],
    [
      ["--initial-cluster=a=http://x:1", "--discovery-srv=foo"],
      'multiple discovery or bootstrap flags are set. Choose one of \\"initial-cluster\\", \\"discovery\\" or \\"discovery-srv\\"',
    ],
    [
      ["--initial-advertise-peer-urls=http://:2380"],
      '--initial-advertise-peer-urls \\"http://:2380\\" must be \\"host:port\\" (unexpected empty host (http://:2380))',
    ],
  ];
  for (const [args, error] of cases) {
    const r = load(args);
    assert.equal(r.exitCode, 1, args.join(" "));
    assert.equal(
      render(r).stderr,
      `{"level":"warn","ts":X,"caller":"etcdmain","msg":"failed to verify flags","error":"${error}"}\n`,
    );
  }
});

test("listen-client-urls without advertise-client-urls", () => {
  const r = load(["--listen-client-urls=http://127.0.0.1:2379"]);
  assert.equal(r.exitCode, 1);
  const lines = render(r).stderr.trim().split("\n");
  assert.equal(lines.length, 2);
  assert.match(
    lines[0]!,
    /"msg":"failed to verify flags","error":"--advertise-client-urls is required when --listen-client-urls is set explicitly"/,
  );
  assert.match(lines[1]!, /"msg":"advertise client URLs are not set"/);
  // capnslog keeps etcd's two text lines.
  const c = load(["--logger=capnslog", "--listen-client-urls=http://127.0.0.1:2379"]);
  assert.equal(
    render(c).stderr,
    "[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead\n" +
      "TS E | etcdmain: error verifying flags, --advertise-client-urls is required when --listen-client-urls is set explicitly. See 'etcd --help'.\n" +
      "TS E | etcdmain: When listening on specific address(es), this etcd process must advertise accessible url(s) to each connected client.\n",
  );
  // A v2 proxy needs no advertise URLs.
  assert.equal(
    load(["--proxy=on", "--listen-client-urls=http://127.0.0.1:2379"]).exitCode,
    undefined,
  );
});

test("unknown logger and log level", () => {
  const r = load(["--logger=bogus"]);
  assert.equal(r.exitCode, 1);
  assert.equal(
    render(r).stderr,
    `TS E | etcdmain: error verifying flags, unknown logger option "bogus". See 'etcd --help'.\n`,
  );
  const l = load(["--log-level=bogus"]);
  assert.equal(l.exitCode, 2);
  assert.equal(render(l).stderr, 'panic: unknown level "bogus"\n');
});

test("discovery clears the default initial cluster", () => {
  const c = load(["--discovery=http://127.0.0.1:1/v2/keys/d/t"]).config!;
  assert.equal(c.initialCluster, "");
  const both = load([
    "--discovery=http://127.0.0.1:1/x",
    "--initial-cluster=default=http://localhost:2380",
  ]);
  assert.equal(both.exitCode, 1);
});

test("env: ETCD_* used and logged, unknown warned, empty not used", () => {
  const r = load([], {
    ETCD_NAME: "m2",
    ETCD_SNAPSHOT_COUNT: "5",
    ETCD_FOO: "x",
    ETCD_DATA_DIR: "",
    PATH: "/bin",
  });
  assert.equal(r.config!.name, "m2");
  assert.equal(r.config!.snapshotCount, 5);
  assert.equal(r.config!.dataDir, "m2.etcd");
  const err = render(r).stderr;
  assert.match(
    err,
    /^TS I \| pkg\/flags: recognized and used environment variable ETCD_NAME=m2\nTS I \| pkg\/flags: recognized and used environment variable ETCD_SNAPSHOT_COUNT=5\nTS W \| pkg\/flags: unrecognized environment variable ETCD_FOO=x\n/,
  );
  // An empty variable is not used, so etcd calls it unrecognized.
  assert.match(err, /W \| pkg\/flags: unrecognized environment variable ETCD_DATA_DIR=\n/);
});

test("env: flag and env both set is fatal", () => {
  const r = load(["--name=m3"], { ETCD_NAME: "m2" });
  assert.equal(r.exitCode, 1);
  assert.equal(
    render(r).stderr,
    'TS C | pkg/flags: conflicting environment variable "ETCD_NAME" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)\n',
  );
});

test("env: bad values and env-set listen URLs", () => {
  const r = load([], { ETCD_HEARTBEAT_INTERVAL: "x" });
  assert.equal(r.exitCode, 1);
  assert.equal(
    render(r).stderr,
    `TS E | etcdmain: error verifying flags, invalid value "x" for ETCD_HEARTBEAT_INTERVAL: parse error. See 'etcd --help'.\n`,
  );
  const l = load([], { ETCD_LISTEN_CLIENT_URLS: "http://127.0.0.1:2379" });
  assert.equal(l.exitCode, 1);
  assert.match(render(l).stderr, /--advertise-client-urls is required/);
});

test("YAML: keys are flag names, TLS sections, URL strings, nanosecond durations", () => {
  const path = yamlFile(
    [
      "name: y1",
      "data-dir: /tmp/y1",
      "listen-client-urls: http://127.0.0.1:3379,http://127.0.0.1:3378",
      "advertise-client-urls: http://127.0.0.1:3379",
      "grpc-keepalive-min-time: 1000000000",
      "initial-cluster: y1=http://localhost:2380",
      "client-transport-security:",
      "  cert-file: /c.pem",
      "  client-cert-auth: true",
      "peer-transport-security:",
      "  auto-tls: true",
      "log-outputs: [stderr]",
      "enable-v2: yes",
      "auto-compaction-retention: '1'",
      "proxy-failure-wait: 7",
    ].join("\n"),
  );
  const r = load(["--config-file", path, "--name=ignored"], { ETCD_NAME: "also-ignored" });
  assert.equal(r.exitCode, undefined, render(r).stderr);
  const c = r.config!;
  assert.equal(c.configFile, path);
  assert.equal(c.name, "y1");
  assert.equal(c.dataDir, "/tmp/y1");
  assert.deepEqual(c.listenClientUrls, ["http://127.0.0.1:3378", "http://127.0.0.1:3379"]);
  assert.equal(c.grpcKeepaliveMinTimeMs, 1000);
  assert.equal(c.clientTls.certFile, "/c.pem");
  assert.equal(c.clientTls.clientCertAuth, true);
  assert.equal(c.peerTls.autoTls, true);
  assert.deepEqual(c.logOutputs, ["stderr"]);
  assert.equal(c.enableV2, true);
  assert.equal(c.proxyFailureWaitMs, 7);
  assert.match(
    render(r).stderr,
    /"msg":"loaded server configuration, other configuration command line flags and environment variables will be ignored if provided","path":/,
  );
});

test("YAML: etcd's unmarshal errors (first key in sorted order wins)", () => {
  const cases: Array<[string, string]> = [
    [
      "grpc-keepalive-min-time: 5s\n",
      "json: cannot unmarshal string into Go struct field configYAML.grpc-keepalive-min-time of type time.Duration",
    ],
    [
      "name: 123\nauto-compaction-retention: 1\n",
      "json: cannot unmarshal number into Go struct field configYAML.auto-compaction-retention of type string",
    ],
    [
      "heartbeat-interval: 1.5\n",
      "json: cannot unmarshal number 1.5 into Go struct field configYAML.heartbeat-interval of type uint",
    ],
    [
      "enable-v2: 'yes'\n",
      "json: cannot unmarshal string into Go struct field configYAML.enable-v2 of type bool",
    ],
    [
      "log-outputs: stderr\n",
      "json: cannot unmarshal string into Go struct field configYAML.log-outputs of type []string",
    ],
  ];
  for (const [text, error] of cases) {
    const path = yamlFile(text);
    const r = load(["--config-file", path]);
    assert.equal(r.exitCode, 1, text);
    assert.equal(
      render(r).stderr,
      `TS I | etcdmain: Loading server configuration from ${JSON.stringify(path)}. Other configuration command line flags and environment variables will be ignored if provided.\n` +
        `TS E | etcdmain: error verifying flags, error unmarshaling JSON: while decoding JSON: ${error}. See 'etcd --help'.\n`,
    );
  }
});

test("YAML: bad URL text, validation, missing file, ETCD_CONFIG_FILE", () => {
  const bad = load(["--config-file", yamlFile("listen-client-urls: foo\n")]);
  assert.equal(bad.exitCode, 1);
  assert.equal(
    render(bad).stderr,
    "unexpected error setting up listen-client-urls: URL scheme must be http, https, unix, or unixs: foo\n",
  );
  const invalid = load(["--config-file", yamlFile("logger: zap\nelection-timeout: 10\n")]);
  assert.equal(invalid.exitCode, 1);
  assert.match(
    render(invalid).stderr,
    /TS E \| etcdmain: error verifying flags, --election-timeout\[10ms\] should be/,
  );
  const missing = load(["--config-file", "/nonexistent/x.yml"]);
  assert.match(
    render(missing).stderr,
    /open \/nonexistent\/x\.yml: no such file or directory\. See 'etcd --help'\./,
  );
  // listen-client-urls alone is fine in YAML: the default advertise URL stays.
  const lc = load([], {
    ETCD_CONFIG_FILE: yamlFile("listen-client-urls: http://127.0.0.1:2379\n"),
  });
  assert.equal(lc.exitCode, undefined);
  assert.deepEqual(lc.config!.advertiseClientUrls, ["http://localhost:2379"]);
});

test("ignored legacy flags warn and do nothing", () => {
  const r = load(["--snapshot", "--peer-election-timeout=5"]);
  assert.equal(r.exitCode, undefined);
  assert.match(
    render(r).stderr,
    /^TS W \| pkg\/flags: flag "-snapshot" is no longer supported - ignoring\.\nTS W \| pkg\/flags: flag "-peer-election-timeout" is no longer supported - ignoring\.\n/,
  );
});

test("deprecated --log-output: warned, taken over, or refused as etcd does", () => {
  const warned = load(["--log-output=stderr"]);
  assert.equal(warned.exitCode, undefined);
  assert.match(
    render(warned).stderr,
    /^\[WARNING\] Deprecated '--log-output' flag is set to \["stderr"\]\nPlease use '--log-outputs' flag\n/,
  );
  assert.deepEqual(warned.config!.logOutputs, ["default"]);
  const taken = load(["--log-output=stderr,stdout"]);
  assert.deepEqual(taken.config!.logOutputs, ["stderr", "stdout"]);
  assert.match(
    render(taken).stderr,
    /^'--log-output' flag has been deprecated! Please use '--log-outputs'!\n/,
  );
  const both = load(["--log-output=stderr", "--log-outputs=stderr"]);
  assert.equal(both.exitCode, 1);
  assert.match(
    render(both).stderr,
    /error verifying flags, '--log-output=\["stderr"\]' and '--log-outputs=\["stderr"\]' are incompatible; only set --log-outputs\./,
  );
});

test("log lines after logger setup go to --log-outputs", () => {
  const r = load(["--log-outputs=stdout", "--election-timeout=1"]);
  assert.equal(r.exitCode, 1);
  assert.deepEqual(r.logOutputs, ["stdout"]);
  let stdout = "";
  let stderr = "";
  printConfigOutputs(r.outputs, {
    stdout: { write: (l) => void (stdout += l) },
    stderr: { write: (l) => void (stderr += l) },
    configured: [{ write: (l) => void (stdout += l) }],
  });
  assert.equal(stderr, "");
  assert.match(stdout, /"msg":"failed to verify flags"/);
});

test("a named member with the default --initial-cluster bootstraps as name=advertised URLs", () => {
  assert.equal(load(["--name=m1"]).config!.initialCluster, "m1=http://localhost:2380");
  assert.equal(
    load(["--name=m1", "--initial-advertise-peer-urls=http://127.0.0.1:7001,http://127.0.0.1:7002"])
      .config!.initialCluster,
    "m1=http://127.0.0.1:7001,m1=http://127.0.0.1:7002",
  );
  assert.equal(
    load(["--name=m1", "--initial-cluster=m1=http://10.0.0.1:2380"]).config!.initialCluster,
    "m1=http://10.0.0.1:2380",
  );
  // The default name keeps the default cluster even with other advertised URLs (etcd then
  // refuses to bootstrap, see verifyBootstrap).
  assert.equal(
    load(["--initial-advertise-peer-urls=http://127.0.0.1:7001"]).config!.initialCluster,
    "default=http://localhost:2380",
  );
});

test("listening on 0.0.0.0 with default advertise URLs advertises the detected host", () => {
  const cfg = load(["--name=n"]).config!;
  cfg.listenPeerUrls = ["http://0.0.0.0:2390"];
  cfg.initialAdvertisePeerUrls = ["http://localhost:2380"];
  cfg.initialCluster = "default=http://localhost:2380";
  const used = applyDefaultHost(cfg, "default=http://localhost:2380", () => "10.1.2.3");
  assert.equal(used, "10.1.2.3");
  assert.deepEqual(cfg.initialAdvertisePeerUrls, ["http://10.1.2.3:2390"]);
  assert.equal(cfg.initialCluster, "n=http://10.1.2.3:2390");
  assert.deepEqual(cfg.advertiseClientUrls, ["http://localhost:2379"]);
  const none = load(["--listen-peer-urls=http://127.0.0.1:2390"]).config!;
  assert.equal(
    applyDefaultHost(none, "x", () => "10.1.2.3"),
    undefined,
  );
  assert.deepEqual(none.initialAdvertisePeerUrls, ["http://localhost:2380"]);
});
