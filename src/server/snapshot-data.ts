// What a raft snapshot carries in Snapshot.data: the membership and v2 store as JSON, and,
// only in snapshots sent to a lagging member, the whole applied KV database.
//
// Layout: u32 BE length of the JSON part, the JSON (utf8), then the database bytes (if any).

export interface SnapshotState {
  cluster: unknown;
  v2store?: unknown;
}

export interface DecodedSnapshotData {
  state: SnapshotState;
  db?: Uint8Array;
}

export function encodeSnapshotData(state: SnapshotState, db?: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(state), "utf8");
  const out = Buffer.allocUnsafe(4 + json.length + (db?.length ?? 0));
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  if (db) out.set(db, 4 + json.length);
  return out;
}

export function decodeSnapshotData(data: Uint8Array): DecodedSnapshotData {
  if (data.length < 4) throw new Error(`corrupt snapshot data: ${data.length} bytes`);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const jsonLen = buf.readUInt32BE(0);
  if (4 + jsonLen > buf.length) throw new Error("corrupt snapshot data: JSON part truncated");
  const state = JSON.parse(buf.subarray(4, 4 + jsonLen).toString("utf8")) as SnapshotState;
  const rest = buf.subarray(4 + jsonLen);
  return rest.length > 0 ? { state, db: rest } : { state };
}
