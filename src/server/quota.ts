// The backend quota gate in front of writes (--quota-backend-bytes): a put, a txn with puts
// or a lease grant that would take the database to its quota raises the cluster-wide NOSPACE
// alarm for this member and is refused. While the alarm is set the apply side refuses them.
import * as pb from "../proto/index.js";
import { etcdError } from "../errors.js";
import { exceedsQuota, requestCostBytes, type QuotaRequest } from "../mvcc/quota.js";

export interface QuotaGateDeps {
  memberId: bigint;
  quotaBytes: number;
  dbSizeBytes(): number;
  /** Proposes an alarm request through raft. */
  raiseAlarm(req: pb.AlarmRequest): Promise<unknown>;
}

/** Throws NoSpace (after proposing the NOSPACE alarm) when the request does not fit. */
export async function enforceQuota(deps: QuotaGateDeps, req: QuotaRequest): Promise<void> {
  const cost = requestCostBytes(req);
  if (!exceedsQuota(deps.dbSizeBytes(), cost, deps.quotaBytes)) return;
  try {
    await deps.raiseAlarm({
      memberID: deps.memberId,
      action: pb.AlarmRequest_AlarmAction.ACTIVATE,
      alarm: pb.AlarmType.NOSPACE,
    });
  } catch {
    // The client gets NOSPACE either way; the next refused write proposes the alarm again.
  }
  throw etcdError("NoSpace");
}
