// Member and cluster ids as etcd derives them (uint64 as bigint), and their text forms.
// Member id: first 8 bytes (big-endian) of SHA1(sorted peer URLs + token [+ unix seconds]).
// Cluster id: first 8 bytes of SHA1(the members' ids as 8-byte big-endian, sorted ascending).
import { createHash } from "node:crypto";

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * `token` is --initial-cluster-token at bootstrap (the whole discovery URL with --discovery);
 * `unixSeconds` is given only for members added at run time (where the token is empty).
 */
export function computeMemberId(
  peerUrls: readonly string[],
  token: string,
  unixSeconds?: number,
): bigint {
  const sorted = [...peerUrls].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let material = sorted.join("") + token;
  if (unixSeconds !== undefined) {
    if (!Number.isInteger(unixSeconds))
      throw new Error(`unixSeconds must be an integer: ${unixSeconds}`);
    material += String(unixSeconds);
  }
  return first8(createHash("sha1").update(material, "utf8").digest());
}

export function computeClusterId(memberIds: readonly bigint[]): bigint {
  const sorted = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const buf = Buffer.alloc(8 * sorted.length);
  sorted.forEach((id, i) => {
    assertUint64(id);
    buf.writeBigUInt64BE(id, 8 * i);
  });
  return first8(createHash("sha1").update(buf).digest());
}

function first8(digest: Buffer): bigint {
  return digest.readBigUInt64BE(0);
}

function assertUint64(id: bigint): void {
  if (id < 0n || id > UINT64_MAX) throw new Error(`id out of uint64 range: ${id}`);
}

/** `%x`: lower-case hex, no padding (member/cluster ids in etcd's texts). */
export function idToHex(id: bigint): string {
  assertUint64(id);
  return id.toString(16);
}

/** `%016x`: zero-padded to 16 digits (lease ids, WAL/snapshot file names). */
export function idToHex16(id: bigint): string {
  assertUint64(id);
  return id.toString(16).padStart(16, "0");
}

/** `%16x`: space-padded to 16 (etcdctl's "Member %16x added ..." lines). */
export function idToHexSpacePadded(id: bigint): string {
  assertUint64(id);
  return id.toString(16).padStart(16, " ");
}

/** `%d`: decimal, as JSON output prints uint64 ids. */
export function idToDecimal(id: bigint): string {
  assertUint64(id);
  return id.toString(10);
}

/** Parses a hex id as etcd accepts it (`strconv.ParseUint(s, 16, 64)`); throws on junk. */
export function parseHexId(text: string): bigint {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text)) throw new Error(`invalid hex id: ${JSON.stringify(text)}`);
  return BigInt(`0x${text}`);
}

/** Parses a decimal uint64 id; throws on junk or overflow. */
export function parseDecimalId(text: string): bigint {
  if (!/^\d{1,20}$/.test(text)) throw new Error(`invalid id: ${JSON.stringify(text)}`);
  const id = BigInt(text);
  assertUint64(id);
  return id;
}
