// The WAL's public surface: the Wal class, its options and errors.
export { Wal, DEFAULT_MAX_WALS, DEFAULT_SEGMENT_BYTES } from "./wal.js";
export type { WalContents, WalLogger, WalOpenOptions, WalOptions, SnapshotMarker } from "./wal.js";
export * from "./errors.js";
