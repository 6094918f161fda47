// Pending linearizable read requests on the leader (ReadIndex): each remembers the commit
// index when it arrived and which voters confirmed leadership since. A heartbeat round
// carries the newest request's context; its quorum of acks confirms it and every older one.
import type { Message, NodeId } from "./types.js";

export type ReadOnlyOption = "safe" | "leaseBased";

export interface ReadIndexStatus {
  req: Message;
  index: number;
  acks: Set<NodeId>;
}

export function ctxKey(ctx: Uint8Array): string {
  return Buffer.from(ctx.buffer, ctx.byteOffset, ctx.byteLength).toString("latin1");
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];
  /** Requests queued since the last heartbeat round was sent (batched into the next one). */
  unsentCtx: Uint8Array | undefined = undefined;

  constructor(readonly option: ReadOnlyOption) {}

  /** Registers a read request whose context is in req.entries[0].data. */
  addRequest(index: number, req: Message): void {
    const ctx = req.entries[0]!.data;
    const key = ctxKey(ctx);
    if (this.pending.has(key)) return;
    this.pending.set(key, { req, index, acks: new Set() });
    this.queue.push(key);
    this.unsentCtx = ctx;
  }

  /** Records that `id` acknowledged the heartbeat carrying ctx; returns the ack set. */
  recvAck(id: NodeId, ctx: Uint8Array): Set<NodeId> | undefined {
    const rs = this.pending.get(ctxKey(ctx));
    if (!rs) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Removes and returns every request up to and including the one with this ctx. */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const key = ctxKey(ctx);
    const pos = this.queue.indexOf(key);
    if (pos < 0) return [];
    const done = this.queue.slice(0, pos + 1);
    this.queue = this.queue.slice(pos + 1);
    const out: ReadIndexStatus[] = [];
    for (const k of done) {
      const rs = this.pending.get(k);
      if (!rs) throw new Error("raft: cannot find corresponding read state from pending map");
      this.pending.delete(k);
      out.push(rs);
    }
    return out;
  }

  lastPendingRequestCtx(): Uint8Array | undefined {
    if (this.queue.length === 0) return undefined;
    return this.pending.get(this.queue[this.queue.length - 1]!)!.req.entries[0]!.data;
  }

  pendingCount(): number {
    return this.queue.length;
  }
}
