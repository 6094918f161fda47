// A new member (no data, --initial-cluster-state new) refuses to bootstrap when the peers
// it lists already run a cluster where its id has published client URLs: its data dir was
// lost or belongs elsewhere, and bootstrapping again would fork the cluster. etcd 3.4 asks the
// other members' peer ports the same way, giving up quietly if none answers within 1 s.
import { fetchClusterMembers, type PeerClientTls } from "../transport/index.js";
import { computeMemberId } from "../membership/ids.js";

export const BOOTSTRAP_PROBE_TIMEOUT_MS = 1000;

export interface BootstrapProbe {
  name: string;
  initialCluster: Map<string, string[]>;
  initialClusterToken: string;
  initialAdvertisePeerUrls: string[];
}

/** The error etcd stops with, or undefined when bootstrapping is fine. */
export async function alreadyBootstrapped(
  cfg: BootstrapProbe,
  tls: PeerClientTls | undefined,
  timeoutMs = BOOTSTRAP_PROBE_TIMEOUT_MS,
): Promise<string | undefined> {
  const others = [...cfg.initialCluster]
    .filter(([name]) => name !== cfg.name)
    .flatMap(([, urls]) => urls);
  if (others.length === 0) return undefined;
  let members;
  try {
    ({ members } = await fetchClusterMembers(others, timeoutMs, tls));
  } catch {
    return undefined;
  }
  const selfId = computeMemberId(cfg.initialAdvertisePeerUrls, cfg.initialClusterToken);
  const self = members.find((m) => m.id === selfId);
  if (self && self.clientURLs.length > 0) {
    return `member ${selfId.toString(16)} has already been bootstrapped`;
  }
  return undefined;
}
