import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import * as pb from "../../../src/proto/index.js";
import { EtcdError } from "../../../src/errors.js";
import {
  AuthState,
  decodeAuthRequest,
  decodeAuthorized,
  encodeAuthRequest,
  encodeAuthorized,
  type AuthRequest,
} from "../../../src/auth/state.js";
import { checkPut, checkTxn } from "../../../src/auth/check.js";
import { RequestKind } from "../../../src/server/envelope.js";
import type { AuthInfo } from "../../../src/auth/store.js";

const b = (s: string) => Buffer.from(s);
const b64 = (s: string) => b(s).toString("base64");
const ROOT_HASH = "$2a$04$hash-is-opaque-here";

function fresh(file = ":memory:") {
  const db = new Database(file);
  return { db, auth: new AuthState(db, 300_000) };
}

let index = 10;
function apply(a: AuthState, req: AuthRequest): unknown {
  // Requests travel as JSON through raft: exercise the codec as well.
  return a.apply(decodeAuthRequest(encodeAuthRequest(req)), ++index);
}

function fails(fn: () => unknown, text: string, code?: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.equal((e as Error).message, text);
    if (code !== undefined) {
      assert.ok(e instanceof EtcdError);
      assert.equal(e.code, code);
    }
    return true;
  });
}

/** root (root role) + alice (role r: readwrite /a/ prefix, read k) and auth enabled. */
function enabledSetup() {
  const s = fresh();
  const a = s.auth;
  apply(a, { op: "userAdd", name: "root", passwordHash: ROOT_HASH, noPassword: false });
  apply(a, { op: "userGrantRole", user: "root", role: "root" });
  apply(a, { op: "roleAdd", name: "r" });
  apply(a, {
    op: "roleGrantPermission",
    name: "r",
    permType: 2,
    key: b64("/a/"),
    rangeEnd: b64("/a0"),
  });
  apply(a, { op: "roleGrantPermission", name: "r", permType: 0, key: b64("k"), rangeEnd: "" });
  apply(a, { op: "userAdd", name: "alice", passwordHash: "h", noPassword: false });
  apply(a, { op: "userGrantRole", user: "alice", role: "r" });
  apply(a, { op: "enable" });
  const info = (user: string): AuthInfo => ({ user, revision: a.store.revision });
  return { ...s, a, info };
}

test("enable needs user root holding role root", () => {
  const { auth: a } = fresh();
  fails(() => apply(a, { op: "enable" }), "etcdserver: root user does not exist", 9);
  apply(a, { op: "userAdd", name: "root", passwordHash: ROOT_HASH, noPassword: false });
  fails(() => apply(a, { op: "enable" }), "etcdserver: root user does not have root role", 9);
  apply(a, { op: "userGrantRole", user: "root", role: "root" });
  const rev = a.store.revision;
  apply(a, { op: "enable" });
  assert.ok(a.store.enabled);
  assert.equal(a.store.revision, rev, "enable leaves the auth revision alone");
});

