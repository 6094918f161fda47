// Key-range arguments shared by get, del, watch and role permissions: etcdctl's --prefix /
// --from-key rules turned into (key, range_end) bytes.
import { prefixRangeEnd } from "../../src/printer/text.js";

export interface KeyRange {
  key: Buffer;
  rangeEnd: Buffer;
}

const FROM_KEY_END = Buffer.from([0]);

/** The range for `key [end]` with --prefix / --from-key (already validated as exclusive). */
export function keyRange(
  key: string,
  end: string | undefined,
  prefix: boolean,
  fromKey: boolean,
): KeyRange {
  let k: Buffer = Buffer.from(key);
  let rangeEnd: Buffer = end === undefined ? Buffer.alloc(0) : Buffer.from(end);
  if (prefix) {
    if (k.length === 0) {
      k = Buffer.from([0]);
      rangeEnd = FROM_KEY_END;
    } else rangeEnd = prefixRangeEnd(k);
  }
  if (fromKey) {
    if (k.length === 0) k = Buffer.from([0]);
    rangeEnd = FROM_KEY_END;
  }
  return { key: k, rangeEnd };
}
