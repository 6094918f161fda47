// The crash-test writer: opens (or creates) the WAL in argv[2] and writes batches through it
// as fast as it can, several saves in flight at once (group commit), sometimes rewriting the
// uncommitted tail with a new term, sometimes saving a snapshot marker and releasing old
// segments. Every call is announced on stdout before it is made and acknowledged after it
// resolves (model.ts has the line format). It runs until the parent kills it.
//
// Usage: node --import tsx test/crash/child.ts <dir> <seed> <snapIndex> <snapTerm> <segBytes>

import { Wal } from "../../src/wal/index.js";
import type { Entry } from "../../src/raft/types.js";
import { payloadFor } from "./model.js";

const [dir, seedText, snapIndexText, snapTermText, segText] = process.argv.slice(2);
if (dir === undefined || segText === undefined) {
  process.stderr.write("usage: child.ts <dir> <seed> <snapIndex> <snapTerm> <segBytes>\n");
  process.exit(2);
}
// Never outlive a parent that forgot us.
setTimeout(() => process.exit(3), 60_000).unref();

let seed = Number(seedText) >>> 0;
function rnd(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const opts = {
  segmentSizeBytes: Number(segText),
  maxWals: 3,
  logger: { info: () => {}, warn: () => {}, error: () => {} },
};
const META = new TextEncoder().encode("crash-test member");
let snap = { index: Number(snapIndexText), term: Number(snapTermText) };

// terms[i] is the term of entry i for i >= snap.index.
const terms = new Map<number, number>([[snap.index, snap.term]]);
let wal: Wal;
let last = snap.index;
let term = Math.max(1, snap.term);
let commit = snap.index;

if (!Wal.exists(dir)) {
  wal = await Wal.create(dir, META, opts);
} else {
  const r = await Wal.open(dir, { ...opts, fromSnapshot: snap });
  wal = r.wal;
  for (const e of r.entries) {
    terms.set(e.index, e.term);
    last = e.index;
    term = Math.max(term, e.term);
  }
  term = Math.max(term, r.hardState.term);
  commit = Math.min(Math.max(commit, r.hardState.commit), last);
}

const out = (line: string) => void process.stdout.write(`${line}\n`);
out(`ready ${last}`);

let nextId = 1;

async function worker(): Promise<void> {
  for (;;) {
    const id = nextId++;
    const r = rnd();
    if (r < 0.03 && commit > snap.index) {
      const marker = { index: commit, term: terms.get(commit)! };
      out(`P ${id} ${marker.index} ${marker.term}`);
      await wal.saveSnapshot(marker);
      out(`A ${id}`);
      if (marker.index > snap.index) {
        snap = marker;
        for (const k of terms.keys()) if (k < snap.index) terms.delete(k);
        void wal.releaseLockTo(snap.index);
      }
      continue;
    }
    let first = last + 1;
    if (r < 0.1 && last > commit) {
      // Raft may replace the uncommitted tail after a leader change.
      first = commit + 1 + Math.floor(rnd() * (last - commit));
      term++;
    }
    const batchTerm = term;
    const count = 1 + Math.floor(rnd() * 20);
    const ents: Entry[] = [];
    for (let i = first; i < first + count; i++) {
      ents.push({ index: i, term, type: 0, data: payloadFor(i, term) });
      terms.set(i, term);
    }
    for (let i = first + count; i <= last; i++) terms.delete(i);
    last = first + count - 1;
    const sentCommit = commit;
    out(`S ${id} ${first} ${count} ${term} ${sentCommit}`);
    await wal.save({ term, vote: 1n, commit: sentCommit }, ents);
    out(`A ${id}`);
    // Acknowledged entries may be committed, unless a later rewrite already replaced them.
    const ackedLast = first + count - 1;
    if (terms.get(ackedLast) === batchTerm && ackedLast > commit)
      commit = Math.min(ackedLast, last);
  }
}

const inFlight = 1 + Math.floor(rnd() * 8);
await Promise.all(Array.from({ length: inFlight }, () => worker()));
