// `-w fields`: one `"Name" : value` line per field, strings %q-quoted, as etcdctl prints them.
import type {
  AlarmResponse,
  DeleteRangeResponse,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseTimeToLiveResponse,
  MemberListResponse,
  PutResponse,
  RangeResponse,
  ResponseHeader,
  TxnResponse,
  WatchResponse,
} from "../proto/gen/etcdserverpb/rpc.js";
import type { KeyValue } from "../proto/gen/mvccpb/kv.js";
import type { Permission } from "../proto/gen/authpb/auth.js";
import { goList, goQuote } from "./text.js";
import type { DbStatus, EpHashKV, EpHealth, EpStatus, PrintSink } from "./types.js";
import { MissingHeaderError, UnsupportedPrinter } from "./unsupported.js";

type WithHeader = { header?: ResponseHeader | undefined };
const ALARM_NAMES = ["NONE", "NOSPACE", "CORRUPT"];
const PERM_NAMES = ["READ", "WRITE", "READWRITE"];

export class FieldsPrinter extends UnsupportedPrinter {
  constructor(private readonly sink: PrintSink) {
    super("fields");
  }

  private field(name: string, value: string | bigint | number | boolean): void {
    this.sink.out(`"${name}" : ${String(value)}\n`);
  }

  private hdr(h: ResponseHeader | undefined): void {
    if (h === undefined) throw new MissingHeaderError();
    this.field("ClusterID", h.clusterId);
    this.field("MemberID", h.memberId);
    this.field("Revision", h.revision);
    this.field("RaftTerm", h.raftTerm);
  }

  private kv(prefix: string, kv: KeyValue | undefined): void {
    this.field(`${prefix}Key`, goQuote(kv?.key ?? Buffer.alloc(0)));
    this.field(`${prefix}CreateRevision`, kv?.createRevision ?? 0n);
    this.field(`${prefix}ModRevision`, kv?.modRevision ?? 0n);
    this.field(`${prefix}Version`, kv?.version ?? 0n);
    this.field(`${prefix}Value`, goQuote(kv?.value ?? Buffer.alloc(0)));
    this.field(`${prefix}Lease`, kv?.lease ?? 0n);
  }

  override del(r: DeleteRangeResponse): void {
    this.hdr(r.header);
    this.field("Deleted", r.deleted);
    for (const kv of r.prevKvs) this.kv("Prev", kv);
  }

  override get(r: RangeResponse): void {
    this.hdr(r.header);
    for (const kv of r.kvs) this.kv("", kv);
    this.field("More", r.more);
    this.field("Count", r.count);
  }

  override put(r: PutResponse): void {
    this.hdr(r.header);
    if (r.prevKv !== undefined) this.kv("Prev", r.prevKv);
  }

  override txn(r: TxnResponse): void {
    this.hdr(r.header);
    this.field("Succeeded", r.succeeded);
    for (const op of r.responses) {
      const resp = op.response;
      if (resp?.$case === "responseDeleteRange") this.del(resp.value);
      else if (resp?.$case === "responsePut") this.put(resp.value);
      else if (resp?.$case === "responseRange") this.get(resp.value);
      else this.field("Unknown", goQuote(JSON.stringify(op)));
    }
  }

  override watch(r: WatchResponse): void {
    this.hdr(r.header);
    for (const e of r.events) {
      this.field("Type", e.type === 1 ? "DELETE" : "PUT");
      if (e.prevKv !== undefined) this.kv("Prev", e.prevKv);
      this.kv("", e.kv);
    }
  }

  override grant(r: LeaseGrantResponse): void {
    this.hdr(r.header);
    this.field("ID", r.ID);
    this.field("TTL", r.TTL);
  }

  override revoke(_id: bigint, r: WithHeader): void {
    this.hdr(r.header);
  }

  override keepAlive(r: LeaseKeepAliveResponse): void {
    this.hdr(r.header);
    this.field("ID", r.ID);
    this.field("TTL", r.TTL);
  }

  override timeToLive(r: LeaseTimeToLiveResponse): void {
    this.hdr(r.header);
    this.field("ID", r.ID);
    this.field("TTL", r.TTL);
    this.field("GrantedTTL", r.grantedTTL);
    for (const k of r.keys) this.field("Key", goQuote(k));
  }

