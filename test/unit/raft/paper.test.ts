// Tests named after the rules of the Raft paper (Ongaro & Ousterhout, 2014), section by
// section, driving single state machines with hand-made messages.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MessageType, NONE } from "../../../src/raft/index.js";
import {
  drain,
  ents,
  makeLeader,
  msg,
  newRaft,
  persistAll,
  storageWith,
  types,
} from "./helpers.js";
import { Cluster } from "./harness.js";

const V = [1n, 2n, 3n];

describe("§5.1 terms", () => {
  test("a node that sees a higher term adopts it and becomes follower", () => {
    for (const state of ["follower", "candidate", "leader"] as const) {
      const r = newRaft(1n, V);
      if (state === "candidate") r.becomeCandidate();
      if (state === "leader") makeLeader(r);
      r.step(msg(MessageType.App, 2n, 1n, { term: 5 }));
      assert.equal(r.state, "follower", state);
      assert.equal(r.term, 5);
      assert.equal(r.lead, 2n);
      assert.equal(r.vote, NONE);
    }
  });

  test("a message with a stale term is ignored", () => {
    const r = newRaft(1n, V, { log: ents(1, 2) });
    r.becomeFollower(3, 2n);
    r.step(
      msg(MessageType.App, 3n, 1n, {
        term: 2,
        index: 2,
        logTerm: 2,
        entries: ents(1, 2, 2).slice(2),
      }),
    );
    assert.equal(r.raftLog.lastIndex(), 2);
    assert.equal(r.term, 3);
    assert.deepEqual(drain(r), []);
  });

  test("with check-quorum, a stale leader is told the current term so it steps down", () => {
    const r = newRaft(1n, V, { checkQuorum: true });
    r.becomeFollower(3, 2n);
    r.step(msg(MessageType.Heartbeat, 3n, 1n, { term: 2 }));
    const out = drain(r);
    assert.deepEqual(types(out), ["AppResp>3"]);
    assert.equal(out[0]!.term, 3);
  });
});

describe("§5.2 leader election", () => {
  test("a follower that hears nothing for an election timeout becomes candidate and asks for votes", () => {
    const r = newRaft(1n, V, { log: ents(1, 1) });
    for (let i = 0; i < 2 * r.electionTimeout; i++) r.tick();
    assert.equal(r.state, "candidate");
    assert.equal(r.term, 1);
    assert.equal(r.vote, 1n);
    const out = drain(r);
    assert.deepEqual(types(out), ["Vote>2", "Vote>3"]);
    for (const m of out) {
      assert.equal(m.term, 1);
      assert.equal(m.index, 2);
      assert.equal(m.logTerm, 1);
    }
  });

  test("randomized election timeout lies in [electionTick, 2*electionTick)", () => {
    for (const x of [0, 0.1, 0.5, 0.999999]) {
      const r = newRaft(1n, V, { random: () => x });
      assert.ok(
        r.randomizedElectionTimeout >= 10 && r.randomizedElectionTimeout < 20,
        String(r.randomizedElectionTimeout),
      );
    }
    const seen = new Set<number>();
    const r = newRaft(1n, V, { random: Math.random });
    for (let i = 0; i < 500; i++) {
      r.becomeFollower(r.term + 1, NONE);
      seen.add(r.randomizedElectionTimeout);
    }
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    );
  });

  test("a candidate wins with a majority, loses with a majority against, else waits", () => {
    const cases: { size: number; votes: [bigint, boolean][]; want: string }[] = [
      { size: 1, votes: [], want: "leader" },
      { size: 3, votes: [[2n, true]], want: "leader" },
      { size: 3, votes: [[2n, false]], want: "candidate" },
      {
        size: 3,
        votes: [
          [2n, false],
          [3n, false],
        ],
        want: "follower",
      },
      { size: 5, votes: [[2n, true]], want: "candidate" },
      {
        size: 5,
        votes: [
          [2n, true],
          [3n, true],
        ],
        want: "leader",
      },
      {
        size: 5,
        votes: [
          [2n, false],
          [3n, false],
          [4n, true],
        ],
        want: "candidate",
      },
      {
        size: 5,
        votes: [
          [2n, false],
          [3n, false],
          [4n, false],
        ],
        want: "follower",
      },
    ];
    for (const c of cases) {
      const voters = Array.from({ length: c.size }, (_, i) => BigInt(i + 1));
      const r = newRaft(1n, voters);
      r.step(msg(MessageType.Hup, 1n, 0n));
      for (const [from, granted] of c.votes)
        r.step(msg(MessageType.VoteResp, from, 1n, { term: r.term, reject: !granted }));
      assert.equal(r.state, c.want, JSON.stringify(c.votes.map(([a, b]) => [String(a), b])));
      assert.equal(r.term, 1);
    }
  });

  test("Election Safety: a follower grants at most one vote per term", () => {
    const r = newRaft(1n, V);
    r.step(msg(MessageType.Vote, 2n, 1n, { term: 1 }));
    r.step(msg(MessageType.Vote, 3n, 1n, { term: 1 }));
    r.step(msg(MessageType.Vote, 2n, 1n, { term: 1 })); // a retry from the same candidate is fine
    const out = drain(r);
    assert.deepEqual(
      out.map((m) => [String(m.to), m.reject]),
      [
        ["2", false],
        ["3", true],
        ["2", false],
      ],
    );
    assert.equal(r.vote, 2n);
  });

  test("a candidate that hears from a leader of its term becomes its follower", () => {
    const r = newRaft(1n, V);
    r.becomeCandidate();
    r.step(msg(MessageType.Heartbeat, 2n, 1n, { term: r.term }));
    assert.equal(r.state, "follower");
    assert.equal(r.lead, 2n);
  });

  test("split votes: candidates time out and start a new election in a higher term", () => {
    const r = newRaft(1n, V);
    r.becomeCandidate();
    r.step(msg(MessageType.VoteResp, 2n, 1n, { term: 1, reject: true }));
    assert.equal(r.state, "candidate");
    for (let i = 0; i < 2 * r.electionTimeout; i++) r.tick();
    assert.equal(r.state, "candidate");
    assert.equal(r.term, 2);
  });

  test("Election Safety across a cluster: many elections never yield two leaders in a term", () => {
    const c = new Cluster([1n, 2n, 3n, 4n, 5n]);
    const leaderOf = new Map<number, bigint>();
    for (let round = 0; round < 300; round++) {
      c.tickAll(1);
      if (round % 37 === 0)
        c.partition(
          [BigInt((round % 5) + 1)],
          [1n, 2n, 3n, 4n, 5n].filter((x) => x !== BigInt((round % 5) + 1)),
        );
      if (round % 37 === 20) c.heal();
      for (const n of c.nodes.values()) {
        const r = n.rn!.raft;
        if (r.state !== "leader") continue;
        const prev = leaderOf.get(r.term);
        assert.ok(prev === undefined || prev === r.id, `two leaders in term ${r.term}`);
        leaderOf.set(r.term, r.id);
      }
    }
    assert.ok(leaderOf.size >= 2);
  });
});

