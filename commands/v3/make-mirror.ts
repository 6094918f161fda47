// `tsctl make-mirror <destination>`: copies every key under --prefix to another cluster, then
// follows the watch stream and applies each revision's changes there as one txn. Runs until
// it fails; prints the number of mirrored changes every 30 s as etcdctl does.
import type { Command } from "commander";
import { Option } from "commander";
import type { RequestOp } from "../../src/proto/index.js";
import { prefixRangeEnd } from "../../src/printer/text.js";
import { CommandError, ExitCode } from "../errors.js";
import { newClient, run } from "./context.js";

interface MirrorFlags {
  prefix: string;
  destPrefix: string;
  noDestPrefix?: boolean;
  destCert?: string;
  destKey?: string;
  destCacert?: string;
  destInsecureTransport?: boolean;
}

const PAGE = 1000n;

export function registerMakeMirror(program: Command): void {
  program
    .command("make-mirror")
    .description("Makes a mirror at the destination etcd cluster")
    .usage("[options] <destination>")
    .argument("[args...]")
    .option(
      "--dest-cacert <file>",
      "Verify certificates of TLS enabled secure servers using this CA bundle",
    )
    .option(
      "--dest-cert <file>",
      "Identify secure client using this TLS certificate file for the destination cluster",
    )
    .addOption(
      new Option("--dest-insecure-transport", "Disable transport security for client connections"),
    )
    .addOption(new Option("--no-dest-insecure-transport").hideHelp())
    .option("--dest-key <file>", "Identify secure client using this TLS key file")
    .option(
      "--dest-prefix <prefix>",
      "destination prefix to mirror a prefix to a different prefix in the destination cluster",
      "",
    )
    .option("--no-dest-prefix", "mirror key-values to the root of the destination cluster")
    .option("--prefix <prefix>", "Key-value prefix to mirror", "")
    .action((args: string[], flags: MirrorFlags, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length !== 1)
          throw new CommandError(ExitCode.BadArgs, "make-mirror takes one destination argument");
        // commander folds --no-dest-prefix into destPrefix=false.
        const noDest = (flags.destPrefix as unknown) === false;
        const destPrefixText = noDest ? "" : flags.destPrefix;
        const dest = await newClient(
          {
            ...ctx.globals,
            cert: flags.destCert,
            key: flags.destKey,
            cacert: flags.destCacert,
            insecureTransport: flags.destInsecureTransport !== false,
            user: undefined,
            password: undefined,
          },
          [args[0]!],
        );
        const src = await ctx.client();
        let total = 0;
        const timer = setInterval(() => process.stdout.write(`${total}\n`), 30_000);
        try {
          if (noDest && destPrefixText.length > 0)
            throw new CommandError(
              ExitCode.BadArgs,
              "`--dest-prefix` and `--no-dest-prefix` cannot be set at the same time, choose one",
            );
          const destPrefix = !noDest && destPrefixText === "" ? flags.prefix : destPrefixText;
          const rename = (key: Buffer): Buffer => {
            const k = key.toString("latin1");
            const from = Buffer.from(flags.prefix).toString("latin1");
            const to = Buffer.from(destPrefix).toString("latin1");
            const i = k.indexOf(from);
            return Buffer.from(i < 0 ? k : k.slice(0, i) + to + k.slice(i + from.length), "latin1");
          };
          const start = Buffer.from(flags.prefix === "" ? "\0" : flags.prefix);
          const end = flags.prefix === "" ? Buffer.from([0]) : prefixRangeEnd(start);
          const head = await src.kv.range({ key: start, rangeEnd: end, limit: 1n });
          const rev = head.header?.revision ?? 0n;
          let from = start;
          for (;;) {
            const page = await src.kv.range(
              { key: from, rangeEnd: end, revision: rev, limit: PAGE },
              { timeoutMs: 0 },
            );
            for (const kv of page.kvs) {
              await dest.kv.put({ key: rename(kv.key), value: kv.value }, { timeoutMs: 0 });
              total++;
            }
            if (!page.more || page.kvs.length === 0) break;
            from = Buffer.concat([page.kvs[page.kvs.length - 1]!.key, Buffer.from([0])]);
          }
          const stream = await src.watch({ key: start, rangeEnd: end, startRevision: rev + 1n });
          for await (const wr of stream) {
            if (wr.compactRevision !== 0n)
              throw new CommandError(
                ExitCode.Error,
                "etcdserver: mvcc: required revision has been compacted",
              );
            let ops: RequestOp[] = [];
            let lastRev = 0n;
            const flush = async () => {
              if (ops.length > 0) await dest.kv.txn({ success: ops }, { timeoutMs: 0 });
              ops = [];
            };
            for (const ev of wr.events) {
              const kv = ev.kv!;
              if (lastRev !== 0n && kv.modRevision > lastRev) await flush();
              lastRev = kv.modRevision;
              const key = rename(kv.key);
              ops.push(
                ev.type === 1
                  ? {
                      request: {
                        $case: "requestDeleteRange",
                        value: { key, rangeEnd: Buffer.alloc(0), prevKv: false },
                      },
                    }
                  : {
                      request: {
                        $case: "requestPut",
                        value: {
                          key,
                          value: kv.value,
                          lease: 0n,
                          prevKv: false,
                          ignoreValue: false,
                          ignoreLease: false,
                        },
                      },
                    },
              );
              total++;
            }
            await flush();
          }
        } finally {
          clearInterval(timer);
          dest.close();
        }
      }),
    );
}
