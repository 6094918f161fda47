// Runs every scenario script in ./scenarios (see script.ts for the language).
import { test } from "node:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runScript } from "./script.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "scenarios");
for (const file of readdirSync(dir).sort()) {
  if (!file.endsWith(".txt")) continue;
  test(`scenario ${file}`, () => {
    runScript(readFileSync(join(dir, file), "utf8"), file);
  });
}
