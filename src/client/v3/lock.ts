// v3lockpb.Lock service. Lock blocks until acquired, so it has no deadline unless one is given.
import { LockRequest, LockService, UnlockRequest } from "../../proto/gen/v3lockpb/v3lock.js";
import type { LockResponse, UnlockResponse } from "../../proto/gen/v3lockpb/v3lock.js";
import type { CallOptions, Core } from "./core.js";
import type { Input } from "./input.js";

export class Lock {
  constructor(private readonly core: Core) {}

  lock(req: Input<typeof LockRequest>, opts: CallOptions = {}): Promise<LockResponse> {
    return this.core.unary(LockService.lock, LockRequest.fromPartial(req), "write", {
      ...opts,
      timeoutMs: opts.timeoutMs ?? 0,
    });
  }

  unlock(req: Input<typeof UnlockRequest>, opts?: CallOptions): Promise<UnlockResponse> {
    return this.core.unary(LockService.unlock, UnlockRequest.fromPartial(req), "write", opts);
  }
}
