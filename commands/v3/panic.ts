// What a Go tool prints when it panics where etcdctl does (a backend it cannot open): the
// capnslog CRITICAL line, then `panic: <message>`, and exit code 2. The goroutine trace is
// left out.
import { capnslogLine } from "../../src/log/logger.js";

export const GO_PANIC_EXIT_CODE = 2;

export function goPanic(pkg: string, message: string): never {
  process.stderr.write(capnslogLine("panic", Date.now(), pkg, message));
  process.stderr.write(`panic: ${message}\n`);
  process.exit(GO_PANIC_EXIT_CODE);
}
