// Exit codes and the error path every command shares, as etcdctl 3.4 uses them.

export const ExitCode = {
  Success: 0,
  Error: 1,
  BadConnection: 2,
  InvalidInput: 3,
  BadFeature: 4,
  Interrupted: 5,
  IO: 6,
  BadArgs: 128,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Thrown by command code to end the process with etcdctl's `Error: <message>` and code. */
export class CommandError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

/** Prints `Error: <message>` on stderr and exits, as etcdctl's ExitWithError does. */
export function exitWithError(exitCode: number, message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(exitCode);
}

let closedStdoutHandled = false;

/** A closed pipe (e.g. `| head`) ends the command quietly, exit 1, not with a stack trace. */
export function endQuietlyOnClosedStdout(): void {
  if (closedStdoutHandled) return;
  closedStdoutHandled = true;
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(1);
    throw err;
  });
}
