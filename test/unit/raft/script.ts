// A tiny interpreter for raft scenario scripts: one action per line, each followed by
// the cluster settling (Readies processed, messages delivered), and `expect` lines that
// state what must hold. Readable as a story; a failure names the script line.
//
//   cluster voters=1,2,3 learners=4 prevote checkquorum lease   (first line)
//   campaign 1 | tick 1 x10 | tickall x10 | propose 1 hello | propose 3 x -> dropped
//   isolate 2 | partition 1,2 | 3 | cut 1>2 | heal | drop App,AppResp
//   crash 2 | restart 2 | compact 1 | transfer 1 -> 2 | read 1 ctx
//   add-learner 1 4 | add 1 4 | remove 1 3          (conf change proposed at node 1)
//   expect 1 state=leader term=2 lead=1 commit=3 applied=3 log=2,2:a vote=1
//   expect 1 voters=1,2,3 learners=4 reads=ctx@3 data=a,b
//   expect leader=1 | expect leaders=none
import assert from "node:assert/strict";
import {
  ConfChangeType,
  MessageType,
  ProposalDroppedError,
  type NodeId,
} from "../../../src/raft/index.js";
import { Cluster, bytes, text, type NodeOptions } from "./harness.js";

const ids = (s: string): NodeId[] =>
  s === "" || s === "none" ? [] : s.split(",").map((x) => BigInt(x));
const idList = (xs: readonly NodeId[]): string => (xs.length === 0 ? "none" : xs.join(","));

export function runScript(script: string, name = "script"): Cluster {
  let cluster: Cluster | undefined;
  const readStates = new Map<NodeId, string[]>();
  const lines = script.split("\n");
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!.replace(/#.*/, "").trim();
    if (line === "") continue;
    const where = `${name}:${ln + 1}: ${line}`;
    const [cmd, ...args] = line.split(/\s+/);
    const c = (): Cluster => {
      if (!cluster) throw new Error(`${where}: first line must be 'cluster ...'`);
      return cluster;
    };
    const collectReads = (): void => {
      for (const n of c().nodes.values()) {
        const list = readStates.get(n.id) ?? [];
        list.push(...n.readStates.splice(0).map((rs) => `${text(rs.requestCtx)}@${rs.index}`));
        readStates.set(n.id, list);
      }
    };
    try {
      switch (cmd) {
        case "cluster": {
          const kv = Object.fromEntries(args.map((a) => a.split("=")));
          const opts: NodeOptions = {
            preVote: "prevote" in kv,
            checkQuorum: "checkquorum" in kv,
            readOnlyOption: "lease" in kv ? "leaseBased" : "safe",
          };
          if (kv.inflight) opts.maxInflightMsgs = Number(kv.inflight);
          if (kv.maxsize) opts.maxSizePerMsg = Number(kv.maxsize);
          cluster = new Cluster(ids(kv.voters ?? ""), ids(kv.learners ?? ""), opts);
          break;
        }
        case "campaign":
          c().rn(BigInt(args[0]!)).campaign();
          c().stabilize();
          break;
        case "tick": {
          const times = Number((args[1] ?? "x1").slice(1));
          for (let i = 0; i < times; i++) {
            c().rn(BigInt(args[0]!)).tick();
            c().stabilize();
          }
          break;
        }
        case "tickall":
          c().tickAll(Number((args[0] ?? "x1").slice(1)));
          break;
        case "propose": {
          const expectDrop = args[2] === "->" && args[3] === "dropped";
          try {
            c().rn(BigInt(args[0]!)).propose(bytes(args[1]!));
            if (expectDrop) assert.fail("proposal was not dropped");
          } catch (err) {
            if (!(err instanceof ProposalDroppedError) || !expectDrop) throw err;
          }
          c().stabilize();
          break;
        }
        case "isolate":
          c().isolate(BigInt(args[0]!));
          break;
        case "partition":
          c().partition(
            ...args
              .join(" ")
              .split("|")
              .map((g) => ids(g.trim().replace(/\s+/g, ","))),
          );
          break;
        case "cut": {
          const [from, to] = args[0]!.split(">");
          c().cutLink(BigInt(from!), BigInt(to!));
          break;
        }
        case "drop":
          for (const t of args[0]!.split(","))
            c().dropTypes.add(MessageType[t as keyof typeof MessageType]);
          break;
        case "heal":
          c().heal();
          c().stabilize();
          break;
        case "crash":
          c().crash(BigInt(args[0]!));
          break;
        case "restart":
          c().restart(BigInt(args[0]!));
          c().stabilize();
          break;
        case "compact":
          c().compact(BigInt(args[0]!));
          break;
        case "transfer":
          c().rn(BigInt(args[0]!)).transferLeader(BigInt(args[2]!));
          c().stabilize();
          break;
        case "read":
          c().rn(BigInt(args[0]!)).readIndex(bytes(args[1]!));
          c().stabilize();
          break;
        case "add-learner":
        case "add":
        case "remove": {
          const type =
            cmd === "add"
              ? ConfChangeType.AddNode
              : cmd === "remove"
                ? ConfChangeType.RemoveNode
                : ConfChangeType.AddLearnerNode;
          const target = BigInt(args[1]!);
          if (cmd !== "remove" && !c().nodes.has(target)) c().add(target);
          c()
            .rn(BigInt(args[0]!))
            .proposeConfChange({ id: 0n, type, nodeId: target, context: new Uint8Array(0) });
          c().stabilize();
          break;
        }
        case "expect":
          collectReads();
          expectLine(c(), args, readStates);
          break;
        default:
          throw new Error(`unknown command ${cmd}`);
      }
    } catch (err) {
      const e = err as Error;
      e.message = `${where}\n${e.message}`;
      throw e;
    }
  }
  return cluster!;
}

function expectLine(c: Cluster, args: string[], readStates: Map<NodeId, string[]>): void {
  if (args[0]!.startsWith("leader=") || args[0]!.startsWith("leaders=")) {
    const want = args[0]!.split("=")[1]!;
    assert.equal(idList(c.leaders()), want, "leaders");
    return;
  }
  const id = BigInt(args[0]!);
  for (const kv of args.slice(1)) {
    const [k, want] = kv.split("=") as [string, string];
    const got = (): string => {
      if (k === "data") return c.appliedData(id).join(",");
      if (k === "reads") return (readStates.get(id) ?? []).join(",");
      const rn = c.rn(id);
      const r = rn.raft;
      switch (k) {
        case "state":
          return r.state;
        case "term":
          return String(r.term);
        case "lead":
          return String(r.lead);
        case "vote":
          return String(r.vote);
        case "commit":
          return String(r.raftLog.committed);
        case "applied":
          return String(c.node(id).appliedIndex);
        case "log":
          return c.logOf(id).join(",");
        case "first":
          return String(r.raftLog.firstIndex());
        case "voters":
          return idList(r.prs.voters);
        case "learners":
          return idList(r.prs.learners);
        case "transferee":
          return String(r.leadTransferee);
        default:
          throw new Error(`unknown expectation ${k}`);
      }
    };
    assert.equal(got(), want, `node ${id} ${k}`);
  }
}
