// `-w table`: member list, endpoint status/health/hashkv and snapshot status as bordered
// tables (cli-table3 styled like etcdctl's: `+-|` borders, upper-case centered headers,
// right-aligned cells); every other response kind is unsupported in this format.
import Table from "cli-table3";
import type { MemberListResponse } from "../proto/gen/etcdserverpb/rpc.js";
import {
  dbStatusRows,
  endpointHashKVRows,
  endpointHealthRows,
  endpointStatusRows,
  memberListRows,
} from "./rows.js";
import type { Rows } from "./rows.js";
import type { DbStatus, EpHashKV, EpHealth, EpStatus, PrintSink } from "./types.js";
import { UnsupportedPrinter } from "./unsupported.js";

const BORDERS = {
  top: "-",
  "top-mid": "+",
  "top-left": "+",
  "top-right": "+",
  bottom: "-",
  "bottom-mid": "+",
  "bottom-left": "+",
  "bottom-right": "+",
  left: "|",
  "left-mid": "+",
  mid: "-",
  "mid-mid": "+",
  right: "|",
  "right-mid": "+",
  middle: "|",
};

/** Renders rows as etcdctl's tablewriter does (no colours, whatever the terminal). */
export function renderTable({ header, rows }: Rows): string {
  const table = new Table({
    head: header.map((h) => h.toUpperCase()),
    chars: BORDERS,
    style: { head: [], border: [], "padding-left": 1, "padding-right": 1, compact: true },
    colAligns: header.map(() => "right" as const),
    wordWrap: false,
  });
  // Headers are centered while cells are right-aligned; the typings only allow plain strings
  // in `head`, but cli-table3 renders cell objects there too.
  (table.options as unknown as { head: Table.Cell[] }).head = header.map((h) => ({
    content: h.toUpperCase(),
    hAlign: "center" as const,
  }));
  for (const row of rows) table.push(row);
  return table.toString() + "\n";
}

export class TablePrinter extends UnsupportedPrinter {
  constructor(private readonly sink: PrintSink) {
    super("table");
  }
  override memberList(r: MemberListResponse): void {
    this.sink.out(renderTable(memberListRows(r)));
  }
  override endpointHealth(hs: EpHealth[]): void {
    this.sink.out(renderTable(endpointHealthRows(hs)));
  }
  override endpointStatus(ss: EpStatus[]): void {
    this.sink.out(renderTable(endpointStatusRows(ss)));
  }
  override endpointHashKV(hs: EpHashKV[]): void {
    this.sink.out(renderTable(endpointHashKVRows(hs)));
  }
  override dbStatus(s: DbStatus): void {
    this.sink.out(renderTable(dbStatusRows(s)));
  }
}
