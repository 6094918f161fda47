// Throughput of the consensus core alone: proposals per second committed and applied
// through a 3-voter cluster held in memory (MemoryStorage, messages handed over directly,
// no disk, no network). Run: node --import tsx bench/raft.ts [--seconds 3] [--batch 1000]
import { EntryType, MemoryStorage, RawNode, type Message, type NodeId } from "../src/raft/index.js";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const seconds = arg("seconds", 3);
const batch = arg("batch", 1000);
const payloadBytes = arg("payload", 64);

interface BenchNode {
  id: NodeId;
  storage: MemoryStorage;
  rn: RawNode;
  applied: number;
}

function cluster(): BenchNode[] {
  const voters = [1n, 2n, 3n];
  let seed = 1;
  return voters.map((id) => {
    const storage = new MemoryStorage({ voters, learners: [] });
    const rn = new RawNode({
      id,
      electionTick: 10,
      heartbeatTick: 1,
      storage,
      maxInflightMsgs: 256,
      maxSizePerMsg: 1 << 20,
      random: () => (seed = (seed * 16807) % 2147483647) / 2147483647,
    });
    return { id, storage, rn, applied: 0 };
  });
}

/** Processes every Ready and delivers every message until the cluster is idle. */
function pump(nodes: BenchNode[], byId: Map<NodeId, BenchNode>): void {
  for (;;) {
    let busy = false;
    const outbox: Message[] = [];
    for (const n of nodes) {
      if (!n.rn.hasReady()) continue;
      busy = true;
      const rd = n.rn.ready();
      if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
      n.storage.append(rd.entries);
      if (rd.hardState) n.storage.setHardState(rd.hardState);
      for (const m of rd.messages) outbox.push(m);
      for (const e of rd.committedEntries)
        if (e.type === EntryType.Normal && e.data.byteLength > 0) n.applied++;
      n.rn.advance(rd);
    }
    for (const m of outbox) byId.get(m.to)!.rn.step(m);
    if (!busy) return;
  }
}

function run(mode: "propose" | "proposeBatch"): number {
  const nodes = cluster();
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const leader = nodes[0]!;
  leader.rn.campaign();
  pump(nodes, byId);
  if (leader.rn.raft.state !== "leader") throw new Error("no leader");
  const payload = new Uint8Array(payloadBytes);
  const datas = Array.from({ length: batch }, () => payload);
  let proposed = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  let rounds = 0;
  while (now < deadline) {
    if (mode === "propose") for (let i = 0; i < batch; i++) leader.rn.propose(payload);
    else leader.rn.proposeBatch(datas);
    proposed += batch;
    pump(nodes, byId);
    // Keep the storage bounded, as a real member does with snapshots.
    if (++rounds % 50 === 0) {
      for (const n of nodes) {
        const applied = n.rn.status().applied;
        if (applied > n.storage.firstIndex() + 1000) {
          n.storage.createSnapshot(applied - 500, undefined, new Uint8Array(0));
          n.storage.compact(applied - 500);
        }
      }
    }
    now = process.hrtime.bigint();
  }
  const elapsedS = Number(now - start) / 1e9;
  for (const n of nodes) {
    if (n.applied !== proposed) throw new Error(`node ${n.id} applied ${n.applied} of ${proposed}`);
  }
  return proposed / elapsedS;
}

for (const mode of ["propose", "proposeBatch"] as const) {
  run(mode); // warm-up
  const perSecond = run(mode);
  console.log(
    `raft bench: ${mode} x${batch} per round, 3 voters in memory, ${payloadBytes} B payload: ${Math.round(perSecond).toLocaleString("en-US")} proposals/s (committed and applied on all 3)`,
  );
}
