// `-w json`: the responses as Go's encoding/json renders etcdctl's structs (snake_case proto
// tags, omitempty, base64 bytes, exact 64-bit integers, <>& escaped; --hex is ignored).
import type {
  AlarmResponse,
  DeleteRangeResponse,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseTimeToLiveResponse,
  Member,
  PutResponse,
  RangeResponse,
  ResponseHeader,
  ResponseOp,
  StatusResponse,
  TxnResponse,
  WatchResponse,
} from "../proto/gen/etcdserverpb/rpc.js";
import type { Event, KeyValue } from "../proto/gen/mvccpb/kv.js";
import type { Permission } from "../proto/gen/authpb/auth.js";
import { goJson, omit } from "./text.js";
import type { GoJson, GoJsonObject } from "./text.js";
import type { DbStatus, EpHashKV, EpHealth, EpStatus, PrintSink } from "./types.js";
import { UnsupportedPrinter } from "./unsupported.js";

type WithHeader = { header?: ResponseHeader | undefined };

function headerFields(h: ResponseHeader | undefined): GoJsonObject {
  if (h === undefined) return {};
  return {
    cluster_id: omit(h.clusterId),
    member_id: omit(h.memberId),
    revision: omit(h.revision),
    raft_term: omit(h.raftTerm),
  };
}

function header(h: ResponseHeader | undefined): GoJson | undefined {
  return h === undefined ? undefined : headerFields(h);
}

export function kvJson(kv: KeyValue | undefined): GoJson | undefined {
  if (kv === undefined) return undefined;
  return {
    key: omit(kv.key),
    create_revision: omit(kv.createRevision),
    mod_revision: omit(kv.modRevision),
    version: omit(kv.version),
    value: omit(kv.value),
    lease: omit(kv.lease),
  };
}

function kvList(kvs: KeyValue[]): GoJson | undefined {
  return omit(kvs.map((kv) => kvJson(kv) ?? null));
}

function rangeJson(r: RangeResponse): GoJson {
  return { header: header(r.header), kvs: kvList(r.kvs), more: omit(r.more), count: omit(r.count) };
}

function putJson(r: PutResponse): GoJson {
  return { header: header(r.header), prev_kv: kvJson(r.prevKv) };
}

function delJson(r: DeleteRangeResponse): GoJson {
  return { header: header(r.header), deleted: omit(r.deleted), prev_kvs: kvList(r.prevKvs) };
}

function responseOpJson(op: ResponseOp): GoJson {
  const r = op.response;
  if (r === undefined) return { Response: null };
  switch (r.$case) {
    case "responseRange":
      return { Response: { ResponseRange: rangeJson(r.value) } };
    case "responsePut":
      return { Response: { ResponsePut: putJson(r.value) } };
    case "responseDeleteRange":
      return { Response: { ResponseDeleteRange: delJson(r.value) } };
    case "responseTxn":
      return { Response: { ResponseTxn: txnJson(r.value) } };
  }
}

function txnJson(r: TxnResponse): GoJson {
  return {
    header: header(r.header),
    succeeded: omit(r.succeeded),
    responses: omit(r.responses.map(responseOpJson)),
  };
}

function eventJson(e: Event): GoJson {
  return { type: omit(e.type), kv: kvJson(e.kv), prev_kv: kvJson(e.prevKv) };
}

function memberJson(m: Member): GoJson {
  return {
    ID: omit(m.ID),
    name: omit(m.name),
    peerURLs: omit(m.peerURLs),
    clientURLs: omit(m.clientURLs),
    isLearner: omit(m.isLearner),
  };
}

function membersJson(r: WithHeader & { members: Member[] }): GoJson {
  return { header: header(r.header), members: omit(r.members.map(memberJson)) };
}

function statusJson(r: StatusResponse): GoJson {
  return {
    header: header(r.header),
    version: omit(r.version),
    dbSize: omit(r.dbSize),
    leader: omit(r.leader),
    raftIndex: omit(r.raftIndex),
    raftTerm: omit(r.raftTerm),
    raftAppliedIndex: omit(r.raftAppliedIndex),
    errors: omit(r.errors),
    dbSizeInUse: omit(r.dbSizeInUse),
    isLearner: omit(r.isLearner),
  };
}

function permJson(p: Permission): GoJson {
  return { permType: omit(p.permType), key: omit(p.key), range_end: omit(p.rangeEnd) };
}

export class JsonPrinter extends UnsupportedPrinter {
  constructor(private readonly sink: PrintSink) {
    super("json");
  }

  private print(v: GoJson): void {
    this.sink.out(goJson(v) + "\n");
  }

  private headerOnly(r: WithHeader): void {
    this.print({ header: header(r.header) });
  }

