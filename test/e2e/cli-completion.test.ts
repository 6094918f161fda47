// Shell completion: the committed scripts match the command tree, and bash completes a
// subcommand, a nested subcommand and a flag from them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT, runCli } from "../helpers/index.js";

for (const shell of ["bash", "zsh", "fish", "powershell"]) {
  test(`completions/tsctl.${shell} is what 'tsctl completion ${shell}' prints`, async () => {
    const r = await runCli("tsctl", ["completion", shell]);
    assert.equal(r.code, 0, r.stderr);
    const file = fs.readFileSync(path.join(REPO_ROOT, "completions", `tsctl.${shell}`), "utf8");
    assert.equal(
      r.stdout,
      file,
      "regenerate with: node --import tsx commands/completion.ts --write",
    );
  });
}

function complete(words: string[]): string[] {
  const script = [
    `source ${JSON.stringify(path.join(REPO_ROOT, "completions/tsctl.bash"))}`,
    `COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(" ")})`,
    `COMP_CWORD=${words.length - 1}`,
    "_tsctl",
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join("\n");
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").filter((l) => l !== "");
}

test("bash completes commands, nested commands and flags", () => {
  assert.deepEqual(complete(["tsctl", "mem"]), ["member"]);
  assert.deepEqual(complete(["tsctl", "member", "pro"]), ["promote"]);
  assert.deepEqual(complete(["tsctl", "--endpoints", "x", "get", "--pre"]), ["--prefix"]);
  assert.ok(complete(["tsctl", "get", "--"]).includes("--endpoints"), "global flags too");
  assert.ok(complete(["tsctl", ""]).includes("snapshot"));
});
