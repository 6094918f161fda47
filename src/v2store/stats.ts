// Operation counters of the v2 store, served by /v2/stats/store (field names and order as
// etcd's JSON). Write counters are bumped by apply on every member; get counters also count
// the reads each member serves locally, so they differ between members.

export const STAT_FIELDS = [
  "getsSuccess",
  "getsFail",
  "setsSuccess",
  "setsFail",
  "deleteSuccess",
  "deleteFail",
  "updateSuccess",
  "updateFail",
  "createSuccess",
  "createFail",
  "compareAndSwapSuccess",
  "compareAndSwapFail",
  "compareAndDeleteSuccess",
  "compareAndDeleteFail",
  "expireCount",
] as const;

export type StatField = (typeof STAT_FIELDS)[number];
export type V2StoreStatsSnapshot = Record<StatField, number>;

export class V2StoreStats {
  private counts: V2StoreStatsSnapshot = emptyCounts();

  inc(field: StatField): void {
    this.counts[field]++;
  }

  get(field: StatField): number {
    return this.counts[field];
  }

  /** The /v2/stats/store body (no trailing newline). */
  toBody(watchers: number): string {
    const parts = STAT_FIELDS.map((f) => `"${f}":${this.counts[f]}`);
    return `{${parts.join(",")},"watchers":${watchers}}`;
  }

  toJSON(): V2StoreStatsSnapshot {
    return { ...this.counts };
  }

  restore(s: Partial<V2StoreStatsSnapshot>): void {
    this.counts = emptyCounts();
    for (const f of STAT_FIELDS) {
      const v = s[f];
      if (typeof v === "number") this.counts[f] = v;
    }
  }
}

function emptyCounts(): V2StoreStatsSnapshot {
  const c = {} as V2StoreStatsSnapshot;
  for (const f of STAT_FIELDS) c[f] = 0;
  return c;
}
