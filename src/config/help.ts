// The texts `tsctl server` prints for usage errors and -h/--help, in etcd's layout (a short
// usage block on stderr; on --help, the flag list by section on stdout), with our own words.
import { SERVER_FLAGS } from "./definitions.js";

export const USAGE_TEXT = `Usage:

  tsctl server [flags]
    Start a member (an etcd 3.4 compatible server).

  tsctl server --version
    Print the version and exit.

  tsctl server -h | --help
    Print this help and every flag.

  tsctl server --config-file
    Read the whole configuration from a YAML file; other flags and ETCD_* variables are then ignored.
`;

/** The flag list, grouped as etcd groups it, with defaults quoted as etcd shows them. */
export function flagsText(): string {
  const sections = new Map<string, string[]>();
  for (const d of SERVER_FLAGS) {
    if (d.hidden || d.section === "") continue;
    const lines = sections.get(d.section) ?? [];
    lines.push(`  --${d.name} '${d.shown}'`, `    ${d.help}`);
    sections.set(d.section, lines);
  }
  let out = "";
  for (const [section, lines] of sections) {
    out += `\n${section}:\n${lines.join("\n")}\n`;
  }
  out +=
    "\nEvery flag can also be set by an ETCD_ variable (--foo-bar is ETCD_FOO_BAR); setting both is an error.\n";
  return out;
}
