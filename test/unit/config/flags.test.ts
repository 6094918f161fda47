import { test } from "node:test";
import assert from "node:assert/strict";
import { FlagSyntaxError, parseGoFlags, parseGoInteger } from "../../../src/config/flags.js";
import type { FlagDef } from "../../../src/config/flags.js";
import { SERVER_FLAGS } from "../../../src/config/definitions.js";

const defs: FlagDef[] = [
  { name: "name", kind: "string", initial: "default" },
  { name: "on", kind: "bool", initial: false },
  { name: "n", kind: "uint", initial: 1 },
  { name: "d", kind: "duration", initial: 0 },
  { name: "state", kind: "enum", initial: "new", valids: ["new", "existing"] },
  { name: "urls", kind: "urls", initial: ["http://localhost:2380"] },
  { name: "snapshot", kind: "ignored", initial: "" },
];

function syntaxError(args: string[]): string {
  try {
    parseGoFlags(defs, args);
  } catch (err) {
    assert.ok(err instanceof FlagSyntaxError);
    return err.message;
  }
  assert.fail("expected a FlagSyntaxError");
}

test("Go flag forms: -x v, --x=v, -x=v, bare booleans", () => {
  const p = parseGoFlags(defs, ["-name", "a", "--n=7", "-d=1.5s", "--on", "--state", "existing"]);
  assert.equal(p.values.get("name"), "a");
  assert.equal(p.values.get("n"), 7);
  assert.equal(p.values.get("d"), 1500);
  assert.equal(p.values.get("on"), true);
  assert.equal(p.values.get("state"), "existing");
  assert.deepEqual([...p.set], ["name", "n", "d", "on", "state"]);
  assert.equal(parseGoFlags(defs, ["--on=false"]).values.get("on"), false);
});

test("a bool flag does not take the next argument", () => {
  const p = parseGoFlags(defs, ["--on", "false"]);
  assert.equal(p.values.get("on"), true);
  assert.deepEqual(p.rest, ["false"]);
});

test("parsing stops at the first non-flag and after --", () => {
  assert.deepEqual(parseGoFlags(defs, ["--on", "x", "--n=2"]).rest, ["x", "--n=2"]);
  assert.deepEqual(parseGoFlags(defs, ["--", "--n=2"]).rest, ["--n=2"]);
  assert.deepEqual(parseGoFlags(defs, ["-", "--n=2"]).rest, ["-", "--n=2"]);
});

test("a string flag takes the next argument even if it starts with -", () => {
  assert.equal(parseGoFlags(defs, ["--name", "-x"]).values.get("name"), "-x");
});

test("Go's error texts", () => {
  assert.equal(syntaxError(["--bogus-flag"]), "flag provided but not defined: -bogus-flag");
  assert.equal(syntaxError(["--name"]), "flag needs an argument: -name");
  assert.equal(syntaxError(["---x"]), "bad flag syntax: ---x");
  assert.equal(syntaxError(["--n=abc"]), 'invalid value "abc" for flag -n: parse error');
  assert.equal(syntaxError(["--n=-1"]), 'invalid value "-1" for flag -n: parse error');
  assert.equal(syntaxError(["--d=5"]), 'invalid value "5" for flag -d: parse error');
  assert.equal(syntaxError(["--state=bad"]), 'invalid value "bad" for flag -state: invalid value');
  assert.equal(syntaxError(["--on=maybe"]), 'invalid boolean value "maybe" for -on: parse error');
  assert.equal(
    syntaxError(["--urls=foo"]),
    'invalid value "foo" for flag -urls: URL scheme must be http, https, unix, or unixs: foo',
  );
});

test("help and ignored legacy flags", () => {
  assert.equal(parseGoFlags(defs, ["-h"]).help, true);
  assert.equal(parseGoFlags(defs, ["--help"]).help, true);
  const p = parseGoFlags(defs, ["--snapshot", "--snapshot=1"]);
  assert.deepEqual(p.ignoredSeen, ["snapshot", "snapshot"]);
  try {
    parseGoFlags(defs, ["--snapshot", "--bogus"]);
    assert.fail();
  } catch (err) {
    assert.deepEqual((err as FlagSyntaxError).ignoredSeen, ["snapshot"]);
  }
});

