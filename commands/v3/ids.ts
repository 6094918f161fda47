// Hex member-id arguments as etcdctl parses them (strconv.ParseUint(arg, 16, 64)).
import { CommandError, ExitCode } from "../errors.js";
import { parseGoInt } from "./flags.js";

/** A member id argument; missing → "member ID is not provided", bad hex → exit 128. */
export function memberIdArg(args: string[]): bigint {
  if (args.length !== 1) throw new CommandError(ExitCode.BadArgs, "member ID is not provided");
  try {
    return parseGoInt(args[0]!, 16, "ParseUint");
  } catch (err) {
    throw new CommandError(
      ExitCode.BadArgs,
      `bad member ID arg (${(err as Error).message}), expecting ID in Hex`,
    );
  }
}
