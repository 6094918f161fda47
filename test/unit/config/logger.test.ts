import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  capnslogLine,
  createLogger,
  fileSink,
  sinksForOutputs,
  stderrSink,
  stdoutSink,
} from "../../../src/log/logger.js";
import type { LogSink } from "../../../src/log/logger.js";

function memory(): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (l) => void lines.push(l) };
}
const NOW = Date.UTC(2026, 10, 24, 10, 16, 15, 275) + 0.5;

test("zap JSON shape with fields, bigint and errors", () => {
  const sink = memory();
  const log = createLogger({ sinks: [sink], nowMs: () => NOW, component: "etcdserver" });
  log.info("starting", {
    "member-id": 10276657743932975437n,
    urls: ["http://a:1"],
    err: new Error("boom"),
  });
  assert.deepEqual(sink.lines, [
    '{"level":"info","ts":"2026-11-24T10:16:15.275Z","caller":"etcdserver","msg":"starting","member-id":10276657743932975437,"urls":["http://a:1"],"err":"boom"}\n',
  ]);
});

test("levels below the threshold are dropped; child keeps sinks and adds fields", () => {
  const sink = memory();
  const log = createLogger({ sinks: [sink], level: "warn", nowMs: () => NOW });
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.child("raft", { id: "1" }).error("e", { term: 2 });
  assert.equal(sink.lines.length, 2);
  assert.match(sink.lines[1]!, /"level":"error".*"caller":"raft","msg":"e","id":"1","term":2/);
  assert.equal(log.enabled("info"), false);
  assert.equal(log.enabled("error"), true);
});

test("fatal writes then exits with 1", () => {
  const sink = memory();
  let code = -1;
  const log = createLogger({
    sinks: [sink],
    exit: ((c: number) => {
      code = c;
      throw new Error("exited");
    }) as (c: number) => never,
  });
  assert.throws(() => log.fatal("bye"), /exited/);
  assert.equal(code, 1);
  assert.match(sink.lines[0]!, /"level":"fatal"/);
});

test("capnslog text shape", () => {
  const local = new Date(NOW);
  const p2 = (n: number) => String(n).padStart(2, "0");
  const stamp = `${local.getFullYear()}-${p2(local.getMonth() + 1)}-${p2(local.getDate())} ${p2(local.getHours())}:${p2(local.getMinutes())}:${p2(local.getSeconds())}.275500`;
  assert.equal(capnslogLine("error", NOW, "etcdmain", "bad"), `${stamp} E | etcdmain: bad\n`);
  assert.equal(
    capnslogLine("notice", NOW, "etcdmain", "n", { a: 1 }),
    `${stamp} N | etcdmain: n (a=1)\n`,
  );
  const sink = memory();
  createLogger({ sinks: [sink], format: "capnslog", nowMs: () => NOW, component: "x" }).warn("w");
  assert.equal(sink.lines[0], `${stamp} W | x: w\n`);
});

test("--log-outputs: stderr, stdout and files", () => {
  assert.deepEqual(sinksForOutputs(["default"]), [stderrSink]);
  assert.deepEqual(sinksForOutputs(["stdout", "stderr"]), [stdoutSink, stderrSink]);
  const dir = mkdtempSync(join(tmpdir(), "tsctl-log-"));
  const path = join(dir, "etcd.log");
  const sink = fileSink(path);
  const log = createLogger({ sinks: [sink], nowMs: () => NOW });
  log.info("to file");
  log.close();
  assert.match(readFileSync(path, "utf8"), /"msg":"to file"/);
});
