// The snapshotter's public surface.
export { Snapshotter, SnapCorruptError, snapName, DEFAULT_MAX_SNAPSHOTS } from "./snapshotter.js";
export type { SnapLogger, SnapshotterOptions } from "./snapshotter.js";
