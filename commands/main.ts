// What `bin/tsctl` runs: a small, self-contained bundle. The plain one-shot KV commands
// (`tsctl get k`, `put k v`, `del k`) run on the quick path (v3/quick.ts) without loading
// the rest of the CLI; everything else — and anything the quick path declines — loads the
// full program (cli.ts), which parses and runs the command line from the start.
import { CommandError } from "./errors.js";
import { runQuick } from "./v3/quick.js";

// Not a literal, so the bundler leaves it as a run-time import of the separate cli bundle.
const FULL_PROGRAM = "./cli.js";

async function main(args: string[]): Promise<void> {
  const api = process.env.ETCDCTL_API ?? "";
  if ((api === "" || api === "3") && (await runQuick(args))) return;
  await import(FULL_PROGRAM);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof CommandError) {
    process.stderr.write(`Error: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  // A response without a header, as the full program reports it.
  if (err instanceof Error && err.name === "MissingHeaderError") {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