describe("§5.3 log replication", () => {
  test("the leader appends a proposal and sends it with the previous entry's index and term", () => {
    const r = newRaft(1n, V);
    makeLeader(r);
    r.bcastAppend();
    drain(r);
    // Followers acknowledge the leader's empty entry so they are in replicate state.
    r.step(msg(MessageType.AppResp, 2n, 1n, { term: 1, index: 1 }));
    r.step(msg(MessageType.AppResp, 3n, 1n, { term: 1, index: 1 }));
    drain(r);
    r.step(
      msg(MessageType.Prop, 1n, 0n, {
        entries: [{ term: 0, index: 0, type: 0, data: new Uint8Array([7]) }],
      }),
    );
    const out = drain(r);
    assert.deepEqual(types(out), ["App>2", "App>3"]);
    for (const m of out) {
      assert.equal(m.index, 1);
      assert.equal(m.logTerm, 1);
      assert.deepEqual(
        m.entries.map((e) => [e.index, e.term]),
        [[2, 1]],
      );
    }
  });

  test("Log Matching: a follower refuses entries whose previous entry it does not hold", () => {
    const r = newRaft(2n, V, { log: ents(1, 2) });
    r.becomeFollower(3, 1n);
    r.step(
      msg(MessageType.App, 1n, 2n, {
        term: 3,
        index: 2,
        logTerm: 3,
        entries: [{ term: 3, index: 3, type: 0, data: new Uint8Array(0) }],
      }),
    );
    const [resp] = drain(r);
    assert.equal(resp!.reject, true);
    assert.equal(resp!.index, 2);
    // Hint: index 2 holds term 2 <= 3, so the leader may resume matching from there.
    assert.equal(resp!.rejectHint, 2);
    assert.equal(resp!.logTerm, 2);
    assert.equal(r.raftLog.lastIndex(), 2);
  });

  test("conflicting entries are deleted and replaced by the leader's; matching ones kept", () => {
    const cases = [
      { log: [1, 1, 1], index: 3, logTerm: 1, app: [] as number[], want: [1, 1, 1] },
      { log: [1, 1, 1], index: 1, logTerm: 1, app: [2, 2], want: [1, 2, 2] },
      { log: [1, 1, 1], index: 3, logTerm: 1, app: [2], want: [1, 1, 1, 2] },
      { log: [1, 2, 2], index: 1, logTerm: 1, app: [2], want: [1, 2, 2] }, // stale, matching
      { log: [1, 2, 2, 2], index: 2, logTerm: 2, app: [3], want: [1, 2, 3] },
    ];
    for (const c of cases) {
      const r = newRaft(2n, V, { log: ents(...c.log) });
      r.becomeFollower(3, 1n);
      const app = c.app.map((term, i) => ({
        term,
        index: c.index + 1 + i,
        type: 0,
        data: new Uint8Array(0),
      }));
      r.step(
        msg(MessageType.App, 1n, 2n, { term: 3, index: c.index, logTerm: c.logTerm, entries: app }),
      );
      const terms = r.raftLog.slice(1, r.raftLog.lastIndex() + 1, Infinity).map((e) => e.term);
      assert.deepEqual(terms, c.want, JSON.stringify(c));
    }
  });

  test("a follower never truncates committed entries", () => {
    const r = newRaft(2n, V, { log: ents(1, 1, 1) });
    r.becomeFollower(2, 1n);
    r.raftLog.commitTo(3);
    assert.throws(
      () =>
        r.raftLog.maybeAppend(1, 1, 3, [{ term: 2, index: 2, type: 0, data: new Uint8Array(0) }]),
      /conflicts with committed/,
    );
  });

  test("Leader Append-Only: a leader never overwrites or deletes its own entries", () => {
    const r = newRaft(1n, V, { log: ents(1, 1) });
    r.becomeFollower(1, NONE);
    makeLeader(r);
    const before = r.raftLog.slice(1, r.raftLog.lastIndex() + 1, Infinity).map((e) => e.term);
    // An append from a (bogus) leader of the same term must not be taken by a leader.
    r.step(msg(MessageType.App, 2n, 1n, { term: r.term, index: 0, logTerm: 0, entries: ents(9) }));
    const after = r.raftLog.slice(1, r.raftLog.lastIndex() + 1, Infinity).map((e) => e.term);
    assert.deepEqual(after, before);
  });

  test("fast back-off: a follower with a long divergent tail is matched in a few round trips", () => {
    // Leader log: 1 x 3 then term 5 x 50. Follower: 1 x 3 then term 2 x 100.
    const leaderLog = ents(...Array(3).fill(1), ...Array(50).fill(5));
    const followerLog = ents(...Array(3).fill(1), ...Array(100).fill(2));
    const ls = storageWith(V, leaderLog);
    ls.setHardState({ term: 5, vote: 1n, commit: 3 });
    const leader = newRaft(1n, V, { storage: ls });
    const fs = storageWith(V, followerLog);
    fs.setHardState({ term: 5, vote: 1n, commit: 3 });
    const follower = newRaft(2n, V, { storage: fs });
    makeLeader(leader);
    persistAll(leader, ls);
    leader.prs.progress.get(2n)!.probeSent = false; // resend the probe makeLeader swallowed
    leader.sendAppend(2n);
    let roundTrips = 0;
    for (let i = 0; i < 200; i++) {
      const toFollower = drain(leader).filter((m) => m.to === 2n);
      if (toFollower.length === 0) break;
      roundTrips++;
      for (const m of toFollower) follower.step(m);
      for (const m of drain(follower)) leader.step(m);
    }
    assert.ok(roundTrips <= 4, `took ${roundTrips} round trips`);
    assert.equal(leader.prs.progress.get(2n)!.match, leader.raftLog.lastIndex());
  });
});

