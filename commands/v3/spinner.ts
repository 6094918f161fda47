// An ora spinner on stderr around long operations, only when stdout is a terminal: scripts
// and pipes see exactly etcdctl's output.
export async function withSpinner<T>(text: string, work: () => Promise<T>): Promise<T> {
  if (process.stdout.isTTY !== true || process.stderr.isTTY !== true) return work();
  // A terminal that reports no width (some ptys) would make ora redraw endlessly.
  if ((process.stderr.columns ?? 0) <= 0) return work();
  const { default: ora } = await import("ora");
  // discardStdin off: the command may read stdin itself, and raw-mode stdin keeps the process busy.
  const spinner = ora({ text, stream: process.stderr, discardStdin: false }).start();
  try {
    return await work();
  } finally {
    spinner.stop();
  }
}
