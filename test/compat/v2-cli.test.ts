// etcdctl v2 mode, side by side: every row runs through the real etcdctl and through tsctl (both
// with ETCDCTL_API=2) against the same real etcd 3.4 started with --enable-v2, each tool under
// its own key prefix and user/role names, and stdout, stderr and exit codes must be identical
// once digits (indexes, ids, times) are masked. Needs `npm run build`.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import {
  ETCDCTL_BIN,
  hasOpenssl,
  makeTestCerts,
  REPO_ROOT,
  runCli,
  skipWithoutEtcd,
  startRealEtcd,
} from "../helpers/index.js";
import type { CliResult, RealEtcd, TestCerts } from "../helpers/index.js";

type Tool = "etcdctl" | "tsctl";
/**
 * `P` in args/input is replaced by the tool's token: `v2e` (etcdctl) or `v2t` (tsctl); `@URL@` by
 * the v2 server's client URL and `@CA@`, `@CERT@`, `@KEY@` by the TLS files.
 */
interface Row {
  args: string[];
  input?: string;
  /** Use this server instead of the v2 one (ETCDCTL_ENDPOINTS). */
  server?: "v2" | "nov2" | "none" | "tls" | "silent";
  /** Extra environment (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  /** Compare stdout and exit code only (etcdctl's password prompt runs stty, which complains). */
  stdoutOnly?: boolean;
}

const TOKEN: Record<Tool, string> = { etcdctl: "v2e", tsctl: "v2t" };

function mask(text: string, tool: Tool): string {
  return text.replaceAll(TOKEN[tool], "v2X").replace(/\d+/g, "N");
}

let etcd: RealEtcd;
let noV2: RealEtcd;
let tlsEtcd: RealEtcd;
let certs: TestCerts;
/** Accepts connections and never answers: for the header and total timeouts. */
let silent: net.Server;
let silentUrl: string;

function endpointFor(row: Row): string {
  if (row.server === "nov2") return noV2.clientUrl;
  if (row.server === "none") return "http://127.0.0.1:1";
  if (row.server === "tls") return tlsEtcd.clientUrl;
  if (row.server === "silent") return silentUrl;
  return etcd.clientUrl;
}

async function runRow(tool: Tool, row: Row): Promise<CliResult> {
  const sub = (s: string): string =>
    s
      .replaceAll("P", TOKEN[tool])
      .replaceAll("@URL@", etcd.clientUrl)
      .replaceAll("@CA@", certs.caCert)
      .replaceAll("@CERT@", certs.clientCert)
      .replaceAll("@KEY@", certs.clientKey);
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(row.env ?? {})) env[k] = v === undefined ? v : sub(v);
  return runCli(tool, row.args.map(sub), {
    env: { ETCDCTL_API: "2", ETCDCTL_ENDPOINTS: endpointFor(row), ...env },
    ...(row.input !== undefined ? { input: sub(row.input) } : {}),
  });
}

/** Runs the rows for etcdctl, then for tsctl, and compares them row by row. */
async function compareRows(rows: Row[]): Promise<void> {
  const results: Record<Tool, CliResult[]> = { etcdctl: [], tsctl: [] };
  for (const tool of ["etcdctl", "tsctl"] as const) {
    for (const row of rows) results[tool].push(await runRow(tool, row));
  }
  rows.forEach((row, i) => {
    const e = results.etcdctl[i];
    const t = results.tsctl[i];
    assert.ok(e !== undefined && t !== undefined);
    const label = row.args.join(" ");
    if (row.stdoutOnly) {
      assert.deepEqual(
        { out: mask(t.stdout, "tsctl"), code: t.code },
        { out: mask(e.stdout, "etcdctl"), code: e.code },
        label,
      );
      return;
    }
    assert.deepEqual(
      { out: mask(t.stdout, "tsctl"), err: mask(t.stderr, "tsctl"), code: t.code },
      { out: mask(e.stdout, "etcdctl"), err: mask(e.stderr, "etcdctl"), code: e.code },
      label,
    );
  });
}

const r = (...args: string[]): Row => ({ args });

const skip = skipWithoutEtcd || (hasOpenssl() ? false : "openssl not installed");