  override del(r: DeleteRangeResponse): void {
    this.print(delJson(r));
  }
  override get(r: RangeResponse): void {
    this.print(rangeJson(r));
  }
  override put(r: PutResponse): void {
    this.print(putJson(r));
  }
  override txn(r: TxnResponse): void {
    this.print(txnJson(r));
  }
  override watch(r: WatchResponse): void {
    // clientv3.WatchResponse: exported Go field names, Header held by value.
    this.print({
      Header: headerFields(r.header),
      Events: r.events.length === 0 ? null : r.events.map(eventJson),
      CompactRevision: r.compactRevision,
      Canceled: r.canceled,
      Created: r.created,
    });
  }
  override grant(r: LeaseGrantResponse): void {
    this.print({ ...headerFields(r.header), ID: r.ID, TTL: r.TTL, Error: r.error });
  }
  override revoke(_id: bigint, r: WithHeader): void {
    this.headerOnly(r);
  }
  override keepAlive(r: LeaseKeepAliveResponse): void {
    this.print({ ...headerFields(r.header), ID: r.ID, TTL: r.TTL });
  }
  override timeToLive(r: LeaseTimeToLiveResponse): void {
    this.print({
      ...headerFields(r.header),
      id: r.ID,
      ttl: r.TTL,
      "granted-ttl": r.grantedTTL,
      keys: r.keys.length === 0 ? null : r.keys,
    });
  }
  override leases(r: LeaseLeasesResponse): void {
    this.print({ ...headerFields(r.header), leases: r.leases.map((l) => ({ id: l.ID })) });
  }
  override memberAdd(r: WithHeader & { member?: Member | undefined; members: Member[] }): void {
    this.print({
      header: header(r.header),
      member: r.member === undefined ? undefined : memberJson(r.member),
      members: omit(r.members.map(memberJson)),
    });
  }
  override memberRemove(_id: bigint, r: WithHeader & { members: Member[] }): void {
    this.print(membersJson(r));
  }
  override memberUpdate(_id: bigint, r: WithHeader & { members: Member[] }): void {
    this.print(membersJson(r));
  }
  override memberList(r: WithHeader & { members: Member[] }): void {
    this.print(membersJson(r));
  }
  override endpointHealth(hs: EpHealth[]): void {
    this.print(
      hs.map((h) => ({
        endpoint: h.endpoint,
        health: h.health,
        took: h.took,
        error: omit(h.error),
      })),
    );
  }
  override endpointStatus(ss: EpStatus[]): void {
    this.print(ss.map((s) => ({ Endpoint: s.endpoint, Status: statusJson(s.resp) })));
  }
  override endpointHashKV(hs: EpHashKV[]): void {
    this.print(
      hs.map((h) => ({
        Endpoint: h.endpoint,
        HashKV: {
          header: header(h.resp.header),
          hash: omit(h.resp.hash),
          compact_revision: omit(h.resp.compactRevision),
        },
      })),
    );
  }
  override moveLeader(_l: bigint, _t: bigint, r: WithHeader): void {
    this.headerOnly(r);
  }
  override alarm(r: AlarmResponse): void {
    this.print({
      header: header(r.header),
      alarms: omit(r.alarms.map((a) => ({ memberID: omit(a.memberID), alarm: omit(a.alarm) }))),
    });
  }
  override dbStatus(s: DbStatus): void {
    this.print({
      hash: s.hash,
      revision: s.revision,
      totalKey: s.totalKey,
      totalSize: s.totalSize,
    });
  }
  override roleAdd(_role: string, r: WithHeader): void {
    this.headerOnly(r);
  }
  override roleGet(_role: string, r: WithHeader & { perm: Permission[] }): void {
    this.print({ header: header(r.header), perm: omit(r.perm.map(permJson)) });
  }
  override roleDelete(_role: string, r: WithHeader): void {
    this.headerOnly(r);
  }
  override roleList(r: WithHeader & { roles: string[] }): void {
    this.print({ header: header(r.header), roles: omit(r.roles) });
  }
  override roleGrantPermission(_role: string, r: WithHeader): void {
    this.headerOnly(r);
  }
  override roleRevokePermission(_role: string, _k: string, _e: string, r: WithHeader): void {
    this.headerOnly(r);
  }
  override userAdd(_user: string, r: WithHeader): void {
    this.headerOnly(r);
  }
  override userGet(_user: string, r: WithHeader & { roles: string[] }): void {
    this.print({ header: header(r.header), roles: omit(r.roles) });
  }
  override userList(r: WithHeader & { users: string[] }): void {
    this.print({ header: header(r.header), users: omit(r.users) });
  }
  override userChangePassword(r: WithHeader): void {
    this.headerOnly(r);
  }
  override userGrantRole(_u: string, _r: string, r: WithHeader): void {
    this.headerOnly(r);
  }
  override userRevokeRole(_u: string, _r: string, r: WithHeader): void {
    this.headerOnly(r);
  }
  override userDelete(_user: string, r: WithHeader): void {
    this.headerOnly(r);
  }
}