  override leases(r: LeaseLeasesResponse): void {
    this.hdr(r.header);
    for (const l of r.leases) this.field("ID", l.ID);
  }

  override memberList(r: MemberListResponse): void {
    this.hdr(r.header);
    for (const m of r.members) {
      this.field("ID", m.ID);
      this.field("Name", goQuote(m.name));
      for (const u of m.peerURLs) this.field("PeerURL", goQuote(u));
      for (const u of m.clientURLs) this.field("ClientURL", goQuote(u));
      this.field("IsLearner", m.isLearner);
      this.sink.out("\n");
    }
  }

  override endpointHealth(hs: EpHealth[]): void {
    for (const h of hs) {
      this.field("Endpoint", goQuote(h.endpoint));
      this.field("Health", h.health);
      this.field("Took", h.took);
      this.field("Error", h.error);
      this.sink.out("\n");
    }
  }

  override endpointStatus(ss: EpStatus[]): void {
    for (const { endpoint, resp } of ss) {
      this.hdr(resp.header);
      this.field("Version", goQuote(resp.version));
      this.field("DBSize", resp.dbSize);
      this.field("Leader", resp.leader);
      this.field("IsLearner", resp.isLearner);
      this.field("RaftIndex", resp.raftIndex);
      this.field("RaftTerm", resp.raftTerm);
      this.field("RaftAppliedIndex", resp.raftAppliedIndex);
      this.field("Errors", goList(resp.errors));
      this.field("Endpoint", goQuote(endpoint));
      this.sink.out("\n");
    }
  }

  override endpointHashKV(hs: EpHashKV[]): void {
    for (const h of hs) {
      this.hdr(h.resp.header);
      this.field("Endpoint", goQuote(h.endpoint));
      this.field("Hash", h.resp.hash);
      this.sink.out("\n");
    }
  }

  override alarm(r: AlarmResponse): void {
    this.hdr(r.header);
    for (const a of r.alarms) {
      this.field("MemberID", a.memberID);
      this.field("AlarmType", ALARM_NAMES[a.alarm] ?? String(a.alarm));
      this.sink.out("\n");
    }
  }

  override dbStatus(s: DbStatus): void {
    this.field("Hash", s.hash);
    this.field("Revision", s.revision);
    this.field("Keys", s.totalKey);
    this.field("Size", s.totalSize);
  }

  override roleAdd(_role: string, r: WithHeader): void {
    this.hdr(r.header);
  }

  override roleGet(_role: string, r: WithHeader & { perm: Permission[] }): void {
    this.hdr(r.header);
    for (const p of r.perm) {
      // etcdctl passes a trailing space in the label, so Println doubles it.
      this.sink.out(`"PermType" :  ${PERM_NAMES[p.permType] ?? String(p.permType)}\n`);
      this.field("Key", goQuote(p.key));
      this.field("RangeEnd", goQuote(p.rangeEnd));
    }
  }

  override roleDelete(_role: string, r: WithHeader): void {
    this.hdr(r.header);
  }

  override roleList(r: WithHeader & { roles: string[] }): void {
    this.hdr(r.header);
    this.sink.out(`"Roles" :${r.roles.map((role) => " " + goQuote(role)).join("")}\n`);
  }

  override roleGrantPermission(_role: string, r: WithHeader): void {
    this.hdr(r.header);
  }

  override roleRevokePermission(_role: string, _k: string, _e: string, r: WithHeader): void {
    this.hdr(r.header);
  }

  override userAdd(_user: string, r: WithHeader): void {
    this.hdr(r.header);
  }

  override userChangePassword(r: WithHeader): void {
    this.hdr(r.header);
  }

  override userGrantRole(_u: string, _r: string, r: WithHeader): void {
    this.hdr(r.header);
  }

  override userRevokeRole(_u: string, _r: string, r: WithHeader): void {
    this.hdr(r.header);
  }

  override userDelete(_user: string, r: WithHeader): void {
    this.hdr(r.header);
  }
}
