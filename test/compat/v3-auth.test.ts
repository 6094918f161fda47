// etcdctl vs tsctl: users, roles, permissions, auth enable/disable and authenticated
// requests (--user, --password, wrong password, no credentials).
import { compatSuite, etcdctl } from "./v3-harness.js";
import type { Row } from "./v3-harness.js";

// Users and roles are per tool: "<p>" is turned into e-/t- so both can create theirs.
const n = (c: { p: string }, name: string) => `${c.p[0]}-${name}`;
const maskNames = (s: string) => s.replace(/\b[et]-(\w+)/g, "X-$1");

const rows: Row[] = [
  { name: "user add name:password", args: (c) => ["user", "add", `${n(c, "alice")}:pw`] },
  {
    name: "user add --new-user-password",
    args: (c) => ["user", "add", n(c, "bob"), "--new-user-password=pw"],
  },
  {
    name: "user add from stdin",
    args: (c) => ["user", "add", n(c, "carol"), "--interactive=false"],
    input: "pw\n",
  },
  { name: "user add --no-password", args: (c) => ["user", "add", n(c, "dave"), "--no-password"] },
  { name: "user add exists", args: (c) => ["user", "add", `${n(c, "alice")}:pw`] },
  { name: "user add empty name", args: () => ["user", "add", ":pw"] },
  { name: "user add no args", args: () => ["user", "add"] },
  { name: "role add", args: (c) => ["role", "add", n(c, "reader")] },
  { name: "role add exists", args: (c) => ["role", "add", n(c, "reader")] },
  { name: "role add -w json", args: (c) => ["role", "add", n(c, "writer"), "-w", "json"] },
  {
    name: "role grant read key",
    args: (c) => ["role", "grant-permission", n(c, "reader"), "read", "/x"],
  },
  {
    name: "role grant prefix",
    args: (c) => ["role", "grant-permission", n(c, "reader"), "read", "/dir/", "--prefix"],
  },
  {
    name: "role grant from-key",
    args: (c) => ["role", "grant-permission", n(c, "reader"), "readwrite", "/z", "--from-key"],
  },
  {
    name: "role grant range",
    args: (c) => ["role", "grant-permission", n(c, "reader"), "write", "/a", "/c"],
  },
  {
    name: "role grant bad type",
    args: (c) => ["role", "grant-permission", n(c, "reader"), "rw", "/a"],
  },
  { name: "role grant too few", args: (c) => ["role", "grant-permission", n(c, "reader"), "read"] },
  {
    name: "role grant prefix with end",
    args: (c) => ["role", "grant-permission", n(c, "reader"), "read", "/a", "/b", "--prefix"],
  },
  ...["simple", "json", "fields", "protobuf"].map((w) => ({
    name: `role get -w ${w}`,
    args: (c: { p: string }) => ["role", "get", n(c, "reader"), "-w", w],
    stdout: w !== "json" && w !== "fields" && w !== "protobuf",
  })),
  { name: "role get unknown", args: () => ["role", "get", "nobody"] },
  { name: "role revoke key", args: (c) => ["role", "revoke-permission", n(c, "reader"), "/x"] },
  {
    name: "role revoke range",
    args: (c) => ["role", "revoke-permission", n(c, "reader"), "/a", "/c"],
  },
  {
    name: "role revoke from-key",
    args: (c) => ["role", "revoke-permission", n(c, "reader"), "/z", "--from-key"],
  },
  {
    name: "role revoke missing",
    args: (c) => ["role", "revoke-permission", n(c, "reader"), "/nope"],
  },
  { name: "user grant-role", args: (c) => ["user", "grant-role", n(c, "alice"), n(c, "reader")] },
  {
    name: "user grant-role unknown role",
    args: (c) => ["user", "grant-role", n(c, "alice"), "nobody"],
  },
  { name: "user get", args: (c) => ["user", "get", n(c, "alice")] },
  { name: "user get --detail", args: (c) => ["user", "get", n(c, "alice"), "--detail"] },
  {
    name: "user get -w json",
    args: (c) => ["user", "get", n(c, "alice"), "-w", "json"],
    stdout: false,
  },
  { name: "user get -w fields", args: (c) => ["user", "get", n(c, "alice"), "-w", "fields"] },
  { name: "user get unknown", args: () => ["user", "get", "nobody"] },
  {
    name: "user passwd",
    args: (c) => ["user", "passwd", n(c, "bob"), "--interactive=false"],
    input: "pw2\n",
  },
  { name: "user revoke-role", args: (c) => ["user", "revoke-role", n(c, "alice"), n(c, "reader")] },
  {
    name: "user revoke-role again",
    args: (c) => ["user", "revoke-role", n(c, "alice"), n(c, "reader")],
  },
  { name: "user delete", args: (c) => ["user", "delete", n(c, "dave")] },
  { name: "user delete unknown", args: () => ["user", "delete", "nobody"] },
  { name: "role delete", args: (c) => ["role", "delete", n(c, "writer")] },
  { name: "auth disable when off", args: () => ["auth", "disable"] },
  { name: "auth enable args", args: () => ["auth", "enable", "x"] },
];
for (const r of rows) r.mask = maskNames;

// Lists and auth on/off see both tools' users: run once each, in a fixed order.
const shared: Row[] = [
  { name: "user list", args: () => ["user", "list"], mask: maskNames },
  { name: "role list", args: () => ["role", "list"], mask: maskNames },
  {
    name: "create root",
    args: () => ["user", "add", "root:rootpw"],
    between: async (c) => void (await etcdctl(c, "user", "delete", "root")),
  },
  {
    name: "auth enable (creates and grants role root)",
    args: () => ["auth", "enable"],
    between: async (c) => {
      await etcdctl(c, "--user=root:rootpw", "auth", "disable");
      await etcdctl(c, "user", "revoke-role", "root", "root");
      await etcdctl(c, "role", "delete", "root");
    },
  },
  { name: "get without credentials", args: () => ["get", "k"] },
  { name: "get with --user", args: () => ["--user=root:rootpw", "get", "k"] },
  {
    name: "get with --user --password",
    args: () => ["--user=root", "--password=rootpw", "get", "k"],
  },
  { name: "get with wrong password", args: () => ["--user=root:nope", "get", "k"] },
  {
    name: "auth disable",
    args: () => ["--user=root:rootpw", "auth", "disable"],
    between: async (c) => void (await etcdctl(c, "auth", "enable")),
  },
  { name: "role root exists but not granted", args: () => ["role", "list"] },
];

compatSuite("v3 auth", [...rows, ...shared]);