test("user and role management errors carry etcd's texts and codes", () => {
  const { auth: a } = fresh();
  apply(a, { op: "userAdd", name: "u", passwordHash: "h", noPassword: false });
  fails(
    () => apply(a, { op: "userAdd", name: "u", passwordHash: "h", noPassword: false }),
    "etcdserver: user name already exists",
    9,
  );
  fails(
    () => apply(a, { op: "userAdd", name: "", passwordHash: "h", noPassword: false }),
    "etcdserver: user name is empty",
    3,
  );
  fails(() => apply(a, { op: "userDelete", name: "x" }), "etcdserver: user name not found", 9);
  fails(
    () => apply(a, { op: "userChangePassword", name: "x", passwordHash: "h" }),
    "etcdserver: user name not found",
  );
  fails(
    () => apply(a, { op: "userGrantRole", user: "u", role: "nope" }),
    "etcdserver: role name not found",
    9,
  );
  fails(
    () => apply(a, { op: "userGrantRole", user: "x", role: "root" }),
    "etcdserver: user name not found",
  );
  fails(
    () => apply(a, { op: "userRevokeRole", name: "u", role: "root" }),
    "etcdserver: role is not granted to the user",
    9,
  );
  apply(a, { op: "roleAdd", name: "r" });
  fails(() => apply(a, { op: "roleAdd", name: "r" }), "etcdserver: role name already exists", 9);
  fails(() => apply(a, { op: "roleAdd", name: "" }), "etcdserver: role name is empty", 3);
  fails(() => apply(a, { op: "roleDelete", role: "x" }), "etcdserver: role name not found");
  fails(
    () => apply(a, { op: "roleRevokePermission", role: "r", key: b64("k"), rangeEnd: "" }),
    "etcdserver: permission is not granted to the role",
    9,
  );
  fails(
    () =>
      apply(a, { op: "roleGrantPermission", name: "x", permType: 0, key: b64("k"), rangeEnd: "" }),
    "etcdserver: role name not found",
  );
});

test("grants are sorted by key, replace the type of an identical grant, revoke exactly", () => {
  const { auth: a } = fresh();
  apply(a, { op: "roleAdd", name: "r" });
  const grant = (t: 0 | 1 | 2, k: string, e: string) =>
    apply(a, { op: "roleGrantPermission", name: "r", permType: t, key: b64(k), rangeEnd: b64(e) });
  grant(0, "z", "");
  grant(1, "a", "c");
  grant(0, "m", "\x00");
  grant(2, "a", "c");
  const perms = a.store.role("r")!.perms;
  assert.deepEqual(
    perms.map((p) => [p.permType, p.key.toString(), p.rangeEnd.toString()]),
    [
      [2, "a", "c"],
      [0, "m", "\x00"],
      [0, "z", ""],
    ],
  );
  // revoking needs the exact key and range end
  fails(
    () => apply(a, { op: "roleRevokePermission", role: "r", key: b64("a"), rangeEnd: "" }),
    "etcdserver: permission is not granted to the role",
  );
  apply(a, { op: "roleRevokePermission", role: "r", key: b64("a"), rangeEnd: b64("c") });
  assert.equal(a.store.role("r")!.perms.length, 2);
});

test("granting a role twice is a no-op; deleting a role removes it from users", () => {
  const { auth: a } = fresh();
  apply(a, { op: "userAdd", name: "u", passwordHash: "h", noPassword: false });
  apply(a, { op: "roleAdd", name: "b" });
  apply(a, { op: "roleAdd", name: "a" });
  apply(a, { op: "userGrantRole", user: "u", role: "b" });
  apply(a, { op: "userGrantRole", user: "u", role: "a" });
  const rev = a.store.revision;
  apply(a, { op: "userGrantRole", user: "u", role: "a" });
  assert.equal(a.store.revision, rev);
  assert.deepEqual(a.store.user("u")!.roles, ["a", "b"]);
  apply(a, { op: "roleDelete", role: "a" });
  assert.deepEqual(a.store.user("u")!.roles, ["b"]);
  assert.deepEqual(a.store.roleNames(), ["b"]);
});

test("with auth on, management needs root and root cannot be removed", () => {
  const { a, info } = enabledSetup();
  fails(() => apply(a, { op: "roleAdd", name: "x" }), "etcdserver: user name is empty", 3);
  fails(
    () => apply(a, { op: "roleAdd", name: "x", by: info("alice") }),
    "etcdserver: permission denied",
    7,
  );
  fails(
    () => apply(a, { op: "roleAdd", name: "x", by: info("ghost") }),
    "etcdserver: user name not found",
  );
  apply(a, { op: "roleAdd", name: "x", by: info("root") });
  const root = info("root");
  fails(
    () => apply(a, { op: "userDelete", name: "root", by: root }),
    "etcdserver: invalid auth management",
    3,
  );
  fails(
    () => apply(a, { op: "userRevokeRole", name: "root", role: "root", by: root }),
    "etcdserver: invalid auth management",
  );
  fails(
    () => apply(a, { op: "roleDelete", role: "root", by: root }),
    "etcdserver: invalid auth management",
  );
  fails(() => apply(a, { op: "disable", by: info("alice") }), "etcdserver: permission denied");
  apply(a, { op: "disable", by: root });
  assert.ok(!a.store.enabled);
  // disabled: anyone may manage again
  apply(a, { op: "userDelete", name: "root" });
});

