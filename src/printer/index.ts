// Picks the printer for `-w <format>`. Formats load lazily so that a command pays only for
// the format it prints (cli-table3 and the protobuf encoders are not free to import).
import { stdSink } from "./sink.js";
import { UnsupportedFormatError } from "./unsupported.js";
import type { OutputFormat, Printer, PrintSink } from "./types.js";

export type {
  DbStatus,
  EpHashKV,
  EpHealth,
  EpStatus,
  OutputFormat,
  Printer,
  PrintSink,
} from "./types.js";
export { MissingHeaderError, UnsupportedFormatError } from "./unsupported.js";

export interface PrinterOptions {
  hex?: boolean;
  /** get --print-value-only (simple format only). */
  valueOnly?: boolean;
}

export { stdSink } from "./sink.js";

export function isOutputFormat(f: string): f is OutputFormat {
  return f === "simple" || f === "json" || f === "fields" || f === "protobuf" || f === "table";
}

/** Throws UnsupportedFormatError("unsupported output format") for an unknown name, as etcdctl. */
export async function createPrinter(
  format: string,
  sink: PrintSink = stdSink,
  opts: PrinterOptions = {},
): Promise<Printer> {
  switch (format) {
    case "simple": {
      const { SimplePrinter } = await import("./simple.js");
      return new SimplePrinter(sink, opts.hex ?? false, opts.valueOnly ?? false);
    }
    case "json": {
      const { JsonPrinter } = await import("./json.js");
      return new JsonPrinter(sink);
    }
    case "fields": {
      const { FieldsPrinter } = await import("./fields.js");
      return new FieldsPrinter(sink);
    }
    case "table": {
      const { TablePrinter } = await import("./table.js");
      return new TablePrinter(sink);
    }
    case "protobuf": {
      const { ProtobufPrinter } = await import("./protobuf.js");
      return new ProtobufPrinter(sink);
    }
    default:
      throw new UnsupportedFormatError("unsupported output format");
  }
}
