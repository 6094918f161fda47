// The tsctl entry point: `tsctl server` runs a member, anything else is an etcdctl-style
// client command in v3 (default) or v2 mode, chosen by ETCDCTL_API like etcdctl.
import { CommandError } from "./errors.js";

async function main(argv: string[]): Promise<void> {
  const args = argv.slice(2);
  if (args[0] === "server") {
    const { runServer } = await import("./server.js");
    await runServer(args.slice(1));
    return;
  }
  const api = process.env.ETCDCTL_API ?? "";
  if (api === "" || api === "3") {
    const { runV3 } = await import("./v3/program.js");
    await runV3(args);
  } else if (api === "2") {
    const { runV2 } = await import("./v2/program.js");
    await runV2(args);
  } else {
    process.stderr.write(`unsupported API version ${api}\n`);
    process.exit(1);
  }
}

main(process.argv).catch((err: unknown) => {
  if (err instanceof CommandError) {
    process.stderr.write(`Error: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
