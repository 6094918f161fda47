// `--initial-cluster-state existing`: the member's --initial-cluster must describe the running
// cluster: as many members, and each running member's peer URLs matching one local entry.
// The error texts are etcd 3.4's (the cluster printed as Go's %+v of its members).
import type { MemberInfo } from "../membership/cluster.js";

function memberString(m: MemberInfo): string {
  return (
    `&{ID:${m.id.toString(16)} RaftAttributes:{PeerURLs:[${m.peerURLs.join(" ")}] ` +
    `IsLearner:${m.isLearner}} Attributes:{Name:${m.name} ClientURLs:[${m.clientURLs.join(" ")}]}}`
  );
}

/** The running cluster as etcd prints it in join errors. */
export function clusterString(clusterId: bigint, members: MemberInfo[]): string {
  return `{ClusterID:${clusterId.toString(16)} Members:[${members.map(memberString).join(" ")}] RemovedMemberIDs:[]}`;
}

const quote = (s: string): string => JSON.stringify(s);

/** Why two URL lists differ, worded as etcd's resolver does; undefined when equal. */
function urlsDiffer(existing: string[], local: string[]): string | undefined {
  const a = [...existing].sort();
  const b = [...local].sort();
  if (a.length !== b.length) {
    return `len([${a.map(quote).join(" ")}]) != len([${b.map(quote).join(" ")}])`;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return `resolved urls: ${quote(a[i]!)} != ${quote(b[i]!)}`;
  }
  return undefined;
}

/**
 * Checks the local --initial-cluster (name → peer URLs) against the running cluster's
 * members; returns etcd's error text, or undefined when they agree.
 */
export function validateJoin(
  clusterId: bigint,
  existing: MemberInfo[],
  local: Map<string, string[]>,
): string | undefined {
  const prefix = `error validating peerURLs ${clusterString(clusterId, existing)}: `;
  if (existing.length !== local.size) return `${prefix}member count is unequal`;
  for (const m of existing) {
    let lastError: string | undefined;
    let matched = false;
    for (const urls of local.values()) {
      lastError = urlsDiffer(m.peerURLs, urls);
      if (lastError === undefined) {
        matched = true;
        break;
      }
    }
    if (!matched) {
      return (
        `${prefix}PeerURLs: no match found for existing member (${m.id.toString(16)}, ` +
        `[${m.peerURLs.join(" ")}]), last resolver error (${lastError ?? "<nil>"})`
      );
    }
  }
  return undefined;
}
