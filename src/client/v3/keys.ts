// Key-range helpers shared by callers: the range end that selects every key with a prefix.

/**
 * The smallest key greater than every key starting with `prefix`: drop trailing 0xff bytes and
 * increment the last remaining one; an all-0xff (or empty) prefix gives "\0" (= to the end).
 */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    const byte = end[i];
    if (byte !== undefined && byte < 0xff) {
      end[i] = byte + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
