// The fault schedule of a chaos run: each fault is injected, held for a while, and healed
// (members restarted or resumed, links restored) before the next one.
import { watch } from "node:fs";
import type { FSWatcher } from "node:fs";
import { join } from "node:path";
import type { ChaosCluster, ChaosMember } from "./cluster.js";
import type { Prng } from "./workload.js";
import { pb, unary } from "./rpc.js";
import type { MemberClients } from "./rpc.js";

export const FAULT_KINDS = [
  "kill-member",
  "kill-leader",
  "pause-member",
  "pause-leader",
  "partition-leader",
  "partition-follower",
  "asymmetric-leader-mute",
  "asymmetric-leader-deaf",
  "restart-all",
  "torn-wal",
  "kill-during-snapshot",
  "pause-follower-kill-leader",
  "lagging-follower",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface FaultContext {
  cluster: ChaosCluster;
  clients: Map<string, MemberClients>;
  rnd: Prng;
  log: (line: string) => void;
}

/** The current leader as reported by a running member, if one is known. */
export async function findLeader(ctx: FaultContext): Promise<ChaosMember | undefined> {
  const byId = new Map<bigint, ChaosMember>();
  let leader: bigint | undefined;
  await Promise.all(
    ctx.cluster.members.map(async (m) => {
      if (!m.process || m.paused) return;
      const c = ctx.clients.get(m.name)!;
      try {
        const st = await unary(
          c.maintenance,
          c.maintenance.status,
          pb.StatusRequest.fromPartial({}),
          700,
        );
        if (st.header) byId.set(st.header.memberId, m);
        if (st.leader !== 0n) leader ??= st.leader;
      } catch {
        // unreachable member
      }
    }),
  );
  return leader === undefined ? undefined : byId.get(leader);
}

async function restart(ctx: FaultContext, m: ChaosMember): Promise<void> {
  ctx.cluster.spawn(m);
  await ctx.cluster.waitHealthy(m, 30_000).catch(() => undefined);
}

async function otherThan(ctx: FaultContext, leader: ChaosMember | undefined): Promise<ChaosMember> {
  const others = ctx.cluster.members.filter((m) => m !== leader);
  return ctx.rnd.pick(others);
}

/** Injects `kind`, holds it for `holdMs`, then heals. */
export async function runFault(ctx: FaultContext, kind: FaultKind, holdMs: number): Promise<void> {
  const { cluster, rnd } = ctx;
  const leader = await findLeader(ctx);
  const victim = leader ?? rnd.pick(cluster.members);
  switch (kind) {
    case "kill-member": {
      const m = rnd.pick(cluster.members);
      ctx.log(`kill -9 ${m.name}`);
      await cluster.kill9(m);
      await sleep(holdMs);
      await restart(ctx, m);
      break;
    }
    case "kill-leader":
      ctx.log(`kill -9 leader ${victim.name}`);
      await cluster.kill9(victim);
      await sleep(holdMs);
      await restart(ctx, victim);
      break;
    case "pause-member": {
      const m = rnd.pick(cluster.members);
      ctx.log(`SIGSTOP ${m.name}`);
      cluster.pause(m);
      await sleep(holdMs);
      cluster.resume(m);
      break;
    }
    case "pause-leader":
      // Long enough for the others to elect a new leader; on SIGCONT the old one still
      // believes it leads until it hears otherwise, and must not answer reads from that belief.
      ctx.log(`SIGSTOP leader ${victim.name}`);
      cluster.pause(victim);
      await sleep(holdMs + 1500);
      cluster.resume(victim);
      break;
    case "partition-leader":
      ctx.log(`isolate leader ${victim.name}`);
      cluster.isolate(victim.name);
      await sleep(holdMs);
      cluster.healNetwork();
      break;
    case "partition-follower": {
      const m = await otherThan(ctx, leader);
      ctx.log(`isolate follower ${m.name}`);
      cluster.isolate(m.name);
      await sleep(holdMs);
      cluster.healNetwork();
      break;
    }
    case "asymmetric-leader-mute":
      // The leader hears everyone but nobody hears it.
      ctx.log(`leader ${victim.name} cannot send`);
      for (const m of cluster.members) if (m !== victim) cluster.cut(victim.name, m.name);
      await sleep(holdMs);
      cluster.healNetwork();
      break;
    case "asymmetric-leader-deaf":
      ctx.log(`leader ${victim.name} cannot receive`);
      for (const m of cluster.members) if (m !== victim) cluster.cut(m.name, victim.name);
      await sleep(holdMs);
      cluster.healNetwork();
      break;
    case "restart-all": {
      for (const m of cluster.members) await cluster.kill9(m);
      // Each member may come back with a torn tail (a crash of the whole machine).
      const torn = cluster.members.filter(() => rnd.next() < 0.5);
      for (const m of torn) cluster.tearWalTail(m, () => rnd.next());
      ctx.log(
        `kill -9 every member, torn WAL tails: ${torn.map((m) => m.name).join(",") || "none"}`,
      );
      await sleep(Math.min(holdMs, 1000));
      for (const m of cluster.members) cluster.spawn(m);
      await Promise.all(
        cluster.members.map((m) => cluster.waitHealthy(m, 30_000).catch(() => undefined)),
      );
      break;
    }
    case "pause-follower-kill-leader": {
      // Quorum is lost for a moment; the paused follower wakes with a stale log among a
      // new election and must neither win it nor serve stale data.
      const f = await otherThan(ctx, leader);
      ctx.log(`SIGSTOP follower ${f.name}, kill -9 leader ${victim.name}`);
      cluster.pause(f);
      if (victim !== f) await cluster.kill9(victim);
      await sleep(holdMs);
      cluster.resume(f);
      await sleep(rnd.int(1000));
      if (!victim.process) await restart(ctx, victim);
      break;
    }
    case "torn-wal": {
      const m = rnd.pick(cluster.members);
      await cluster.kill9(m);
      const torn = cluster.tearWalTail(m, () => rnd.next());
      ctx.log(`kill -9 ${m.name}, torn WAL tail: ${torn}`);
      await sleep(Math.min(holdMs, 1000));
      await restart(ctx, m);
      break;
    }
    case "kill-during-snapshot": {
      // SIGKILL the moment a snapshot file appears: between the snapshot, its WAL marker,
      // and the log compaction that follows.
      const m = rnd.pick(cluster.members);
      const dir = join(m.dataDir, "member", "snap");
      let seen = false;
      await new Promise<void>((resolve) => {
        let watcher: FSWatcher | undefined;
        const done = (): void => {
          clearTimeout(timer);
          watcher?.close();
          resolve();
        };
        const timer = setTimeout(done, 10_000);
        try {
          watcher = watch(dir, () => {
            seen = true;
            cluster.killNow(m);
            done();
          });
        } catch {
          done();
        }
      });
      await cluster.kill9(m);
      ctx.log(`kill -9 ${m.name} ${seen ? "while it saved a snapshot" : "(no snapshot came)"}`);
      await sleep(Math.min(holdMs, 1000));
      await restart(ctx, m);
      break;
    }
    case "lagging-follower": {
      // Far enough behind that the leader has compacted its log (small --snapshot-count):
      // the follower catches up through a snapshot while the leader is killed meanwhile.
      const m = await otherThan(ctx, leader);
      ctx.log(`isolate follower ${m.name} long, then kill -9 leader while it catches up`);
      cluster.isolate(m.name);
      await sleep(holdMs * 2 + 3000);
      cluster.healNetwork();
      await sleep(200 + rnd.int(600));
      const l = await findLeader(ctx);
      if (l && l !== m) {
        await cluster.kill9(l);
        await sleep(1000);
        await restart(ctx, l);
      }
      break;
    }
  }
}
