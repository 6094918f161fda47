// The default `-w simple` format: etcdctl's plain lines (keys and values raw or --hex).
import type {
  AlarmResponse,
  AuthRoleGetResponse,
  AuthRoleListResponse,
  AuthUserGetResponse,
  AuthUserListResponse,
  DeleteRangeResponse,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseTimeToLiveResponse,
  MemberAddResponse,
  MemberListResponse,
  PutResponse,
  RangeResponse,
  TxnResponse,
  WatchResponse,
} from "../proto/gen/etcdserverpb/rpc.js";
import type { KeyValue } from "../proto/gen/mvccpb/kv.js";
import type { Permission } from "../proto/gen/authpb/auth.js";
import { dbStatusRows, endpointHashKVRows, endpointStatusRows, memberListRows } from "./rows.js";
import { goList, hex016, hex16, hexEscape, hexId, prefixRangeEnd } from "./text.js";
import type { DbStatus, EpHashKV, EpHealth, EpStatus, Printer, PrintSink } from "./types.js";

const ALARM_NAMES = ["NONE", "NOSPACE", "CORRUPT"];
const PERM_READ = 0;
const PERM_WRITE = 1;
const PERM_READWRITE = 2;

export class SimplePrinter implements Printer {
  constructor(
    private readonly sink: PrintSink,
    private readonly isHex: boolean,
    /** get --print-value-only. */
    private readonly valueOnly = false,
  ) {}

  private line(text: string): void {
    this.sink.out(text + "\n");
  }

  private bytes(b: Buffer): string | Buffer {
    return this.isHex ? hexEscape(b) : b;
  }

  private kv(kv: KeyValue | undefined): void {
    const key = kv?.key ?? Buffer.alloc(0);
    const value = kv?.value ?? Buffer.alloc(0);
    if (!this.valueOnly) {
      this.sink.out(this.bytes(key));
      this.sink.out("\n");
    }
    this.sink.out(this.bytes(value));
    this.sink.out("\n");
  }

  del(r: DeleteRangeResponse): void {
    this.line(r.deleted.toString());
    for (const kv of r.prevKvs) this.kv(kv);
  }

  get(r: RangeResponse): void {
    for (const kv of r.kvs) this.kv(kv);
  }

  put(r: PutResponse): void {
    this.line("OK");
    if (r.prevKv !== undefined) this.kv(r.prevKv);
  }

  txn(r: TxnResponse): void {
    this.line(r.succeeded ? "SUCCESS" : "FAILURE");
    for (const op of r.responses) {
      this.line("");
      const resp = op.response;
      if (resp?.$case === "responseDeleteRange") this.del(resp.value);
      else if (resp?.$case === "responsePut") this.put(resp.value);
      else if (resp?.$case === "responseRange") this.get(resp.value);
      else this.line(`unexpected response ${JSON.stringify(op)}`);
    }
  }

  watch(r: WatchResponse): void {
    for (const e of r.events) {
      this.line(e.type === 1 ? "DELETE" : "PUT");
      if (e.prevKv !== undefined) this.kv(e.prevKv);
      this.kv(e.kv);
    }
  }

  grant(r: LeaseGrantResponse): void {
    this.line(`lease ${hex016(r.ID)} granted with TTL(${r.TTL}s)`);
  }

  revoke(id: bigint): void {
    this.line(`lease ${hex016(id)} revoked`);
  }

  keepAlive(r: LeaseKeepAliveResponse): void {
    this.line(`lease ${hex016(r.ID)} keepalived with TTL(${r.TTL})`);
  }

  timeToLive(r: LeaseTimeToLiveResponse, keys: boolean): void {
    if (r.grantedTTL === 0n && r.TTL === -1n) {
      this.line(`lease ${hex016(r.ID)} already expired`);
      return;
    }
    let text = `lease ${hex016(r.ID)} granted with TTL(${r.grantedTTL}s), remaining(${r.TTL}s)`;
    if (keys) text += `, attached keys(${goList(r.keys.map((k) => k.toString("latin1")))})`;
    this.sink.out(Buffer.from(text + "\n", "latin1"));
  }

  leases(r: LeaseLeasesResponse): void {
    this.line(`found ${r.leases.length} leases`);
    for (const l of r.leases) this.line(hex016(l.ID));
  }

  alarm(r: AlarmResponse): void {
    for (const a of r.alarms) {
      // gogoproto's compact text form of AlarmMember: zero fields are left out.
      let text = "";
      if (a.memberID !== 0n) text += `memberID:${a.memberID} `;
      if (a.alarm !== 0) text += `alarm:${ALARM_NAMES[a.alarm] ?? a.alarm} `;
      this.line(text);
    }
  }

