// `tsctl member add|remove|update|list|promote`: cluster membership with etcdctl's texts
// (hex ids, the ETCD_* lines after add).
import type { Command } from "commander";
import { goQuote } from "../../src/printer/text.js";
import { CommandError, ExitCode } from "../errors.js";
import { run } from "./context.js";
import { memberIdArg } from "./ids.js";

export function registerMember(program: Command): void {
  const member = program.command("member").description("Membership related commands");

  member
    .command("add")
    .description("Adds a member into the cluster")
    .usage("<memberName> [options]")
    .argument("[args...]")
    .option("--learner", "indicates if the new member is raft learner")
    .option("--peer-urls <urls>", "comma separated peer URLs for the new member.", "")
    .action((args: string[], flags: { learner?: boolean; peerUrls: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (args.length < 1) throw new CommandError(ExitCode.BadArgs, "member name not provided");
        if (args.length > 1) {
          let text = "too many arguments";
          for (const a of args)
            if (a.toLowerCase().startsWith("http")) text += `, did you mean --peer-urls=${a}`;
          throw new CommandError(ExitCode.BadArgs, text);
        }
        const name = args[0]!;
        if (flags.peerUrls === "")
          throw new CommandError(ExitCode.BadArgs, "member peer urls not provided");
        const client = await ctx.client();
        const resp = await client.cluster.memberAdd({
          peerURLs: flags.peerUrls.split(","),
          isLearner: flags.learner === true,
        });
        ctx.printer.memberAdd(resp);
        if (ctx.globals.writeOut === "simple") {
          const newId = resp.member?.ID;
          const conf = resp.members.flatMap((m) =>
            m.peerURLs.map((u) => `${m.ID === newId ? name : m.name}=${u}`),
          );
          process.stdout.write(
            `\nETCD_NAME=${goQuote(name)}\n` +
              `ETCD_INITIAL_CLUSTER=${goQuote(conf.join(","))}\n` +
              `ETCD_INITIAL_ADVERTISE_PEER_URLS=${goQuote(flags.peerUrls)}\n` +
              `ETCD_INITIAL_CLUSTER_STATE="existing"\n`,
          );
        }
      }),
    );

  member
    .command("remove")
    .description("Removes a member from the cluster")
    .usage("<memberID>")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        const id = memberIdArg(args);
        const client = await ctx.client();
        ctx.printer.memberRemove(id, await client.cluster.memberRemove({ ID: id }));
      }),
    );

  member
    .command("update")
    .description("Updates a member in the cluster")
    .usage("<memberID> [options]")
    .argument("[args...]")
    .option("--peer-urls <urls>", "comma separated peer URLs for the updated member.", "")
    .action((args: string[], flags: { peerUrls: string }, cmd: Command) =>
      run(cmd, async (ctx) => {
        const id = memberIdArg(args);
        if (flags.peerUrls === "")
          throw new CommandError(ExitCode.BadArgs, "member peer urls not provided");
        const client = await ctx.client();
        const resp = await client.cluster.memberUpdate({
          ID: id,
          peerURLs: flags.peerUrls.split(","),
        });
        ctx.printer.memberUpdate(id, resp);
      }),
    );

  member
    .command("list")
    .description("Lists all members in the cluster")
    .argument("[args...]")
    .action((_args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        const client = await ctx.client();
        ctx.printer.memberList(await client.cluster.memberList());
      }),
    );

  member
    .command("promote")
    .description("Promotes a non-voting member in the cluster")
    .usage("<memberID>")
    .argument("[args...]")
    .action((args: string[], _f: object, cmd: Command) =>
      run(cmd, async (ctx) => {
        const id = memberIdArg(args);
        const client = await ctx.client();
        ctx.printer.memberPromote(id, await client.cluster.memberPromote({ ID: id }));
      }),
    );
}