describe("§5.4 safety", () => {
  test("§5.4.1 election restriction: a voter refuses a candidate whose log is less up-to-date", () => {
    // Voter's log ends at (index 3, term 2).
    const cases = [
      { index: 3, logTerm: 2, grant: true },
      { index: 4, logTerm: 2, grant: true },
      { index: 2, logTerm: 2, grant: false },
      { index: 1, logTerm: 3, grant: true },
      { index: 9, logTerm: 1, grant: false },
    ];
    for (const c of cases) {
      const r = newRaft(1n, V, { log: ents(1, 2, 2) });
      r.step(msg(MessageType.Vote, 2n, 1n, { term: 3, index: c.index, logTerm: c.logTerm }));
      const [resp] = drain(r);
      assert.equal(resp!.reject, !c.grant, JSON.stringify(c));
    }
  });

  test("§5.4.2 a leader commits an entry of an earlier term only via one of its own term (Figure 8)", () => {
    const s = storageWith(V, ents(1, 2));
    s.setHardState({ term: 3, vote: NONE, commit: 1 });
    const r = newRaft(1n, V, { storage: s });
    makeLeader(r); // term 4, appends an empty entry at index 3
    persistAll(r, s);
    assert.equal(r.term, 4);
    // Follower 2 has stored index 2 (term 2): a majority holds it, yet it must not commit.
    r.step(msg(MessageType.AppResp, 2n, 1n, { term: 4, index: 2 }));
    assert.equal(r.raftLog.committed, 1);
    // Once the term-4 entry is on a majority, it commits, and index 2 with it.
    r.step(msg(MessageType.AppResp, 2n, 1n, { term: 4, index: 3 }));
    assert.equal(r.raftLog.committed, 3);
  });

  test("a leader counts its own entries only once they are persisted", () => {
    const s = storageWith([1n]);
    const r = newRaft(1n, [1n], { storage: s });
    r.step(msg(MessageType.Hup, 1n, 0n));
    assert.equal(r.state, "leader");
    assert.equal(r.raftLog.committed, 0);
    persistAll(r, s);
    assert.equal(r.raftLog.committed, 1);
  });

  test("§5.4.3 Leader Completeness and State Machine Safety after leader crashes", () => {
    const c = new Cluster([1n, 2n, 3n, 4n, 5n]);
    c.elect(1n);
    const committed: string[] = [];
    for (let round = 0; round < 6; round++) {
      const [l] = c.leaders();
      for (let i = 0; i < 3; i++) {
        const data = `r${round}e${i}`;
        c.propose(l!, data);
        committed.push(data);
      }
      // Crash the leader; someone else takes over and must hold everything committed.
      c.crash(l!);
      c.tickAll(25);
      const [next] = c.leaders();
      assert.ok(next !== undefined && next !== l);
      const log = c.logOf(next!).join(",");
      for (const d of committed) assert.ok(log.includes(`:${d}`), `leader ${next} lacks ${d}`);
      c.restart(l!);
      c.tickAll(2);
    }
    c.tickAll(3);
    const applied = [...c.nodes.keys()].map((id) => c.appliedData(id).join(","));
    for (const a of applied) assert.ok(committed.join(",").startsWith(a) && a.length > 0);
    assert.equal(
      new Set(applied.map((a) => a.slice(0, Math.min(...applied.map((x) => x.length))))).size,
      1,
    );
  });
});

