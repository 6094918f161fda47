// Ad-hoc: one server, one closed-loop row, and the server's user/system CPU and context
// switches per operation from /proc, and CPU per thread name. Usage: node --import tsx bench/load/cpu-split.ts <etcd|tsctl> <op> <clients>
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadOp } from "../lib/protocol.js";
import { cpuTimeMsOf, startCluster } from "../lib/servers.js";
import { aggregate, runPhase } from "../lib/workers.js";

const kind = (process.argv[2] ?? "tsctl") as "etcd" | "tsctl";
const op = (process.argv[3] ?? "put") as LoadOp;
const clients = Number(process.argv[4] ?? 1);
const dir = mkdtempSync(join(tmpdir(), "tsctl-cpu-split-"));
const c = await startCluster({ kind, size: 1, dir });
const pid = c.members[0]!.process.pid!;
const sample = () => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const sw = [...status.matchAll(/ctxt_switches:\s+(\d+)/g)].map((m) => Number(m[1]));
  return { userMs: Number(f[11]) * 10, sysMs: Number(f[12]) * 10, switches: sw[0]! + sw[1]! };
};
/** CPU ms per thread (name and tid; the main thread marked). */
const threads = (): Map<string, number> => {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const key = tid === String(pid) ? `${name}(main)` : `${name}#${tid}`;
      out.set(key, (out.get(key) ?? 0) + (Number(f[11]) + Number(f[12])) * 10);
    } catch {
      /* thread exited */
    }
  }
  return out;
};
const t0 = threads();
const a = sample();
const exact0 = cpuTimeMsOf(pid);
const { results } = await runPhase([
  {
    type: "load",
    op,
    endpoints: c.endpoints,
    connOffset: 0,
    conns: Math.min(10, clients),
    clients,
    durationMs: 5000,
    keySpace: 1000,
  },
]);
const b = sample();
const t1 = threads();
const exact1 = cpuTimeMsOf(pid);
const g = aggregate(results);
const per = (x: number) => ((x * 1000) / g.ops).toFixed(0);
console.log(
  `${kind} ${op} x${clients}: ${g.perSec.toFixed(0)} ops/s; server per op: user ${per(b.userMs - a.userMs)} us, ` +
    `sys ${per(b.sysMs - a.sysMs)} us, ${((b.switches - a.switches) / g.ops).toFixed(1)} context switches (main thread)`,
);
const perThread = [...t1]
  .map(([name, ms]) => [name, ms - (t0.get(name) ?? 0)] as const)
  .filter(([, ms]) => ms > 0)
  .sort((x, y) => y[1] - x[1])
  .slice(0, 6)
  .map(([name, ms]) => `${name} ${per(ms)} us`);
console.log(`  scheduler run time (all threads): ${per(exact1 - exact0)} us per op`);
console.log(`  by thread (per op): ${perThread.join(", ")}`);
await c.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
