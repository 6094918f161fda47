// An exclusive lock on a directory, so two members (or two Wals in one process) never append
// to the same log: a LOCK file created with O_EXCL holding the owner's pid. A lock whose pid
// is dead is stale and taken over (a pid equal to ours but not held by this process is
// stale too: containers reuse pids across restarts).

import { readFileSync, realpathSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WalLockedError } from "./errors.js";

const LOCK_FILE = "LOCK";
const heldHere = new Set<string>();

export interface DirLock {
  readonly path: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  return !zombie(pid);
}

/**
 * A killed process that nobody has reaped yet still answers kill(pid, 0), but it holds
 * nothing any more (in a container whose init does not reap, it never goes away).
 */
function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false; // no /proc here: trust kill(pid, 0)
  }
}

export function lockDir(dir: string): DirLock {
  const path = join(realpathSync(dir), LOCK_FILE);
  if (heldHere.has(path)) throw new WalLockedError(`${dir} is already open in this process`);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 3) throw err;
    }
    let owner = NaN;
    try {
      owner = Number.parseInt(readFileSync(path, "utf8"), 10);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue; // released meanwhile
      throw err;
    }
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new WalLockedError(`${dir} is locked by process ${owner} (${path})`);
    }
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  heldHere.add(path);
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      heldHere.delete(path);
      try {
        unlinkSync(path);
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
}
