// Linearizable reads through raft's ReadIndex, batched: every read that arrives while a
// ReadIndex round is in flight joins the next round, so many reads share one heartbeat.

export interface ReadIndexDriver {
  /** Asks raft for a read index; the answer comes back through onReadState(ctx, index). */
  requestReadIndex(ctx: Uint8Array): void;
  /** Resolves once the local applied index has reached `index`. */
  waitApplied(index: number): Promise<void>;
}

interface Round {
  ctxKey: string;
  waiters: Array<{ resolve(): void; reject(err: Error): void }>;
  sentAtMs: number;
}

export class ReadIndexBatcher {
  private nextCtx = 1n;
  private inFlight: Round | undefined;
  private queued: Round["waiters"] = [];

  constructor(
    private readonly driver: ReadIndexDriver,
    private readonly roundTimeoutMs: number,
  ) {}

  /** Resolves when a read issued now may be served from local state linearizably. */
  barrier(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ resolve, reject });
      if (this.inFlight === undefined) this.startRound();
    });
  }

  onReadState(ctx: Uint8Array, index: number): void {
    const round = this.inFlight;
    if (round === undefined || round.ctxKey !== Buffer.from(ctx).toString("hex")) return;
    this.inFlight = undefined;
    this.driver.waitApplied(index).then(
      () => round.waiters.forEach((w) => w.resolve()),
      (err: Error) => round.waiters.forEach((w) => w.reject(err)),
    );
    if (this.queued.length > 0) this.startRound();
  }

  /** Called periodically: a round without an answer is retried (e.g. lost in a leader change). */
  checkTimeouts(nowMs: number, failAfterMs: number, timeoutError: () => Error): void {
    const round = this.inFlight;
    if (round === undefined) return;
    if (nowMs - round.sentAtMs >= failAfterMs) {
      this.inFlight = undefined;
      round.waiters.forEach((w) => w.reject(timeoutError()));
      if (this.queued.length > 0) this.startRound();
    } else if (nowMs - round.sentAtMs >= this.roundTimeoutMs) {
      // Re-ask with the same waiters under a fresh context.
      this.retryInFlight();
    }
  }

  /**
   * Re-asks now for a round still waiting (a leader just became known: a request made with
   * none was dropped, and would otherwise wait for the round timeout).
   */
  retryInFlight(): void {
    const round = this.inFlight;
    if (round === undefined) return;
    this.inFlight = undefined;
    this.queued = round.waiters.concat(this.queued);
    this.startRound(round.sentAtMs);
  }

  failAll(err: Error): void {
    const all = [...(this.inFlight?.waiters ?? []), ...this.queued];
    this.inFlight = undefined;
    this.queued = [];
    all.forEach((w) => w.reject(err));
  }

  private startRound(sentAtMs = Date.now()): void {
    const ctx = Buffer.alloc(8);
    ctx.writeBigUInt64BE(this.nextCtx++);
    this.inFlight = { ctxKey: ctx.toString("hex"), waiters: this.queued, sentAtMs };
    this.queued = [];
    this.driver.requestReadIndex(ctx);
  }
}
