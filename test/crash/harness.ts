// Crash rounds against the WAL: spawn the writer child, SIGKILL it at a random moment,
// reopen the WAL here and check that every acknowledged batch is there (with the content
// the model derives from index and term), that nothing else is except a prefix of what was
// in flight, and that a torn tail was repaired. The recovered log is the model for the
// next round, in which the child appends to the repaired WAL.

import { spawn } from "node:child_process";
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeEntry } from "../../src/raft/codec.js";
import { Wal } from "../../src/wal/index.js";
import { RecordType, SECTOR_BYTES, parseSegment } from "../../src/wal/record.js";
import type { SnapshotMarker } from "../../src/wal/index.js";
import { parseLine, payloadFor } from "./model.js";
import type { ChildLine } from "./model.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, "child.ts");
const REPO = join(HERE, "..", "..");
export const CRASH_SEGMENT_BYTES = 128 * 1024;

export interface CrashOptions {
  rounds: number;
  /** Independent WAL directories exercised in parallel (rounds are split between them). */
  lanes?: number;
  seed?: number;
  segmentSizeBytes?: number;
  /** Kill within this many ms after the child reports it is writing. */
  maxKillDelayMs?: number;
  keepDirs?: boolean;
  progress?: (line: string) => void;
}

export interface CrashResult {
  rounds: number;
  /** Acknowledged (durable) saves and snapshot markers. */
  acknowledged: number;
  /** Acknowledged entries missing or different after recovery. */
  lost: number;
  tornRepairs: number;
  errors: string[];
  dirs: string[];
}

interface Lane {
  dir: string;
  /** terms[i] = term of entry i; entries at or below snap.index are not checked any more. */
  terms: number[];
  snap: SnapshotMarker;
  hs: { term: number; commit: number };
}

/** Deterministic PRNG so a failing seed can be rerun. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export async function runCrashRounds(opts: CrashOptions): Promise<CrashResult> {
  const lanes = Math.max(1, opts.lanes ?? 1);
  const seed = opts.seed ?? Date.now() % 1_000_000;
  const result: CrashResult = {
    rounds: 0,
    acknowledged: 0,
    lost: 0,
    tornRepairs: 0,
    errors: [],
    dirs: [],
  };
  const jobs: Promise<void>[] = [];
  for (let l = 0; l < lanes; l++) {
    const rounds = Math.floor(opts.rounds / lanes) + (l < opts.rounds % lanes ? 1 : 0);
    const dir = mkdtempSync(join(tmpdir(), "tsctl-crash-"));
    result.dirs.push(dir);
    const lane: Lane = {
      dir: join(dir, "wal"),
      terms: [0],
      snap: { index: 0, term: 0 },
      hs: { term: 0, commit: 0 },
    };
    jobs.push(runLane(lane, rounds, seed + l * 7919, opts, result));
  }
  await Promise.all(jobs);
  if (!opts.keepDirs) for (const d of result.dirs) rmSync(d, { recursive: true, force: true });
  return result;
}

async function runLane(
  lane: Lane,
  rounds: number,
  seed: number,
  opts: CrashOptions,
  result: CrashResult,
): Promise<void> {
  const rnd = prng(seed);
  const segBytes = opts.segmentSizeBytes ?? CRASH_SEGMENT_BYTES;
  for (let round = 0; round < rounds; round++) {
    const childSeed = Math.floor(rnd() * 2 ** 32);
    // Mostly kill while writing; sometimes at any moment, even while the child recovers.
    const early = rnd() < 0.1;
    const delayMs = Math.floor(rnd() * (opts.maxKillDelayMs ?? 300));
    const lines = await runChild(lane, childSeed, segBytes, early, delayMs);
    const tag = `seed=${seed} round=${round} child-seed=${childSeed}`;
    try {
      if (rnd() < 0.5) tearTail(lane, lines, rnd);
      const acked = await check(lane, lines, segBytes, result);
      result.acknowledged += acked;
    } catch (err) {
      result.errors.push(`${tag}: ${(err as Error).message}`);
      return; // the lane's WAL can't be trusted any more
    }
    result.rounds++;
    opts.progress?.(`crash: ${tag} ok (acknowledged so far ${result.acknowledged})`);
  }
}

function runChild(
  lane: Lane,
  seed: number,
  segBytes: number,
  early: boolean,
  delayMs: number,
): Promise<ChildLine[]> {
  return new Promise((resolve, reject) => {
    const args = [
      "--import",
      "tsx",
      CHILD,
      lane.dir,
      String(seed),
      String(lane.snap.index),
      String(lane.snap.term),
      String(segBytes),
    ];
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let killTimer: NodeJS.Timeout | undefined;
    const kill = () => child.kill("SIGKILL");
    const guard = setTimeout(kill, 30_000);
    if (early) killTimer = setTimeout(kill, delayMs + 200);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      if (out === "" && killTimer === undefined && chunk.startsWith("ready")) {
        killTimer = setTimeout(kill, delayMs);
      }
      out += chunk;
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (err += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      clearTimeout(killTimer);
      if (signal !== "SIGKILL") {
        reject(new Error(`child ended with code ${code} signal ${signal}: ${err.slice(-2000)}`));
        return;
      }
      // A line cut by the kill has no newline: it was never complete.
      const complete = out.slice(0, out.lastIndexOf("\n") + 1);
      resolve(
        complete
          .split("\n")
          .filter((l) => l !== "")
          .map(parseLine),
      );
    });
  });
}

type Sent = Exclude<ChildLine, { kind: "A" } | { kind: "ready" }>;

/** Verifies the reopened WAL against the child's report; returns acknowledged calls. */
async function check(
  lane: Lane,
  lines: ChildLine[],
  segBytes: number,
  result: CrashResult,
): Promise<number> {
  const sent: Sent[] = [];
  let acked = 0;
  for (const line of lines) {
    if (line.kind === "ready") {
      if (line.lastIndex !== lane.terms.length - 1) {
        throw new Error(
          `child recovered last index ${line.lastIndex}, expected ${lane.terms.length - 1}`,
        );
      }
    } else if (line.kind === "A") {
      // Acknowledgements come in call order: group commit never reorders.
      if (sent[acked]?.id !== line.id) throw new Error(`ack ${line.id} out of order`);
      acked++;
    } else {
      sent.push(line);
    }
  }

  // The model after every acknowledged call.
  const model = lane.terms.slice();
  let snap = lane.snap;
  let hs = lane.hs;
  for (const s of sent.slice(0, acked)) {
    if (s.kind === "P") {
      if (s.index > snap.index) snap = { index: s.index, term: s.term };
    } else {
      applyBatch(model, s.first, s.count, s.term);
      hs = { term: s.term, commit: s.commit };
    }
  }
  if (!Wal.exists(lane.dir)) {
    if (acked > 0) throw new Error("acknowledged writes but no WAL");
    return 0;
  }

  const warnings: string[] = [];
  const logger = { info: () => {}, error: () => {}, warn: (m: string) => void warnings.push(m) };
  const r = await Wal.open(lane.dir, {
    fromSnapshot: snap,
    segmentSizeBytes: segBytes,
    maxWals: 3,
    logger,
  });
  try {
    if (warnings.some((w) => w.includes("torn"))) result.tornRepairs++;
    const got = r.entries;
    got.forEach((e, i) => {
      if (e.index !== snap.index + 1 + i) throw new Error(`entry ${e.index} out of place`);
      if (Buffer.compare(e.data, payloadFor(e.index, e.term)) !== 0) {
        throw new Error(`entry ${e.index} term ${e.term}: wrong content`);
      }
    });
    if (r.hardState.term < hs.term || r.hardState.commit < hs.commit) {
      throw new Error(
        `hard state ${JSON.stringify(r.hardState, big)} older than acknowledged ${JSON.stringify(hs)}`,
      );
    }

    // Recovered = model + some prefix of the in-flight entries (records tear one by one).
    const matches = (m: number[]) =>
      m.length - 1 === snap.index + got.length && got.every((e) => m[e.index] === e.term);
    const candidate = model.slice();
    let ok = matches(candidate);
    for (const s of sent.slice(acked)) {
      if (ok || s.kind !== "S") continue;
      for (let i = 0; i < s.count && !ok; i++) {
        applyBatch(candidate, s.first + i, 1, s.term);
        ok = matches(candidate);
      }
    }
    if (!ok) {
      let lost = 0;
      for (let i = snap.index + 1; i < model.length; i++) {
        if (got[i - snap.index - 1]?.term !== model[i]) lost++;
      }
      result.lost += lost;
      throw new Error(
        `recovered log (${got.length} entries after ${snap.index}) misses ${lost} acknowledged entries`,
      );
    }
    lane.terms = model.slice(0, snap.index + 1);
    for (const e of got) lane.terms.push(e.term);
    lane.snap = snap;
    lane.hs = { term: r.hardState.term, commit: r.hardState.commit };
  } finally {
    await r.wal.close();
  }
  return acked;
}

