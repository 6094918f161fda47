// The linearizability checker: a generic search over a sequential model (checker.ts) and
// the register model used for key-value histories (register.ts).
export { checkOperations } from "./checker.js";
export type {
  Operation,
  Model,
  StepResult,
  CheckVerdict,
  CheckResult,
  CheckOptions,
  PartitionResult,
} from "./checker.js";
export { registerModel, checkRegisterHistory } from "./register.js";
export type { RegisterInput, RegisterOutput, RegisterState } from "./register.js";
