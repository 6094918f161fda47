// An ora spinner on stderr around long operations, only when stdout is a terminal: scripts
// and pipes see exactly etcdctl's output.
export async function withSpinner<T>(text: string, work: () => Promise<T>): Promise<T> {
  if (process.stdout.isTTY !== true || process.stderr.isTTY !== true) return work();
  const { default: ora } = await import("ora");
  const spinner = ora({ text, stream: process.stderr }).start();
  try {
    return await work();
  } finally {
    spinner.stop();
  }
}