test("key permissions: read/write by grant, root everything, unknown user denied", () => {
  const { a, info } = enabledSetup();
  const s = a.store;
  const alice = info("alice");
  s.checkRange(alice, b("/a/x"), b(""));
  s.checkPut(alice, b("/a/x"));
  s.checkRange(alice, b("/a/"), b("/a0"));
  s.checkRange(alice, b("k"), b(""));
  fails(() => s.checkPut(alice, b("k")), "etcdserver: permission denied", 7);
  fails(() => s.checkRange(alice, b("/"), b("\x00")), "etcdserver: permission denied");
  fails(() => s.checkDeleteRange(alice, b("/a/"), b("/b")), "etcdserver: permission denied");
  s.checkRange(info("root"), b("\x00"), b("\x00"));
  s.checkPut(info("root"), b("anything"));
  fails(() => s.checkPut(info("ghost"), b("x")), "etcdserver: permission denied");
  fails(() => s.checkPut(undefined, b("x")), "etcdserver: user name is empty", 3);
  fails(
    () => s.checkPut({ user: "alice", revision: s.revision - 1 }, b("/a/x")),
    "etcdserver: revision of auth store is old",
    3,
  );
});

test("put with prev_kv needs read; a lease's keys must all be writable", () => {
  const { a, info } = enabledSetup();
  const alice = info("alice");
  const put = (key: string, extra: Partial<pb.PutRequest> = {}): pb.PutRequest => ({
    ...pb.PutRequest.fromPartial({ key: b(key) }),
    ...extra,
  });
  checkPut(a.store, alice, put("/a/1", { prevKv: true }), () => []);
  checkPut(a.store, alice, put("/a/1", { lease: 7n }), () => [b("/a/2")]);
  fails(
    () => checkPut(a.store, alice, put("/a/1", { lease: 7n }), () => [b("secret")]),
    "etcdserver: permission denied",
  );
});

test("txn: every compare needs read, every op its permission, nested txns too", () => {
  const { a, info } = enabledSetup();
  const alice = info("alice");
  const t = (o: object) => pb.TxnRequest.fromPartial(o);
  checkTxn(
    a.store,
    alice,
    t({
      compare: [{ key: b("k") }],
      success: [{ request: { $case: "requestPut", value: { key: b("/a/1") } } }],
      failure: [{ request: { $case: "requestRange", value: { key: b("k") } } }],
    }),
  );
  fails(
    () => checkTxn(a.store, alice, t({ compare: [{ key: b("zzz") }] })),
    "etcdserver: permission denied",
  );
  fails(
    () =>
      checkTxn(
        a.store,
        alice,
        t({ failure: [{ request: { $case: "requestPut", value: { key: b("k") } } }] }),
      ),
    "etcdserver: permission denied",
  );
  fails(
    () =>
      checkTxn(
        a.store,
        alice,
        t({
          success: [
            {
              request: {
                $case: "requestTxn",
                value: { success: [{ request: { $case: "requestPut", value: { key: b("k") } } }] },
              },
            },
          ],
        }),
      ),
    "etcdserver: permission denied",
  );
});