test("URL lists are checked and sorted", () => {
  const p = parseGoFlags(defs, ["--urls", "http://b:2,http://a:1"]);
  assert.deepEqual(p.values.get("urls"), ["http://a:1", "http://b:2"]);
});

test("strconv base-0 integers", () => {
  const parse = (s: string, signed = false, bits = 64) =>
    parseGoInteger(s, signed, bits, "syntax", "range");
  assert.equal(parse("0x10"), 16n);
  assert.equal(parse("010"), 8n);
  assert.equal(parse("0b101"), 5n);
  assert.equal(parse("0x_1_0"), 16n);
  assert.equal(parse("-5", true), -5n);
  assert.throws(() => parse("1_000"), /syntax/);
  assert.throws(() => parse("4294967296", false, 32), /range/);
  assert.throws(() => parse(""), /syntax/);
});

test("every etcd 3.4 flag is defined", () => {
  const names = new Set(SERVER_FLAGS.map((d) => d.name));
  for (const n of [
    "name",
    "data-dir",
    "wal-dir",
    "snapshot-count",
    "heartbeat-interval",
    "election-timeout",
    "initial-election-tick-advance",
    "listen-peer-urls",
    "listen-client-urls",
    "max-snapshots",
    "max-wals",
    "quota-backend-bytes",
    "backend-batch-interval",
    "backend-batch-limit",
    "max-txn-ops",
    "max-request-bytes",
    "max-concurrent-streams",
    "grpc-keepalive-min-time",
    "grpc-keepalive-interval",
    "grpc-keepalive-timeout",
    "initial-advertise-peer-urls",
    "initial-cluster",
    "initial-cluster-state",
    "initial-cluster-token",
    "advertise-client-urls",
    "discovery",
    "discovery-fallback",
    "discovery-proxy",
    "discovery-srv",
    "discovery-srv-name",
    "strict-reconfig-check",
    "pre-vote",
    "auto-compaction-retention",
    "auto-compaction-mode",
    "enable-v2",
    "cert-file",
    "key-file",
    "client-cert-auth",
    "client-crl-file",
    "client-cert-allowed-hostname",
    "trusted-ca-file",
    "auto-tls",
    "peer-cert-file",
    "peer-key-file",
    "peer-client-cert-auth",
    "peer-trusted-ca-file",
    "peer-cert-allowed-cn",
    "peer-cert-allowed-hostname",
    "peer-auto-tls",
    "peer-crl-file",
    "cipher-suites",
    "cors",
    "host-whitelist",
    "auth-token",
    "bcrypt-cost",
    "auth-token-ttl",
    "enable-pprof",
    "metrics",
    "listen-metrics-urls",
    "logger",
    "log-outputs",
    "log-output",
    "log-level",
    "debug",
    "log-package-levels",
    "proxy",
    "proxy-failure-wait",
    "proxy-refresh-interval",
    "proxy-dial-timeout",
    "proxy-write-timeout",
    "proxy-read-timeout",
    "experimental-initial-corrupt-check",
    "experimental-corrupt-check-time",
    "experimental-enable-v2v3",
    "experimental-backend-bbolt-freelist-type",
    "experimental-enable-lease-checkpoint",
    "experimental-enable-lease-checkpoint-persist",
    "experimental-compaction-batch-limit",
    "experimental-peer-skip-client-san-verification",
    "experimental-watch-progress-notify-interval",
    "experimental-warning-apply-duration",
    "enable-grpc-gateway",
    "unsafe-no-fsync",
    "force-new-cluster",
    "version",
    "config-file",
    "snapshot",
    "v",
    "peer-election-timeout",
  ]) {
    assert.ok(names.has(n), n);
  }
});
