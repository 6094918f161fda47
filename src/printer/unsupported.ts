// The base every format extends: any response kind the format does not render fails with
// etcdctl's "<format> not supported as output format" (exit code 4).
import type { Printer } from "./types.js";

/** A response kind the chosen output format cannot render; exit code 4 (bad feature). */
export class UnsupportedFormatError extends Error {
  readonly exitCode = 4;
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedFormatError";
  }
}

/**
 * etcdctl dereferences a response header that the server left out (e.g. alarm responses in
 * fields format) and crashes with exit code 2; this error reproduces that outcome.
 */
export class MissingHeaderError extends Error {
  readonly exitCode = 2;
  constructor() {
    super("panic: runtime error: invalid memory address or nil pointer dereference");
    this.name = "MissingHeaderError";
  }
}

export class UnsupportedPrinter implements Printer {
  constructor(protected readonly format: string) {}
  protected unsupported(): never {
    throw new UnsupportedFormatError(`${this.format} not supported as output format`);
  }
  del(..._args: unknown[]): void {
    this.unsupported();
  }
  get(..._args: unknown[]): void {
    this.unsupported();
  }
  put(..._args: unknown[]): void {
    this.unsupported();
  }
  txn(..._args: unknown[]): void {
    this.unsupported();
  }
  watch(..._args: unknown[]): void {
    this.unsupported();
  }
  grant(..._args: unknown[]): void {
    this.unsupported();
  }
  revoke(..._args: unknown[]): void {
    this.unsupported();
  }
  keepAlive(..._args: unknown[]): void {
    this.unsupported();
  }
  timeToLive(..._args: unknown[]): void {
    this.unsupported();
  }
  leases(..._args: unknown[]): void {
    this.unsupported();
  }
  memberAdd(..._args: unknown[]): void {
    this.unsupported();
  }
  memberRemove(..._args: unknown[]): void {
    this.unsupported();
  }
  memberUpdate(..._args: unknown[]): void {
    this.unsupported();
  }
  memberPromote(..._args: unknown[]): void {
    this.unsupported();
  }
  memberList(..._args: unknown[]): void {
    this.unsupported();
  }
  endpointHealth(..._args: unknown[]): void {
    this.unsupported();
  }
  endpointStatus(..._args: unknown[]): void {
    this.unsupported();
  }
  endpointHashKV(..._args: unknown[]): void {
    this.unsupported();
  }
  moveLeader(..._args: unknown[]): void {
    this.unsupported();
  }
  alarm(..._args: unknown[]): void {
    this.unsupported();
  }
  dbStatus(..._args: unknown[]): void {
    this.unsupported();
  }
  roleAdd(..._args: unknown[]): void {
    this.unsupported();
  }
  roleGet(..._args: unknown[]): void {
    this.unsupported();
  }
  roleDelete(..._args: unknown[]): void {
    this.unsupported();
  }
  roleList(..._args: unknown[]): void {
    this.unsupported();
  }
  roleGrantPermission(..._args: unknown[]): void {
    this.unsupported();
  }
  roleRevokePermission(..._args: unknown[]): void {
    this.unsupported();
  }
  userAdd(..._args: unknown[]): void {
    this.unsupported();
  }
  userGet(..._args: unknown[]): void {
    this.unsupported();
  }
  userList(..._args: unknown[]): void {
    this.unsupported();
  }
  userChangePassword(..._args: unknown[]): void {
    this.unsupported();
  }
  userGrantRole(..._args: unknown[]): void {
    this.unsupported();
  }
  userRevokeRole(..._args: unknown[]): void {
    this.unsupported();
  }
  userDelete(..._args: unknown[]): void {
    this.unsupported();
  }
}
