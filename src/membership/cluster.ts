// The cluster's membership as applied from the raft log: voting members, learners, removed
// ids, and each member's published attributes (name, client URLs). Changed only by applying
// committed entries, so every member holds the same view at the same index.

export interface MemberInfo {
  id: bigint;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

interface SerializedCluster {
  clusterId: string;
  members: Array<{
    id: string;
    name: string;
    peerURLs: string[];
    clientURLs: string[];
    isLearner: boolean;
  }>;
  removed: string[];
}

export class ClusterMembership {
  private readonly members = new Map<bigint, MemberInfo>();
  private readonly removed = new Set<bigint>();

  constructor(readonly clusterId: bigint) {}

  list(): MemberInfo[] {
    return [...this.members.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get(id: bigint): MemberInfo | undefined {
    return this.members.get(id);
  }

  has(id: bigint): boolean {
    return this.members.has(id);
  }

  isRemoved(id: bigint): boolean {
    return this.removed.has(id);
  }

  /** Voting members (not learners). */
  voters(): MemberInfo[] {
    return this.list().filter((m) => !m.isLearner);
  }

  learners(): MemberInfo[] {
    return this.list().filter((m) => m.isLearner);
  }

  /** Adds a member; adding an existing learner as a voter promotes it. Idempotent on replay. */
  add(member: MemberInfo): void {
    if (this.removed.has(member.id)) return;
    const existing = this.members.get(member.id);
    if (existing) {
      if (existing.isLearner && !member.isLearner) existing.isLearner = false;
      return;
    }
    this.members.set(member.id, {
      ...member,
      peerURLs: [...member.peerURLs],
      clientURLs: [...member.clientURLs],
    });
  }

  remove(id: bigint): void {
    this.members.delete(id);
    this.removed.add(id);
  }

  promote(id: bigint): void {
    const m = this.members.get(id);
    if (m) m.isLearner = false;
  }

  updatePeerURLs(id: bigint, peerURLs: string[]): void {
    const m = this.members.get(id);
    if (m) m.peerURLs = [...peerURLs];
  }

  /** Records what a started member publishes about itself (etcd's member attributes). */
  setAttributes(id: bigint, name: string, clientURLs: string[]): void {
    const m = this.members.get(id);
    if (m) {
      m.name = name;
      m.clientURLs = [...clientURLs];
    }
  }

  /** Whether any existing member already advertises one of these peer URLs. */
  peerURLInUse(peerURLs: string[], exceptId?: bigint): boolean {
    for (const m of this.members.values()) {
      if (m.id === exceptId) continue;
      if (m.peerURLs.some((u) => peerURLs.includes(u))) return true;
    }
    return false;
  }

  /** Takes over another view wholesale (a snapshot's membership replaces ours exactly). */
  resetFrom(other: ClusterMembership): void {
    this.members.clear();
    this.removed.clear();
    for (const m of other.list()) this.members.set(m.id, { ...m });
    for (const id of other.removed) this.removed.add(id);
  }

  toJSON(): SerializedCluster {
    return {
      clusterId: this.clusterId.toString(),
      members: this.list().map((m) => ({ ...m, id: m.id.toString() })),
      removed: [...this.removed].map((id) => id.toString()),
    };
  }

  static fromJSON(json: SerializedCluster): ClusterMembership {
    const c = new ClusterMembership(BigInt(json.clusterId));
    for (const m of json.members) c.members.set(BigInt(m.id), { ...m, id: BigInt(m.id) });
    for (const id of json.removed) c.removed.add(BigInt(id));
    return c;
  }
}