describe("§5.5 follower and candidate crashes", () => {
  test("a restarted follower resumes from its persisted state and catches up", () => {
    const c = new Cluster([1n, 2n, 3n]);
    c.elect(1n);
    c.propose(1n, "a");
    c.crash(3n);
    c.propose(1n, "b");
    c.restart(3n);
    const r3 = c.rn(3n).raft;
    assert.equal(r3.term, 2);
    assert.equal(r3.vote, 1n);
    assert.equal(r3.raftLog.lastIndex(), 3);
    c.tickAll(1);
    assert.deepEqual(c.appliedData(3n), ["a", "b"]);
  });
});

describe("learners", () => {
  test("learners replicate the log but neither vote nor count toward a quorum", () => {
    const c = new Cluster([1n, 2n], [3n]);
    c.elect(1n);
    c.propose(1n, "a");
    assert.deepEqual(c.appliedData(3n), ["a"]);
    c.crash(2n);
    c.propose(1n, "b");
    assert.equal(c.rn(1n).raft.raftLog.committed, 3, "learner ack does not commit");
    assert.equal(c.rn(3n).raft.raftLog.lastIndex(), 4, "learner has the entry");
    // A learner never campaigns, however long it waits.
    c.crash(1n);
    c.tickAll(50);
    assert.equal(c.rn(3n).raft.state, "follower");
    assert.equal(c.rn(3n).raft.term, 2);
  });
});

describe("§6 / §9.6 disruption: check-quorum lease and pre-vote", () => {
  test("with check-quorum, a node that heard from its leader recently ignores vote requests", () => {
    const r = newRaft(1n, V, { checkQuorum: true });
    r.step(msg(MessageType.Heartbeat, 2n, 1n, { term: 1 }));
    drain(r);
    r.step(msg(MessageType.Vote, 3n, 1n, { term: 2, index: 5, logTerm: 1 }));
    assert.deepEqual(drain(r), []);
    assert.equal(r.term, 1);
    // ... unless it comes from a leadership transfer.
    r.step(
      msg(MessageType.Vote, 3n, 1n, {
        term: 2,
        index: 5,
        logTerm: 1,
        context: new TextEncoder().encode("CampaignTransfer"),
      }),
    );
    assert.equal(r.term, 2);
    assert.equal(r.vote, 3n);
  });

  test("a pre-vote neither changes the voter's term nor its vote", () => {
    const r = newRaft(1n, V, { preVote: true });
    r.step(msg(MessageType.PreVote, 2n, 1n, { term: 5, index: 0, logTerm: 0 }));
    const [resp] = drain(r);
    assert.equal(resp!.type, MessageType.PreVoteResp);
    assert.equal(resp!.reject, false);
    assert.equal(resp!.term, 5);
    assert.equal(r.term, 0);
    assert.equal(r.vote, NONE);
  });
});