/**
 * Simulates a write cut short by the crash: truncates or zeroes the final segment from a
 * random byte inside its trailing run of records that belong to unacknowledged batches
 * (found by their index and term), so no acknowledged byte is touched.
 */
function tearTail(lane: Lane, lines: ChildLine[], rnd: () => number): void {
  const ackedIds = new Set(lines.flatMap((l) => (l.kind === "A" ? [l.id] : [])));
  const inFlight = lines.flatMap((l) => (l.kind === "S" && !ackedIds.has(l.id) ? [l] : []));
  if (inFlight.length === 0) return;
  let names: string[];
  try {
    names = readdirSync(lane.dir)
      .filter((n) => n.endsWith(".wal"))
      .sort();
  } catch {
    return;
  }
  if (names.length === 0) return;
  const file = join(lane.dir, names[names.length - 1]!);
  const buf = readFileSync(file);
  let parsed;
  try {
    parsed = parseSegment(buf, file, true);
  } catch {
    return; // damage of its own: check() will report it
  }
  let from = -1;
  for (let i = parsed.records.length - 1; i >= 0; i--) {
    const rec = parsed.records[i]!;
    if (rec.type === RecordType.State) continue;
    if (rec.type !== RecordType.Entry) break;
    const e = decodeEntry(rec.payload);
    const mine = inFlight.some(
      (s) => s.term === e.term && e.index >= s.first && e.index < s.first + s.count,
    );
    if (!mine) break;
    from = rec.offset;
  }
  if (from < 0) return;
  const cut = from + Math.floor(rnd() * (parsed.validEnd - from));
  // A lost write leaves whole sectors unwritten: zero from a sector boundary when one lies
  // inside the torn region, otherwise cut the file there.
  const sector = Math.ceil(cut / SECTOR_BYTES) * SECTOR_BYTES;
  if (rnd() < 0.5 || sector >= parsed.validEnd) truncateSync(file, cut);
  else {
    buf.fill(0, sector, parsed.validEnd);
    writeFileSync(file, buf);
  }
}

function applyBatch(terms: number[], first: number, count: number, term: number): void {
  if (first > terms.length)
    throw new Error(`batch at ${first} leaves a gap after ${terms.length - 1}`);
  terms.length = first;
  for (let i = 0; i < count; i++) terms.push(term);
}

function big(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}
