// The process's stdout/stderr as a printer sink (its own module so a caller that builds one
// printer directly does not load the format switch).
import type { PrintSink } from "./types.js";

export const stdSink: PrintSink = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};
