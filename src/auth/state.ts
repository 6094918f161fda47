// The auth sub-state-machine the member applies committed entries to: auth management
// requests (RequestKind.Auth, JSON) and KV requests wrapped with their sender
// (RequestKind.Authorized), whose permissions are checked again when applied, against the
// auth state every member has at that index. Passwords arrive already hashed: bcrypt runs
// on the proposing member, never in the apply.
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import * as pb from "../proto/index.js";
import { etcdError } from "../errors.js";
import { AuthStore, type AuthInfo } from "./store.js";
import { SimpleTokens } from "./tokens.js";
import { checkDeleteRange, checkLeaseKeys, checkPut, checkTxn, type LeaseKeys } from "./check.js";
import type { PermType } from "./perms.js";
import { RequestKind } from "../server/envelope.js";

/** A replicated auth request; `by` is the sender when auth was enabled at proposal time. */
export type AuthRequest = { by?: AuthInfo } & (
  | { op: "enable" }
  | { op: "disable" }
  | { op: "authenticate"; name: string; tokenPrefix: string }
  | { op: "userAdd"; name: string; passwordHash: string; noPassword: boolean }
  | { op: "userDelete"; name: string }
  | { op: "userChangePassword"; name: string; passwordHash: string }
  | { op: "userGrantRole"; user: string; role: string }
  | { op: "userRevokeRole"; name: string; role: string }
  | { op: "roleAdd"; name: string }
  | { op: "roleDelete"; role: string }
  | { op: "roleGrantPermission"; name: string; permType: PermType; key: string; rangeEnd: string }
  | { op: "roleRevokePermission"; role: string; key: string; rangeEnd: string }
);

export function encodeAuthRequest(r: AuthRequest): Uint8Array {
  return Buffer.from(JSON.stringify(r), "utf8");
}

export function decodeAuthRequest(payload: Uint8Array): AuthRequest {
  return JSON.parse(Buffer.from(payload).toString("utf8")) as AuthRequest;
}

/** A KV request with its sender, checked again on apply. */
export interface Authorized {
  info: AuthInfo;
  kind: number;
  payload: Uint8Array;
}

export function encodeAuthorized(a: Authorized): Uint8Array {
  const w = new BinaryWriter();
  w.uint32(10).string(a.info.user);
  w.uint32(16).uint64(a.info.revision);
  w.uint32(24).uint32(a.kind);
  w.uint32(34).bytes(a.payload);
  return w.finish();
}

export function decodeAuthorized(bytes: Uint8Array): Authorized {
  const r = new BinaryReader(bytes);
  const a: Authorized = { info: { user: "", revision: 0 }, kind: 0, payload: new Uint8Array() };
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        a.info.user = r.string();
        break;
      case 2:
        a.info.revision = Number(r.uint64());
        break;
      case 3:
        a.kind = r.uint32();
        break;
      case 4:
        a.payload = r.bytes();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  if (a.kind === 0) throw new Error("corrupt raft entry: authorized request without a kind");
  return a;
}

const TOKEN_SWEEP_INTERVAL_MS = 60_000;

export class AuthState {
  readonly store: AuthStore;
  readonly tokens: SimpleTokens;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(db: ConstructorParameters<typeof AuthStore>[0], tokenTtlMs: number) {
    this.store = new AuthStore(db);
    this.tokens = new SimpleTokens(tokenTtlMs);
    this.sweepTimer = setInterval(() => this.tokens.sweep(), TOKEN_SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /** Re-reads the auth state from `db` (the member's database after a snapshot replaced it). */
  reload(db: ConstructorParameters<typeof AuthStore>[0]): void {
    this.store.reload(db);
    if (!this.store.enabled) this.tokens.clear();
  }

  close(): void {
    clearInterval(this.sweepTimer);
  }

  /** The user behind a token; throws `invalid auth token` for an unknown or expired one. */
  infoFromToken(token: string): AuthInfo {
    const user = this.tokens.use(token);
    if (user === undefined) throw etcdError("InvalidAuthToken");
    return { user, revision: this.store.revision };
  }

  /** Applies a committed auth management request at raft index `index`. */
  apply(req: AuthRequest, index: number): unknown {
    const s = this.store;
    if (req.op !== "authenticate") s.checkAdmin(req.by);
    switch (req.op) {
      case "enable":
        s.enable();
        return undefined;
      case "disable":
        s.disable();
        this.tokens.clear();
        return undefined;
      case "authenticate": {
        if (!s.enabled) throw etcdError("AuthNotEnabled");
        const u = s.user(req.name);
        if (!u || u.noPassword) throw etcdError("AuthFailed");
        const token = `${req.tokenPrefix}.${index}`;
        this.tokens.assign(token, u.name);
        return token;
      }
      case "userAdd":
        s.userAdd(req.name, req.passwordHash, req.noPassword);
        return undefined;
      case "userDelete":
        s.userDelete(req.name);
        this.tokens.invalidateUser(req.name);
        return undefined;
      case "userChangePassword":
        s.userChangePassword(req.name, req.passwordHash);
        this.tokens.invalidateUser(req.name);
        return undefined;
      case "userGrantRole":
        s.userGrantRole(req.user, req.role);
        return undefined;
      case "userRevokeRole":
        s.userRevokeRole(req.name, req.role);
        return undefined;
      case "roleAdd":
        s.roleAdd(req.name);
        return undefined;
      case "roleDelete":
        s.roleDelete(req.role);
        return undefined;
      case "roleGrantPermission":
        s.roleGrantPermission(req.name, {
          permType: req.permType,
          key: Buffer.from(req.key, "base64"),
          rangeEnd: Buffer.from(req.rangeEnd, "base64"),
        });
        return undefined;
      case "roleRevokePermission":
        s.roleRevokePermission(
          req.role,
          Buffer.from(req.key, "base64"),
          Buffer.from(req.rangeEnd, "base64"),
        );
        return undefined;
      default: {
        const never: never = req;
        throw new Error(`corrupt raft entry: unknown auth request ${JSON.stringify(never)}`);
      }
    }
  }

  /** Checks a wrapped KV request's permissions as of now; throws when they are missing. */
  checkAuthorized(a: Authorized, leaseKeys: LeaseKeys): void {
    const s = this.store;
    if (!s.enabled) return;
    switch (a.kind) {
      case RequestKind.Put:
        checkPut(s, a.info, pb.PutRequest.decode(a.payload), leaseKeys);
        break;
      case RequestKind.DeleteRange:
        checkDeleteRange(s, a.info, pb.DeleteRangeRequest.decode(a.payload));
        break;
      case RequestKind.Txn:
        checkTxn(s, a.info, pb.TxnRequest.decode(a.payload));
        break;
      case RequestKind.LeaseRevoke:
        checkLeaseKeys(s, a.info, pb.LeaseRevokeRequest.decode(a.payload).ID, leaseKeys);
        break;
      default:
        throw new Error(`corrupt raft entry: request kind ${a.kind} cannot carry auth`);
    }
  }
}
