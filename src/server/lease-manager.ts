// Leases inside the member: applying grant/revoke/checkpoint entries to the lessor (in the
// KV store's apply transaction), and, on the leader, turning expiries and checkpoints into
// raft proposals every tick.
import * as pb from "../proto/index.js";
import { Lessor, type LeaseCheckpoint } from "../lease/index.js";
import type { WriteTxn } from "../mvcc/store.js";
import type { Logger } from "../log/logger.js";
import type { MemberConfig } from "./member-config.js";
import { RequestKind, type Envelope } from "./envelope.js";
import type { ApplyResult, MemberHooks } from "./state-machine.js";
import type { KvStateMachine } from "./kv-state-machine.js";

/** Revocations of expired leases proposed per tick at most (etcd bounds this too). */
const MAX_REVOKES_PER_TICK = 500;

export function encodeCheckpoints(cps: LeaseCheckpoint[]): Uint8Array {
  return Buffer.from(JSON.stringify(cps.map((c) => [c.id.toString(), c.remainingTtlSec])));
}

function decodeCheckpoints(bytes: Uint8Array): LeaseCheckpoint[] {
  const raw = JSON.parse(Buffer.from(bytes).toString("utf8")) as Array<[string, number]>;
  return raw.map(([id, remainingTtlSec]) => ({ id: BigInt(id), remainingTtlSec }));
}

export class LeaseManager {
  lessor: Lessor;
  private revoking = 0;

  constructor(
    private readonly sm: KvStateMachine,
    private readonly cfg: MemberConfig,
    private readonly logger: Logger,
  ) {
    this.lessor = this.makeLessor();
  }

  private makeLessor(): Lessor {
    return new Lessor(this.sm.store, {
      electionTimeoutMs: this.cfg.electionTimeoutMs,
      logger: this.logger.child("lease"),
    });
  }

  /** The store was replaced (snapshot restore): reload leases from the new database. */
  reload(): void {
    const wasPrimary = this.lessor.isPrimary;
    this.lessor = this.makeLessor();
    if (wasPrimary) this.lessor.promote(this.cfg.electionTimeoutMs);
  }

  apply(w: WriteTxn, env: Envelope): ApplyResult {
    switch (env.kind) {
      case RequestKind.LeaseGrant: {
        const req = pb.LeaseGrantRequest.decode(env.payload);
        const granted = this.lessor.grant(w, req.ID, Number(req.TTL));
        return { revision: w.currentRevision, response: granted };
      }
      case RequestKind.LeaseRevoke: {
        const req = pb.LeaseRevokeRequest.decode(env.payload);
        const r = this.lessor.revoke(w, req.ID);
        return { revision: r.revision, response: r };
      }
      case RequestKind.LeaseCheckpoint:
        this.lessor.applyCheckpoints(w, decodeCheckpoints(env.payload));
        return { revision: w.currentRevision };
      default:
        throw new Error(`not a lease request: ${env.kind}`);
    }
  }

  onLeadershipChange(isLeader: boolean, _member: MemberHooks): void {
    if (isLeader) this.lessor.promote(this.cfg.electionTimeoutMs);
    else this.lessor.demote();
  }

  /** Leader only: propose revokes for expired leases and due checkpoints. */
  onTick(member: MemberHooks): void {
    if (!member.isLeader || !this.lessor.isPrimary) return;
    if (this.revoking < MAX_REVOKES_PER_TICK) {
      for (const id of this.lessor.expiredLeases(MAX_REVOKES_PER_TICK - this.revoking)) {
        this.revoking++;
        member
          .propose(RequestKind.LeaseRevoke, pb.LeaseRevokeRequest.encode({ ID: id }).finish())
          .catch((err: Error) => {
            // Already revoked by a client, or leadership moved: the next leader retries.
            if (err.message !== "etcdserver: requested lease not found") {
              this.logger.warn("failed to revoke expired lease", {
                "lease-id": id.toString(16),
                error: err.message,
              });
            }
          })
          .finally(() => this.revoking--);
      }
    }
    const cps = this.lessor.takeCheckpoints();
    if (cps.length > 0) {
      member.propose(RequestKind.LeaseCheckpoint, encodeCheckpoints(cps)).catch((err: Error) => {
        this.logger.warn("failed to checkpoint leases", { error: err.message });
      });
    }
  }

  close(): void {
    this.lessor.demote();
  }
}
