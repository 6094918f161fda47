// The WAL's error types: each names what is wrong and where (file and byte offset), so an
// operator can find the damage. None of them is ever swallowed by the WAL itself.

export class WalError extends Error {
  constructor(message: string) {
    super(`wal: ${message}`);
    this.name = new.target.name;
  }
}

/** A record that fails its CRC, framing or decoding anywhere but the torn tail. */
export class WalCorruptError extends WalError {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`corrupt record in ${file} at byte offset ${offset}: ${reason}`);
  }
}

/** The segment sequence has a hole, or no segment covers the requested start index. */
export class WalMissingSegmentError extends WalError {}

/** The snapshot the caller loaded has no marker in the WAL. */
export class WalSnapshotNotFoundError extends WalError {
  constructor(
    readonly index: number,
    readonly term: number,
  ) {
    super(`snapshot marker (index ${index}, term ${term}) not found in the WAL`);
  }
}

/** The WAL has a snapshot marker at the caller's index but with another term. */
export class WalSnapshotMismatchError extends WalError {}

/** Another live process (or another Wal in this one) holds the directory. */
export class WalLockedError extends WalError {}

export class WalExistsError extends WalError {}

export class WalClosedError extends WalError {}