test("authenticate registers <prefix>.<index> for a password user while enabled", () => {
  const s = fresh();
  const a = s.auth;
  fails(
    () => a.apply({ op: "authenticate", name: "root", tokenPrefix: "abc" }, 5),
    "etcdserver: authentication is not enabled",
    9,
  );
  const e = enabledSetup().a;
  assert.equal(
    e.apply({ op: "authenticate", name: "alice", tokenPrefix: "abcdef" }, 42),
    "abcdef.42",
  );
  assert.deepEqual(e.infoFromToken("abcdef.42"), { user: "alice", revision: e.store.revision });
  fails(() => e.infoFromToken("abcdef.43"), "etcdserver: invalid auth token", 16);
  fails(
    () => e.apply({ op: "authenticate", name: "ghost", tokenPrefix: "x" }, 43),
    "etcdserver: authentication failed, invalid user ID or password",
    3,
  );
  // changing the password or deleting the user ends its tokens
  e.apply(
    {
      op: "userChangePassword",
      name: "alice",
      passwordHash: "h2",
      by: { user: "root", revision: 1 },
    },
    44,
  );
  fails(() => e.infoFromToken("abcdef.42"), "etcdserver: invalid auth token");
});

test("a wrapped write is checked again on apply with the state at that index", () => {
  const { a, info } = enabledSetup();
  const put = pb.PutRequest.encode(pb.PutRequest.fromPartial({ key: b("k") })).finish();
  const wrapped = decodeAuthorized(
    encodeAuthorized({ info: info("alice"), kind: RequestKind.Put, payload: put }),
  );
  assert.equal(wrapped.kind, RequestKind.Put);
  assert.equal(wrapped.info.user, "alice");
  fails(() => a.checkAuthorized(wrapped, () => []), "etcdserver: permission denied");
  const ok = decodeAuthorized(
    encodeAuthorized({
      info: info("alice"),
      kind: RequestKind.DeleteRange,
      payload: pb.DeleteRangeRequest.encode(
        pb.DeleteRangeRequest.fromPartial({ key: b("/a/1") }),
      ).finish(),
    }),
  );
  a.checkAuthorized(ok, () => []);
  // any auth change in between makes the sender's revision stale
  apply(a, { op: "roleAdd", name: "other", by: info("root") });
  fails(() => a.checkAuthorized(ok, () => []), "etcdserver: revision of auth store is old");
});

test("the auth state survives a reopen of the database", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsctl-auth-"));
  const file = path.join(dir, "store.db");
  const first = fresh(file);
  apply(first.auth, { op: "userAdd", name: "root", passwordHash: ROOT_HASH, noPassword: false });
  apply(first.auth, { op: "userAdd", name: "np", passwordHash: "", noPassword: true });
  apply(first.auth, { op: "userGrantRole", user: "root", role: "root" });
  apply(first.auth, { op: "roleAdd", name: "r" });
  apply(first.auth, {
    op: "roleGrantPermission",
    name: "r",
    permType: 1,
    key: b64("\xff\x00"),
    rangeEnd: b64("\x00"),
  });
  apply(first.auth, { op: "enable" });
  const rev = first.auth.store.revision;
  first.auth.close();
  first.db.close();
  const second = fresh(file);
  const s = second.auth.store;
  assert.ok(s.enabled);
  assert.equal(s.revision, rev);
  assert.deepEqual(s.userNames(), ["np", "root"]);
  assert.equal(s.user("root")!.passwordHash, ROOT_HASH);
  assert.ok(s.user("np")!.noPassword);
  assert.deepEqual(s.role("r")!.perms[0]!.key, Buffer.from("\xff\x00"));
  second.auth.close();
  second.db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("reload reads a different database (a snapshot replaced the member's)", () => {
  const a = enabledSetup();
  const other = new Database(":memory:");
  a.auth.reload(other);
  assert.ok(!a.auth.store.enabled);
  apply(a.auth, { op: "userAdd", name: "x", passwordHash: "h", noPassword: false });
  const row = other.prepare("SELECT count(*) AS n FROM auth_user").get() as { n: number };
  assert.equal(row.n, 1);
  a.db.close();
});
