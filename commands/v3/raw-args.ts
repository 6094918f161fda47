// The user's command-line words as typed (before commander folds `--` away): watch and lock
// need to know where the `--` separator stood.
let raw: readonly string[] = [];

export function setRawArgs(args: readonly string[]): void {
  raw = args;
}

export function rawArgs(): readonly string[] {
  return raw;
}