  memberAdd(r: MemberAddResponse): void {
    this.line(
      `Member ${hex16(r.member?.ID ?? 0n)} added to cluster ${hex16(r.header?.clusterId ?? 0n)}`,
    );
  }

  memberRemove(id: bigint, r: { header?: { clusterId: bigint } | undefined }): void {
    this.line(`Member ${hex16(id)} removed from cluster ${hex16(r.header?.clusterId ?? 0n)}`);
  }

  memberUpdate(id: bigint, r: { header?: { clusterId: bigint } | undefined }): void {
    this.line(`Member ${hex16(id)} updated in cluster ${hex16(r.header?.clusterId ?? 0n)}`);
  }

  memberPromote(id: bigint, r: { header?: { clusterId: bigint } | undefined }): void {
    this.line(`Member ${hex16(id)} promoted in cluster ${hex16(r.header?.clusterId ?? 0n)}`);
  }

  memberList(r: MemberListResponse): void {
    for (const row of memberListRows(r).rows) this.line(row.join(", "));
  }

  endpointHealth(hs: EpHealth[]): void {
    for (const h of hs) {
      if (h.error === "") {
        this.sink.err(
          `${h.endpoint} is healthy: successfully committed proposal: took = ${h.took}\n`,
        );
      } else {
        this.sink.err(`${h.endpoint} is unhealthy: failed to commit proposal: ${h.error}\n`);
      }
    }
  }

  endpointStatus(ss: EpStatus[]): void {
    for (const row of endpointStatusRows(ss).rows) this.line(row.join(", "));
  }

  endpointHashKV(hs: EpHashKV[]): void {
    for (const row of endpointHashKVRows(hs).rows) this.line(row.join(", "));
  }

  dbStatus(s: DbStatus): void {
    for (const row of dbStatusRows(s).rows) this.line(row.join(", "));
  }

  moveLeader(leader: bigint, target: bigint): void {
    this.line(`Leadership transferred from ${hexId(leader)} to ${hexId(target)}`);
  }

  roleAdd(role: string): void {
    this.line(`Role ${role} created`);
  }

  roleGet(role: string, r: AuthRoleGetResponse): void {
    const parts: (string | Buffer)[] = [`Role ${role}\n`, "KV Read:\n"];
    const perm = (p: Permission): void => {
      if (p.rangeEnd.length === 0) {
        parts.push("\t", p.key, "\n");
        return;
      }
      const openEnded = p.rangeEnd.length === 1 && p.rangeEnd[0] === 0;
      if (!openEnded) parts.push("\t[", p.key, ", ", p.rangeEnd, ")");
      else parts.push("\t[", p.key, ", <open ended>");
      if (prefixRangeEnd(p.key).equals(p.rangeEnd)) parts.push(" (prefix ", p.key, ")");
      parts.push("\n");
    };
    for (const p of r.perm) if (p.permType === PERM_READ || p.permType === PERM_READWRITE) perm(p);
    parts.push("KV Write:\n");
    for (const p of r.perm) if (p.permType === PERM_WRITE || p.permType === PERM_READWRITE) perm(p);
    this.sink.out(Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p))));
  }

  roleList(r: AuthRoleListResponse): void {
    for (const role of r.roles) this.line(role);
  }

  roleDelete(role: string): void {
    this.line(`Role ${role} deleted`);
  }

  roleGrantPermission(role: string): void {
    this.line(`Role ${role} updated`);
  }

  roleRevokePermission(role: string, key: string, end: string): void {
    if (end.length === 0) this.line(`Permission of key ${key} is revoked from role ${role}`);
    else if (end !== "\x00")
      this.line(`Permission of range [${key}, ${end}) is revoked from role ${role}`);
    else this.line(`Permission of range [${key}, <open ended> is revoked from role ${role}`);
  }

  userAdd(user: string): void {
    this.line(`User ${user} created`);
  }

  userGet(user: string, r: AuthUserGetResponse): void {
    this.line(`User: ${user}`);
    this.line("Roles:" + r.roles.map((role) => " " + role).join(""));
  }

  userChangePassword(): void {
    this.line("Password updated");
  }

  userGrantRole(user: string, role: string): void {
    this.line(`Role ${role} is granted to user ${user}`);
  }

  userRevokeRole(user: string, role: string): void {
    this.line(`Role ${role} is revoked from user ${user}`);
  }

  userDelete(user: string): void {
    this.line(`User ${user} deleted`);
  }

  userList(r: AuthUserListResponse): void {
    for (const user of r.users) this.line(user);
  }
}
