// Runs --auto-compaction-mode/--auto-compaction-retention on whichever member leads: an
// AutoCompactor exists only while this member is the leader (a new leader starts its own
// window, as etcd's compactor resumes on leadership), and its compactions are proposed
// through raft like any client Compact request.
import { AutoCompactor } from "../mvcc/auto-compactor.js";
import type { AutoCompaction } from "../config/server-config.js";
import type { Logger } from "../log/logger.js";

/** Test knob: overrides how often the compactor is stepped (revision mode: 5 min in etcd). */
export const CHECK_INTERVAL_ENV = "TSCTL_AUTO_COMPACTION_CHECK_INTERVAL_MS";
/** How often leadership is looked at. */
const LEADERSHIP_POLL_MS = 200;

export interface AutoCompactionDeps {
  isLeader(): boolean;
  currentRevision(): number;
  /** Proposes Compaction{revision} through raft; resolves once applied. */
  compact(revision: number): Promise<void>;
  logger: Logger;
  /** Step interval override (ms); defaults to the compactor's own interval. */
  checkIntervalMs?: number;
}

export interface AutoCompactionRunner {
  stop(): void;
}

export function checkIntervalFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[CHECK_INTERVAL_ENV];
  if (raw === undefined || raw === "") return undefined;
  const ms = Number(raw);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** Starts the leader-only compaction loop; undefined settings (retention 0) start nothing. */
export function startAutoCompaction(
  setting: AutoCompaction | undefined,
  deps: AutoCompactionDeps,
): AutoCompactionRunner {
  if (setting === undefined) return { stop() {} };
  let compactor: AutoCompactor | undefined;
  let stepTimer: NodeJS.Timeout | undefined;
  const make = () =>
    new AutoCompactor({
      mode: setting.mode,
      retention: setting.mode === "periodic" ? setting.periodMs : setting.revisions,
      currentRevision: deps.currentRevision,
      compact: deps.compact,
      logger: deps.logger,
    });
  const pause = () => {
    if (stepTimer) clearInterval(stepTimer);
    stepTimer = undefined;
    compactor = undefined;
  };
  const resume = () => {
    const c = make();
    compactor = c;
    stepTimer = setInterval(() => {
      if (compactor === c) void c.tick();
    }, deps.checkIntervalMs ?? c.intervalMs);
    stepTimer.unref();
  };
  const poll = setInterval(() => {
    const leader = deps.isLeader();
    if (leader && compactor === undefined) resume();
    else if (!leader && compactor !== undefined) pause();
  }, LEADERSHIP_POLL_MS);
  poll.unref();
  deps.logger.info("auto compaction enabled", {
    mode: setting.mode,
    retention: setting.retentionText,
  });
  return {
    stop() {
      clearInterval(poll);
      pause();
    },
  };
}
