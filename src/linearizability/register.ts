// The sequential model of a key-value store seen as one register per key: put, get,
// delete and compare-and-swap on the value (null = key absent). Values written should be
// unique so that a read identifies the write it observed.

import type { Model } from "./checker.js";

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
