// Latency histograms for the benchmark: log-spaced buckets (about 2 % wide) so each load worker
// can record millions of samples in a fixed array and send a small sparse copy to the parent,
// which merges them and reads percentiles.

/** Bucket growth factor: a percentile read from the histogram is within 2 % of the sample. */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
/** Samples are microseconds; anything at or below 1 µs lands in bucket 0. */
const MAX_BUCKETS = 1200; // 1.02^1200 µs ≈ 2e10 µs: longer than any run

export function bucketOf(us: number): number {
  if (!(us > 1)) return 0;
  const b = Math.floor(Math.log(us) / LOG_GROWTH) + 1;
  return b < MAX_BUCKETS ? b : MAX_BUCKETS - 1;
}

/** The representative value (µs) of a bucket: the geometric middle of its bounds. */
export function bucketValueUs(b: number): number {
  if (b === 0) return 1;
  return Math.pow(GROWTH, b - 0.5);
}

/** A sparse, serialisable histogram: bucket index -> count. */
export type SparseHistogram = Array<[number, number]>;

export class Histogram {
  private readonly counts = new Float64Array(MAX_BUCKETS);
  count = 0;

  recordUs(us: number): void {
    this.counts[bucketOf(us)]++;
    this.count++;
  }

  toSparse(): SparseHistogram {
    const out: SparseHistogram = [];
    for (let b = 0; b < MAX_BUCKETS; b++) if (this.counts[b] !== 0) out.push([b, this.counts[b]!]);
    return out;
  }

  merge(sparse: SparseHistogram): void {
    for (const [b, n] of sparse) {
      if (!Number.isInteger(b) || b < 0 || b >= MAX_BUCKETS) throw new Error(`bad bucket ${b}`);
      this.counts[b]! += n;
      this.count += n;
    }
  }

  /** The q-quantile (0 < q <= 1) in microseconds, or NaN when empty. */
  quantileUs(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let b = 0; b < MAX_BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return bucketValueUs(b);
    }
    return bucketValueUs(MAX_BUCKETS - 1);
  }
}

/** "1,234" for rates, "12.3" / "0.45" for small figures. */
export function fmtNumber(n: number): string {
  if (!Number.isFinite(n)) return "–";
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString("en-US");
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** Milliseconds from microseconds, 3 significant figures. */
export function fmtMs(us: number): string {
  if (!Number.isFinite(us)) return "–";
  const ms = us / 1000;
  if (ms >= 100) return Math.round(ms).toString();
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "–";
  const mib = bytes / (1024 * 1024);
  return `${mib >= 100 ? Math.round(mib) : mib.toFixed(1)} MiB`;
}
