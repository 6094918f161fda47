// Automatic compaction on the leader, as etcd's --auto-compaction-mode/-retention: either
// keep a time window of history (periodic) or the last N revisions (revision). It only
// decides *when* and *to which revision*; the callback proposes the compaction through raft.
import { isEtcdError } from "../errors.js";
import { silentLogger } from "./types.js";
import type { Logger } from "./types.js";

export type AutoCompactionMode = "periodic" | "revision";

export interface AutoCompactorOptions {
  mode: AutoCompactionMode;
  /** periodic: history to keep in ms; revision: number of revisions to keep. */
  retention: number;
  /** The store's current revision. */
  currentRevision: () => number;
  /** Proposes a compaction; a "compacted" error counts as done. */
  compact: (revision: number) => Promise<void> | void;
  nowMs?: () => number;
  logger?: Logger;
}

const HOUR_MS = 3_600_000;
/** The revision mode checks this often (etcd: 5 minutes). */
export const REVISION_CHECK_INTERVAL_MS = 5 * 60_000;

export class AutoCompactor {
  /** How often `tick()` should run. */
  readonly intervalMs: number;
  private readonly now: () => number;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  // periodic state: revision samples, one per interval, oldest first
  private samples: number[] = [];
  private readonly maxSamples: number;
  private lastSuccessMs: number;
  private waitMs: number;
  // revision state
  private lastCompacted = 0;

  constructor(private readonly opts: AutoCompactorOptions) {
    if (!(opts.retention > 0)) throw new Error("auto compaction: retention must be positive");
    this.now = opts.nowMs ?? Date.now;
    this.logger = opts.logger ?? silentLogger;
    if (opts.mode === "periodic") {
      this.intervalMs = Math.min(opts.retention, HOUR_MS) / 10;
      this.maxSamples = Math.max(1, Math.round(opts.retention / this.intervalMs));
    } else {
      this.intervalMs = REVISION_CHECK_INTERVAL_MS;
      this.maxSamples = 0;
    }
    this.lastSuccessMs = this.now();
    // the first compaction waits a full retention period, later ones one interval
    this.waitMs = opts.retention;
    if (opts.mode === "periodic") this.samples.push(opts.currentRevision());
  }

  /** Starts timers (unref'd, so they never keep the process alive). */
  start(): void {
    if (this.timer) return;
    const loop = () => {
      this.timer = setTimeout(() => {
        void this.tick().finally(() => {
          if (this.timer) loop();
        });
      }, this.intervalMs);
      this.timer.unref();
    };
    loop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One step; returns the revision it asked to compact to, if any. */
  async tick(): Promise<number | undefined> {
    if (this.running) return undefined;
    this.running = true;
    try {
      return this.opts.mode === "periodic" ? await this.periodic() : await this.revision();
    } finally {
      this.running = false;
    }
  }

  private async periodic(): Promise<number | undefined> {
    const now = this.now();
    let asked: number | undefined;
    // samples[0] was taken `retention` ago once the window is full
    if (now - this.lastSuccessMs >= this.waitMs) {
      asked = this.samples[0]!;
      if (await this.propose(asked)) {
        this.lastSuccessMs = now;
        this.waitMs = this.intervalMs;
      }
    }
    this.samples.push(this.opts.currentRevision());
    while (this.samples.length > this.maxSamples) this.samples.shift();
    return asked;
  }

  private async revision(): Promise<number | undefined> {
    const rev = this.opts.currentRevision() - this.opts.retention;
    if (rev <= 0 || rev === this.lastCompacted) return undefined;
    if (await this.propose(rev)) this.lastCompacted = rev;
    return rev;
  }

  private async propose(rev: number): Promise<boolean> {
    try {
      await this.opts.compact(rev);
      this.logger.info("completed auto compaction", { revision: rev, mode: this.opts.mode });
      return true;
    } catch (err) {
      if (isEtcdError(err, "Compacted")) return true;
      this.logger.warn("failed auto compaction", { revision: rev, error: String(err) });
      return false;
    }
  }
}
