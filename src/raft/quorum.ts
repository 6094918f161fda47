// Majority arithmetic over a set of voters: the highest index a quorum has acknowledged,
// and the outcome of an election given the votes received so far.
import type { NodeId } from "./types.js";

export type VoteResult = "pending" | "lost" | "won";

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest index acknowledged by a majority of `voters` (matchOf gives each voter's
 * acknowledged index). With no voters, nothing can be committed: returns 0.
 */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return 0;
  if (n === 1) return matchOf(voters[0]!);
  const matches: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) matches[i] = matchOf(voters[i]!);
  matches.sort((a, b) => b - a);
  return matches[quorumSize(n) - 1]!;
}

/** Election outcome given granted (true) / rejected (false) votes; absent = not yet heard. */
export function voteResult(
  voters: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  if (voters.length === 0) return "won"; // by convention, like an empty joint half
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = quorumSize(voters.length);
  if (granted >= q) return "won";
  if (granted + missing >= q) return "pending";
  return "lost";
}
