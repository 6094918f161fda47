// `member promote` sent to a follower: only the leader knows how far the learner is, so the
// follower forwards the request to the leader's peer URL (POST /members/promote/<id>), as
// etcd members do, and maps the leader's error text back to etcd's error.
import http from "node:http";
import https from "node:https";
import { errorFromText, etcdError } from "../errors.js";
import { parseMembersJson, type PeerMember } from "../transport/index.js";

function post(url: URL, timeoutMs: number): Promise<{ status: number; body: string }> {
  const lib = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: "POST", timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(etcdError("Timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** Promotes `id` through the leader; resolves with the members after the change. */
export async function forwardPromote(
  leaderPeerUrls: string[],
  id: bigint,
  timeoutMs: number,
): Promise<PeerMember[]> {
  let last: unknown = etcdError("NoLeader");
  for (const u of leaderPeerUrls) {
    let answer: { status: number; body: string };
    try {
      answer = await post(new URL(`/members/promote/${id.toString()}`, u), timeoutMs);
    } catch (err) {
      last = err;
      continue;
    }
    if (answer.status === 200) return parseMembersJson(answer.body);
    throw errorFromText(answer.body.trim());
  }
  throw last;
}
