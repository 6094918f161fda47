// `tsctl lock <name> [cmd args...]`: takes a distributed lock (etcd's client-side mutex),
// prints the lock key and holds it until a signal, or runs cmd while holding it.
import type { Command } from "commander";
import { CommandError, ExitCode } from "../errors.js";
import { run } from "./context.js";
import { enqueueAndWait, Session, untilSignal } from "./session.js";

export function registerLock(program: Command): void {
  program
    .command("lock")
    .description("Acquires a named lock")
    .usage("<lockname> [exec-command arg1 arg2 ...]")
    .argument("[args...]")
    .option("--ttl <seconds>", "timeout for session", "10")
    .action((args: string[], flags: { ttl: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length === 0)
          throw new CommandError(
            ExitCode.BadArgs,
            "lock takes a lock name argument and an optional command to execute",
          );
        const client = await ctx.client();
        const session = await Session.create(client, Number(flags.ttl));
        const signalled = untilSignal();
        try {
          const held = await enqueueAndWait(session, `${args[0]}/`, Buffer.alloc(0));
          const exec = args.slice(1);
          if (exec.length > 0) {
            const { spawn } = await import("node:child_process");
            const env = {
              ETCD_LOCK_KEY: held.key.toString(),
              ETCD_LOCK_REV: String(held.header?.revision ?? 0n),
              ...process.env,
            };
            const err = await new Promise<string | null>((resolve) => {
              const child = spawn(exec[0]!, exec.slice(1), { env, stdio: "inherit" });
              child.on("error", (e) => resolve(e.message));
              child.on("exit", (code, sig) =>
                resolve(
                  code === 0 ? null : sig !== null ? `signal: ${sig}` : `exit status ${code}`,
                ),
              );
            });
            await client.kv.deleteRange({ key: held.key });
            if (err !== null) throw new CommandError(ExitCode.Error, err);
            return;
          }
          const got = await client.kv.range({ key: held.key });
          if (got.kvs.length === 0) throw new CommandError(ExitCode.Error, "lock lost on init");
          ctx.printer.get(got);
          const lost = session.done.then(() => "lost" as const);
          const why = await Promise.race([signalled.then(() => "signal" as const), lost]);
          if (why === "lost") throw new CommandError(ExitCode.Error, "session expired");
          await client.kv.deleteRange({ key: held.key });
        } finally {
          await session.close();
        }
      }),
    );
}
