// The bounded window of MsgApp messages sent to one follower and not yet acknowledged:
// a ring buffer of the last entry index of each message. A full window pauses sending.
export class Inflights {
  private start = 0;
  private count = 0;
  private buffer: number[] = [];

  constructor(readonly size: number) {
    if (size <= 0) throw new Error(`inflights size must be positive, got ${size}`);
  }

  add(lastIndex: number): void {
    if (this.full()) throw new Error("cannot add into a full inflights window");
    let next = this.start + this.count;
    if (next >= this.size) next -= this.size;
    if (next >= this.buffer.length) this.buffer.push(lastIndex);
    else this.buffer[next] = lastIndex;
    this.count++;
  }

  /** Frees every in-flight message whose last index is <= `to` (acknowledged). */
  freeLE(to: number): void {
    if (this.count === 0 || to < this.buffer[this.start]!) return;
    let idx = this.start;
    let i = 0;
    for (; i < this.count; i++) {
      if (to < this.buffer[idx]!) break;
      idx++;
      if (idx >= this.size) idx -= this.size;
    }
    this.count -= i;
    this.start = idx;
    if (this.count === 0) this.start = 0;
  }

  freeFirstOne(): void {
    if (this.count > 0) this.freeLE(this.buffer[this.start]!);
  }

  full(): boolean {
    return this.count === this.size;
  }

  length(): number {
    return this.count;
  }

  reset(): void {
    this.count = 0;
    this.start = 0;
  }
}
