// The sequential model of a key-value store seen as one register per key: put, get,
// delete and compare-and-swap on the value (null = key absent). Values written should be
// unique so that a read identifies the write it observed.

import { checkOperations } from "./checker.js";
import type { CheckOptions, CheckResult, Model, Operation } from "./checker.js";

export type RegisterInput =
  | { kind: "put"; key: string; value: string }
  | { kind: "get"; key: string }
  | { kind: "delete"; key: string }
  /** Succeeds when the current value equals `expected` (null: the key must be absent). */
  | { kind: "cas"; key: string; expected: string | null; value: string };

export type RegisterOutput =
  | { kind: "put" }
  | { kind: "get"; value: string | null }
  | { kind: "delete"; deleted: number }
  | { kind: "cas"; succeeded: boolean };

/** Register state: the current value, or null when the key does not exist. */
export type RegisterState = string | null;

export const registerModel: Model<RegisterState, RegisterInput, RegisterOutput> = {
  init: () => null,
  partitionKey: (input) => input.key,
  stateKey: (state) => (state === null ? "\u0000" : `=${state}`),
  step(state, input, output) {
    switch (input.kind) {
      case "put":
        return { ok: true, state: input.value };
      case "get":
        return {
          ok: output === undefined || (output.kind === "get" && output.value === state),
          state,
        };
      case "delete": {
        const ok =
          output === undefined ||
          (output.kind === "delete" && output.deleted === (state === null ? 0 : 1));
        return { ok, state: null };
      }
      case "cas": {
        const matches = state === input.expected;
        if (output === undefined) {
          // Unknown outcome: if it applied here it must have succeeded exactly when the
          // comparison held; not applying at all is the same as linearizing it last.
          return { ok: true, state: matches ? input.value : state };
        }
        const ok = output.kind === "cas" && output.succeeded === matches;
        return { ok, state: matches ? input.value : state };
      }
    }
  },
};

type RegisterOp = Operation<RegisterInput, RegisterOutput>;

const UNOBSERVED = "\u0000unobserved";

function writtenValue(input: RegisterInput): string | undefined {
  return input.kind === "put" || input.kind === "cas" ? input.value : undefined;
}

/**
 * Checks a register history whose written values are unique per key, faster than a plain
 * search when many operations are indeterminate:
 * - an indeterminate write whose value some read (or successful CAS) observed must have
 *   taken effect before that observation returned, so it gets that return time;
 * - first, indeterminate writes nobody observed are left out: if the rest is linearizable,
 *   so is the whole (they go last). Only if that fails is the full history searched.
 * Values written twice to one key are not tightened (the observation is ambiguous).
 */
export function checkRegisterHistory(ops: RegisterOp[], options: CheckOptions = {}): CheckResult {
  const writers = new Map<string, number>();
  for (const op of ops) {
    const v = writtenValue(op.input);
    if (v === undefined) continue;
    const k = `${op.input.key}\u0000${v}`;
    writers.set(k, (writers.get(k) ?? 0) + 1);
  }
  const observedBy = new Map<string, number>();
  for (const op of ops) {
    if (op.returnMs === undefined || op.output === undefined) continue;
    let seen: string | null = null;
    if (op.input.kind === "get" && op.output.kind === "get") seen = op.output.value;
    else if (op.input.kind === "cas" && op.output.kind === "cas" && op.output.succeeded) {
      seen = op.input.expected;
    }
    if (seen === null) continue;
    const k = `${op.input.key}\u0000${seen}`;
    observedBy.set(k, Math.min(observedBy.get(k) ?? Infinity, op.returnMs));
  }
  // A value no read or CAS ever observed is indistinguishable from any other such value:
  // writing one sentinel instead lets equal states (and interchangeable operations) merge.
  const observedValues = new Set<string>();
  for (const op of ops) {
    if (op.output?.kind === "get" && op.output.value !== null) {
      observedValues.add(`${op.input.key}\u0000${op.output.value}`);
    }
    if (op.input.kind === "cas" && op.input.expected !== null) {
      observedValues.add(`${op.input.key}\u0000${op.input.expected}`);
    }
  }
  ops = ops.map((op) => {
    const v = writtenValue(op.input);
    if (v === undefined || observedValues.has(`${op.input.key}\u0000${v}`)) return op;
    return { ...op, input: { ...op.input, value: UNOBSERVED } as RegisterInput };
  });
  const tightened: RegisterOp[] = [];
  const observedOnly: RegisterOp[] = [];
  for (const op of ops) {
    const v = writtenValue(op.input);
    if (op.returnMs !== undefined || v === undefined) {
      tightened.push(op);
      if (op.returnMs !== undefined || op.input.kind !== "delete") observedOnly.push(op);
      continue;
    }
    const k = `${op.input.key}\u0000${v}`;
    const by = writers.get(k) === 1 ? observedBy.get(k) : undefined;
    if (by === undefined) {
      tightened.push(op);
      continue;
    }
    // Still indeterminate in outcome (output unknown), but bounded in time.
    const bounded: RegisterOp = { ...op, returnMs: Math.max(by, op.callMs) };
    tightened.push(bounded);
    observedOnly.push(bounded);
  }
  const fast = checkOperations(registerModel, observedOnly, options);
  if (fast.verdict === "ok") return fast;
  return checkOperations(registerModel, tightened, options);
}
