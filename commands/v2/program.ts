// The v2 command tree (ETCDCTL_API=2): etcdctl 3.4's v2 global flags and commands, parsed and
// printed as etcdctl's urfave/cli app does.
import { ETCD_VERSION } from "../../src/version.js";
import type { AppDef, CommandDef, FlagDef } from "./cli-kit.js";
import { runApp, UsageError } from "./cli-kit.js";

const GLOBAL_FLAGS: FlagDef[] = [
  {
    names: ["debug"],
    kind: "bool",
    usage: "output cURL commands which can be used to reproduce the request",
  },
  {
    names: ["no-sync"],
    kind: "bool",
    usage: "don't synchronize cluster information before sending request",
  },
  {
    names: ["output", "o"],
    kind: "string",
    value: "simple",
    usage: "output response in the given format (`simple`, `extended` or `json`)",
  },
  {
    names: ["discovery-srv", "D"],
    kind: "string",
    usage: "domain name to query for SRV records describing cluster endpoints",
  },
  {
    names: ["insecure-discovery"],
    kind: "bool",
    usage: "accept insecure SRV records describing cluster endpoints",
  },
  {
    names: ["peers", "C"],
    kind: "string",
    value: "",
    usage: 'DEPRECATED - "--endpoints" should be used instead',
  },
  {
    names: ["endpoint"],
    kind: "string",
    value: "",
    usage: 'DEPRECATED - "--endpoints" should be used instead',
  },
  {
    names: ["endpoints"],
    kind: "string",
    value: "",
    usage:
      'a comma-delimited list of machine addresses in the cluster (default: "http://127.0.0.1:2379,http://127.0.0.1:4001")',
  },
  {
    names: ["cert-file"],
    kind: "string",
    value: "",
    usage: "identify HTTPS client using this SSL certificate file",
  },
  {
    names: ["key-file"],
    kind: "string",
    value: "",
    usage: "identify HTTPS client using this SSL key file",
  },
  {
    names: ["ca-file"],
    kind: "string",
    value: "",
    usage: "verify certificates of HTTPS-enabled servers using this CA bundle",
  },
  {
    names: ["username", "u"],
    kind: "string",
    value: "",
    usage: "provide username[:password] and prompt if password is not supplied.",
  },
  { names: ["timeout"], kind: "duration", value: 2000, usage: "connection timeout per request" },
  {
    names: ["total-timeout"],
    kind: "duration",
    value: 5000,
    usage: "timeout for the command execution (except watch)",
  },
];

/** The command modules load on demand so that `tsctl` in v3 mode never pays for them. */
async function buildCommands(): Promise<CommandDef[]> {
  const [{ keyCommands }, { watchCommands }, member, auth, { backupCommand }] = await Promise.all([
    import("./keys.js"),
    import("./watch.js"),
    import("./member.js"),
    import("./auth.js"),
    import("./backup.js"),
  ]);
  const k = (n: string): CommandDef => {
    const c = keyCommands[n] ?? watchCommands[n];
    if (c === undefined) throw new Error(`unknown v2 command ${n}`);
    return c;
  };
  return [
    backupCommand,
    member.clusterHealthCommand,
    k("mk"),
    k("mkdir"),
    k("rm"),
    k("rmdir"),
    k("get"),
    k("ls"),
    k("set"),
    k("setdir"),
    k("update"),
    k("updatedir"),
    k("watch"),
    k("exec-watch"),
    member.memberCommand,
    auth.userCommand,
    auth.roleCommand,
    auth.authCommand,
  ];
}

export async function buildV2App(): Promise<AppDef> {
  return {
    name: "etcdctl",
    usage: "A simple command line client for etcd.",
    version: ETCD_VERSION,
    flags: GLOBAL_FLAGS,
    commands: await buildCommands(),
    printVersion: () => {
      process.stdout.write(`etcdctl version: ${ETCD_VERSION}\nAPI version: 2\n`);
    },
  };
}

export async function runV2(args: string[]): Promise<void> {
  let code: number;
  try {
    code = await runApp(await buildV2App(), args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(err.exitCode);
    }
    throw err;
  }
  process.exit(code);
}
