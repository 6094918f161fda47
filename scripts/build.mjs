// Bundles the CLI and the library with esbuild: one ESM bundle per entry plus shared chunks,
// so `tsctl <cmd>` loads only what that command needs (command modules are dynamic imports);
// and dist/main.cjs, the self-contained entry bin/tsctl loads: the quick get/put/del path in
// one file (no chunk graph to resolve at start), importing dist/cli.js for everything else.
import { build } from "esbuild";
import { rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: { cli: "commands/cli.ts", lib: "src/index.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  chunkNames: "chunks/[name]-[hash]",
  // Native addon: must be loaded from node_modules at run time.
  external: ["better-sqlite3"],
  // Bundled CommonJS dependencies call require() for node built-ins.
  banner: {
    js: "import { createRequire as __tsctlCreateRequire } from 'node:module'; const require = __tsctlCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
await build({
  entryPoints: { main: "commands/main.ts" },
  outdir: "dist",
  outExtension: { ".js": ".cjs" },
  bundle: true,
  splitting: false,
  // CommonJS: Node starts a CommonJS entry ~20 ms sooner than an ES module one.
  format: "cjs",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
});
