// `tsctl server`: runs a member. The member itself lives in src/server.
import { CommandError, ExitCode } from "./errors.js";

export async function runServer(_args: string[]): Promise<void> {
  throw new CommandError(ExitCode.Error, "tsctl server is under construction in this build");
}
