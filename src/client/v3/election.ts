// v3electionpb.Election service. Campaign blocks until elected (no deadline unless given);
// Observe streams leader changes.
import {
  CampaignRequest,
  ElectionService,
  LeaderRequest,
  ProclaimRequest,
  ResignRequest,
} from "../../proto/gen/v3electionpb/v3election.js";
import type {
  CampaignResponse,
  LeaderResponse,
  ProclaimResponse,
  ResignResponse,
} from "../../proto/gen/v3electionpb/v3election.js";
import type { CallOptions, Core } from "./core.js";
import type { Input } from "./input.js";
import { ResponseStream } from "./streams.js";

export class Election {
  constructor(private readonly core: Core) {}

  campaign(req: Input<typeof CampaignRequest>, opts: CallOptions = {}): Promise<CampaignResponse> {
    return this.core.unary(ElectionService.campaign, CampaignRequest.fromPartial(req), "write", {
      ...opts,
      timeoutMs: opts.timeoutMs ?? 0,
    });
  }

  proclaim(req: Input<typeof ProclaimRequest>, opts?: CallOptions): Promise<ProclaimResponse> {
    return this.core.unary(
      ElectionService.proclaim,
      ProclaimRequest.fromPartial(req),
      "write",
      opts,
    );
  }

  leader(req: Input<typeof LeaderRequest>, opts?: CallOptions): Promise<LeaderResponse> {
    return this.core.unary(ElectionService.leader, LeaderRequest.fromPartial(req), "read", opts);
  }

  async observe(
    req: Input<typeof LeaderRequest>,
    opts: CallOptions = {},
  ): Promise<ResponseStream<LeaderResponse>> {
    const { conn, call } = await this.core.openServerStream(
      ElectionService.observe,
      LeaderRequest.fromPartial(req),
      {
        ...opts,
        timeoutMs: opts.timeoutMs ?? 0,
      },
    );
    return new ResponseStream(call, conn.endpoint);
  }

  resign(req: Input<typeof ResignRequest>, opts?: CallOptions): Promise<ResignResponse> {
    return this.core.unary(ElectionService.resign, ResignRequest.fromPartial(req), "write", opts);
  }
}