describe("etcdctl v2 vs tsctl v2 against real etcd", { skip }, () => {
  before(async () => {
    silent = net.createServer((socket) => socket.on("data", () => {}));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    certs = makeTestCerts();
    const tls = {
      cert: certs.serverCert,
      key: certs.serverKey,
      ca: certs.caCert,
      clientCertAuth: true,
      clientCert: certs.clientCert,
      clientKey: certs.clientKey,
    };
    [etcd, noV2, tlsEtcd] = await Promise.all([
      startRealEtcd({ enableV2: true }),
      startRealEtcd(),
      startRealEtcd({ enableV2: true, tls }),
    ]);
  });
  after(async () => {
    await Promise.all([etcd?.stop(), noV2?.stop(), tlsEtcd?.stop()]);
    certs?.cleanup();
    silent?.close();
    // Open sockets to the silent server belong to exited CLIs; drop whatever is left.
    silent?.unref();
  });

  test("help, version and usage errors", async () => {
    await compareRows([
      r("--help"),
      r("-h"),
      r("help"),
      r("help", "get"),
      r("help", "member"),
      r("help", "nope"),
      r("-v"),
      r("--version"),
      r("set", "--help"),
      r("ls", "-h"),
      r("rm", "--help"),
      r("watch", "--help"),
      r("exec-watch", "--help"),
      r("mk", "--help"),
      r("cluster-health", "--help"),
      r("backup", "--help"),
      r("member"),
      r("member", "--help"),
      r("member", "list", "--help"),
      r("member", "help", "add"),
      r("member", "nope"),
      r("user"),
      r("user", "grant", "--help"),
      r("role", "grant", "-h"),
      r("auth"),
      r("nope"),
      r("--bogus", "get", "/P/a"),
      r("-o"),
      r("--timeout", "abc", "get", "/P/a"),
      r("--no-sync=maybe", "get", "/P/a"),
      r("set", "--bogus", "/P/a", "v"),
      r("set", "--ttl", "abc", "/P/a", "v"),
      r("set", "--swap-with-index", "x", "/P/a", "v"),
      r("member", "list", "--bogus"),
      r("member", "--bogus"),
    ]);
  });

  test("set, get, mk, update in every output format", async () => {
    await compareRows([
      r("set", "/P/a", "hello"),
      r("set", "/P/a", "hello2"),
      r("-o", "extended", "set", "/P/a", "hello3"),
      r("-o", "json", "set", "/P/a", "<hello&4>"),
      r("get", "/P/a"),
      r("-o", "extended", "get", "/P/a"),
      r("-o", "json", "get", "/P/a"),
      r("get", "--quorum", "/P/a"),
      r("-o", "xml", "get", "/P/a"),
      r("get", "/P/nokey"),
      r("-o", "json", "get", "/P/nokey"),
      r("get"),
      r("get", "/P"),
      r("set", "/P/a/b", "x"),
      r("set"),
      r("set", "/P/novalue"),
      { args: ["set", "/P/stdin"], input: "from stdin" },
      r("set", "--", "/P/neg", "-neg"),
      r("get", "/P/neg"),
      r("set", "/P/neg", "-neg2"),
      r("mk", "/P/a", "x"),
      r("mk", "/P/new", "fresh"),
      r("-o", "extended", "mk", "/P/new2", "fresh"),
      r("update", "/P/zz", "v"),
      r("update", "/P/new", "updated"),
      r("-o", "json", "update", "/P/new", "again"),
      r("set", "--ttl", "100", "/P/ttl", "v"),
      r("set", "/P/ttl2", "v", "--ttl", "50"),
      r("-o", "extended", "get", "/P/ttl"),
      r("-o", "json", "update", "--ttl", "200", "/P/ttl", "w"),
    ]);
  });

  test("compare-and-swap and compare-and-delete", async () => {
    await compareRows([
      r("set", "/P/c", "one"),
      r("set", "--swap-with-value", "one", "/P/c", "two"),
      r("set", "--swap-with-value", "one", "/P/c", "three"),
      r("set", "--swap-with-index", "1", "/P/c", "three"),
      r("set", "--swap-with-index", "1", "--swap-with-value", "x", "/P/c", "three"),
      r("-o", "json", "set", "--swap-with-value", "two", "/P/c", "three"),
      r("-o", "extended", "set", "--swap-with-value", "three", "/P/c", "four"),
      r("rm", "--with-value", "nope", "/P/c"),
      r("rm", "--with-index", "3", "/P/c"),
      r("rm", "--with-value", "four", "/P/c"),
      r("set", "--swap-with-value", "x", "/P/missing", "v"),
    ]);
  });

  test("directories, in-order keys, ls and rm", async () => {
    await compareRows([
      r("mkdir", "/P/d/d1"),
      r("-o", "extended", "mkdir", "/P/d/d2"),
      r("-o", "json", "mkdir", "/P/d/d3"),
      r("mkdir", "/P/d/d1"),
      r("setdir", "/P/d/d1"),
      r("setdir", "/P/d/d4"),
      r("updatedir", "/P/d/d4"),
      r("-o", "json", "updatedir", "--ttl", "50", "/P/d/d4"),
      r("updatedir", "/P/d/none"),
      r("set", "/P/d/k", "v"),
      r("mk", "--in-order", "/P/d/q", "job1"),
      r("mk", "--in-order", "/P/d/q", "job2"),
      r("-o", "json", "mk", "--in-order", "/P/d/q", "job3"),
      r("ls", "--sort", "/P/d"),
      r("ls", "--sort", "-p", "/P/d"),
      r("ls", "--sort", "-r", "/P/d"),
      r("ls", "--sort", "-r", "-p", "/P/d"),
      r("ls", "/P/d/q", "--sort"),
      r("-o", "extended", "ls", "--sort", "/P/d"),
      r("-o", "json", "ls", "--sort", "/P/d/q"),
      r("ls", "-q", "/P/d/k"),
      r("ls", "/P/nope"),
      r("get", "--sort", "/P/d/q"),
      r("rm", "/P/d/d1"),
      r("rm", "--dir", "/P/d/d1"),
      r("rmdir", "/P/d/d2"),
      r("-o", "extended", "rmdir", "/P/d/d3"),
      r("rmdir", "/P/d/q"),
      r("rm", "/P/d/q"),
      r("rm", "-r", "/P/d/q"),
      r("-o", "extended", "rm", "/P/d/k"),
      r("rm", "/P/d/k"),
      r("set", "/P/d/k2", "v"),
      r("-o", "json", "rm", "/P/d/k2"),
      r("set", "/P/d/k3", "v"),
      r("rm", "-r", "/P/d/k3"),
    ]);
  });

  test("members and cluster health", async () => {
    await compareRows([
      r("member", "list"),
      r("member", "list", "extra"),
      r("member", "add"),
      r("member", "remove"),
      r("member", "remove", "abcd"),
      r("member", "update"),
      r("cluster-health"),
      r("--no-sync", "cluster-health"),
      r("--debug", "--no-sync", "get", "/P/nokey"),
    ]);
  });

  test("users, roles and auth", async () => {
    await compareRows([
      r("user", "list"),
      r("user", "add", "Pu1:p1"),
      r("user", "get", "Pu1"),
      r("user", "get", "Pnope"),
      r("user", "add"),
      r("role", "add", "Pr1"),
      r("role", "add", "Pr1"),
      r("role", "get", "Pr1"),
      r("role", "grant", "Pr1", "--path", "/foo/*", "--read"),
      r("role", "grant", "Pr1", "--path", "/foo/*", "--read"),
      r("role", "grant", "Pr1", "--path", "/bar/*", "--rw"),
      r("role", "get", "Pr1"),
      r("role", "grant", "Pr1", "--path", "foo//x", "--read"),
      r("role", "grant", "Pr1", "--read"),
      r("role", "grant", "Pr1", "--path", "/x"),
      r("role", "get", "Pnope"),
      r("role", "get"),
      r("user", "grant", "Pu1", "--roles", "Pr1"),
      r("user", "grant", "Pu1"),
      r("user", "get", "Pu1"),
      r("user", "revoke", "Pu1", "--roles", "Pr1"),
      r("role", "revoke", "Pr1", "--path", "/bar/*", "--write"),
      r("role", "get", "Pr1"),
      r("role", "remove", "Pr1"),
      r("role", "remove", "Pr1"),
      r("user", "remove", "Pu1"),
      r("user", "remove", "Pu1"),
      { args: ["user", "add", "Pu2"], input: "pw\n", stdoutOnly: true },
      { args: ["user", "passwd", "Pu2"], input: "pw2\n", stdoutOnly: true },
      { args: ["-u", "Pu2", "user", "get", "Pu2"], input: "pw2\n", stdoutOnly: true },
      r("user", "remove", "Pu2"),
      r("auth", "disable"),
      r("auth", "enable"),
      r("user", "add", "root:rootpw"),
      r("auth", "enable"),
      r("-u", "root:rootpw", "user", "list"),
      r("user", "list"),
      r("-u", "root:bad", "get", "/P/a"),
      r("-u", "root:rootpw", "role", "get", "guest"),
      r("-u", "root:rootpw", "auth", "disable"),
      r("user", "remove", "root"),
    ]);
  });

  test("unreachable endpoint and a server without v2", async () => {
    const none = (...args: string[]): Row => ({ args, server: "none" });
    const nov2 = (...args: string[]): Row => ({ args, server: "nov2" });
    await compareRows([
      none("get", "/P/a"),
      none("-o", "json", "set", "/P/a", "b"),
      none("--no-sync", "get", "/P/a"),
      none("--no-sync", "rm", "/P/a"),
      none("--no-sync", "mk", "/P/a", "b"),
      none("member", "list"),
      none("--no-sync", "member", "list"),
      none("cluster-health"),
      none("--no-sync", "user", "list"),
      none("watch", "/P/a"),
      r("--endpoints", "127.0.0.1:1", "ls"),
      nov2("get", "/P/a"),
      nov2("set", "/P/a", "b"),
      nov2("mkdir", "/P/x"),
      nov2("member", "list"),
      nov2("cluster-health"),
      nov2("user", "list"),
      nov2("role", "list"),
    ]);
  });

  test("endpoints from flags and ETCDCTL_* variables, --debug", async () => {
    const noEnv = { ETCDCTL_ENDPOINTS: undefined };
    await compareRows([
      r("set", "/P/ep", "v"),
      { args: ["--endpoints", "@URL@", "get", "/P/ep"], server: "none" },
      { args: ["--endpoint", "@URL@", "get", "/P/ep"], env: noEnv },
      { args: ["--peers", "@URL@", "get", "/P/ep"], env: noEnv },
      { args: ["-C", "@URL@", "get", "/P/ep"], env: noEnv },
      { args: ["get", "/P/ep"], env: { ...noEnv, ETCDCTL_ENDPOINT: "@URL@" } },
      { args: ["get", "/P/ep"], env: { ...noEnv, ETCDCTL_PEERS: "@URL@" } },
      {
        args: ["--endpoint", "http://127.0.0.1:1", "get", "/P/ep"],
        env: { ETCDCTL_ENDPOINTS: "@URL@" },
      },
      r("--debug", "set", "/P/dbg", "a b&c"),
      r("--debug", "ls", "/P/dbg"),
      r("--debug", "--no-sync", "rm", "--with-value", "a b&c", "/P/dbg"),
      r("--total-timeout", "3s", "--timeout", "1500ms", "get", "/P/ep"),
    ]);
  });

  test("header timeout (--timeout) and command deadline (--total-timeout)", async () => {
    const silentRow = (...args: string[]): Row => ({ args, server: "silent" });
    await compareRows([
      silentRow("--timeout", "400ms", "--no-sync", "get", "/P/a"),
      silentRow("--timeout", "400ms", "get", "/P/a"),
      silentRow("--total-timeout", "800ms", "--timeout", "5s", "get", "/P/a"),
      silentRow("--total-timeout", "800ms", "--timeout", "5s", "--no-sync", "rm", "/P/a"),
      silentRow("--timeout", "300ms", "member", "list"),
      silentRow("--timeout", "300ms", "cluster-health"),
    ]);
  });

  test("TLS: client certificates from flags and variables, and the errors without them", async () => {
    const tls = (args: string[], env?: Record<string, string>): Row => ({
      args,
      server: "tls",
      ...(env ? { env } : {}),
    });
    await compareRows([
      tls([
        "--ca-file",
        "@CA@",
        "--cert-file",
        "@CERT@",
        "--key-file",
        "@KEY@",
        "set",
        "/P/tls",
        "v",
      ]),
      tls(["get", "/P/tls"], {
        ETCDCTL_CA_FILE: "@CA@",
        ETCDCTL_CERT_FILE: "@CERT@",
        ETCDCTL_KEY_FILE: "@KEY@",
      }),
      tls(["--ca-file", "@CA@", "--cert-file", "@CERT@", "--key-file", "@KEY@", "member", "list"]),
      tls(["--ca-file", "@CA@", "--cert-file", "@CERT@", "--key-file", "@KEY@", "cluster-health"]),
      tls(["--ca-file", "@CA@", "get", "/P/tls"]),
      tls(["get", "/P/tls"]),
      tls(["--no-sync", "get", "/P/tls"]),
      tls(["--cert-file", "/nonexistent/c.pem", "--key-file", "@KEY@", "get", "/P/tls"]),
      tls(["--ca-file", "/nonexistent/ca.pem", "get", "/P/tls"]),
    ]);
  });

  test("watch and exec-watch print the same events", async () => {
    const watchRows: string[][] = [
      ["watch", "/P/w/k"],
      ["watch", "-f", "-r", "/P/w"],
      ["-o", "extended", "watch", "-r", "/P/w"],
      ["-o", "json", "watch", "/P/w/k"],
      [
        "exec-watch",
        "-r",
        "/P/w",
        "--",
        "sh",
        "-c",
        'echo "$ETCD_WATCH_ACTION $ETCD_WATCH_KEY $ETCD_WATCH_MODIFIED_INDEX [$ETCD_WATCH_VALUE]"',
      ],
    ];
    const writes = [
      ["set", "/P/w/k", "v1"],
      ["mkdir", "/P/w/dir"],
      ["set", "/P/w/k", "v 2"],
      ["rm", "/P/w/k"],
    ];
    const seen: Record<Tool, string[]> = { etcdctl: [], tsctl: [] };
    for (const tool of ["etcdctl", "tsctl"] as const) {
      const sub = (s: string): string => s.replaceAll("P", TOKEN[tool]);
      const env = { ...process.env, ETCDCTL_API: "2", ETCDCTL_ENDPOINTS: etcd.clientUrl };
      const children = watchRows.map((args) => {
        const [file, argv] =
          tool === "tsctl"
            ? [process.execPath, [path.join(REPO_ROOT, "bin/tsctl"), ...args.map(sub)]]
            : [ETCDCTL_BIN, args.map(sub)];
        const child = spawn(file, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
        const res = { out: "", err: "", code: null as number | null, child };
        child.stdout.on("data", (c: Buffer) => (res.out += c.toString()));
        child.stderr.on("data", (c: Buffer) => (res.err += c.toString()));
        const exited = new Promise<void>((resolve) =>
          child.on("exit", (code) => {
            res.code = code;
            resolve();
          }),
        );
        return { res, exited };
      });
      // Long polls are in flight once the watchers have had time to start and connect.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      for (const w of writes) {
        const res = await runCli(tool, w.map(sub), {
          env: { ETCDCTL_API: "2", ETCDCTL_ENDPOINTS: etcd.clientUrl },
        });
        assert.equal(res.code, 0, res.stderr);
      }
      const deadline = Date.now() + 10_000;
      while (
        Date.now() < deadline &&
        !(
          children[1]?.res.out.includes("PrevNode") &&
          (children[4]?.res.out.match(/\n/g)?.length ?? 0) >= 3
        )
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await Promise.all(
        children
          .slice(0, 1)
          .concat(children.slice(2, 4))
          .map((c) => c.exited),
      );
      for (const c of [children[1], children[4]]) {
        if (c?.res.child.pid !== undefined && c.res.code === null) c.res.child.kill("SIGINT");
      }
      await Promise.all(children.map((c) => c.exited));
      // exec-watch (the last) runs its commands concurrently: lines may come in any order.
      seen[tool] = children.map((c, i) => {
        const out = i === 4 ? c.res.out.split("\n").sort().join("\n") : c.res.out;
        return mask(`${out}|${c.res.err}|${c.res.code}`, tool);
      });
    }
    assert.deepEqual(seen.tsctl, seen.etcdctl);
    assert.match(seen.tsctl[4] ?? "", /set \/vNX\/w\/k N \[v N\]/);
  });
});
