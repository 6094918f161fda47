// Wire encoding of a membership change carried in an EntryType.ConfChange log entry,
// with the field numbers of etcd's raftpb.ConfChange so either side can decode it.
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { ConfChange, ConfChangeType } from "./types.js";

const FIELD_ID = 1;
const FIELD_TYPE = 2;
const FIELD_NODE_ID = 3;
const FIELD_CONTEXT = 4;

export function encodeConfChange(cc: ConfChange): Uint8Array {
  // etcd (gogoproto, non-nullable scalars) always writes id, type and node_id.
  const w = new BinaryWriter();
  w.tag(FIELD_ID, WireType.Varint).uint64(cc.id);
  w.tag(FIELD_TYPE, WireType.Varint).int32(cc.type);
  w.tag(FIELD_NODE_ID, WireType.Varint).uint64(cc.nodeId);
  if (cc.context.byteLength > 0) w.tag(FIELD_CONTEXT, WireType.LengthDelimited).bytes(cc.context);
  return w.finish();
}

export function decodeConfChange(bytes: Uint8Array): ConfChange {
  const r = new BinaryReader(bytes);
  const cc: ConfChange = {
    id: 0n,
    type: 0 as ConfChangeType,
    nodeId: 0n,
    context: new Uint8Array(0),
  };
  while (r.pos < r.len) {
    const [field, wt] = r.tag();
    switch (field) {
      case FIELD_ID:
        cc.id = BigInt(r.uint64());
        break;
      case FIELD_TYPE:
        cc.type = r.int32() as ConfChangeType;
        break;
      case FIELD_NODE_ID:
        cc.nodeId = BigInt(r.uint64());
        break;
      case FIELD_CONTEXT:
        cc.context = r.bytes();
        break;
      default:
        r.skip(wt, field);
    }
  }
  return cc;
}
