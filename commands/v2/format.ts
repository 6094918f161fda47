// How etcdctl v2 prints a keys response: `simple` (the value, or the previous value of a
// delete), `extended` (header lines then the value) and `json` (the Go client's Response
// marshalled by encoding/json: fixed field order, `nodes` null when empty, HTML-escaped strings).

export interface KeyNode {
  key?: string;
  value?: string;
  dir?: boolean;
  expiration?: string;
  ttl?: number;
  nodes?: KeyNode[] | null;
  modifiedIndex?: number;
  createdIndex?: number;
}

export interface KeysResponse {
  action: string;
  node: KeyNode;
  prevNode?: KeyNode | null;
  /** X-Etcd-Index. */
  index: number;
}

export type OutputFormat = string;

/** encoding/json's string form: HTML-sensitive characters and U+2028/9 escaped. */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => {
    return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
  });
}

function nodeJson(n: KeyNode | null | undefined): string {
  if (n === null || n === undefined) return "null";
  let s = `{"key":${goJsonString(n.key ?? "")}`;
  if (n.dir) s += `,"dir":true`;
  s += `,"value":${goJsonString(n.value ?? "")}`;
  s += `,"nodes":${n.nodes && n.nodes.length > 0 ? `[${n.nodes.map(nodeJson).join(",")}]` : "null"}`;
  s += `,"createdIndex":${n.createdIndex ?? 0},"modifiedIndex":${n.modifiedIndex ?? 0}`;
  if (n.expiration !== undefined) s += `,"expiration":${goJsonString(n.expiration)}`;
  if (n.ttl) s += `,"ttl":${n.ttl}`;
  return s + "}";
}

export function responseJson(r: KeysResponse): string {
  return `{"action":${goJsonString(r.action)},"node":${nodeJson(r.node)},"prevNode":${nodeJson(r.prevNode)}}`;
}

/** etcdctl's printResponseKey. */
export function formatResponse(
  r: KeysResponse,
  format: OutputFormat,
): { out: string; err: string } {
  switch (format) {
    case "simple":
      return {
        out:
          r.action !== "delete"
            ? `${r.node.value ?? ""}\n`
            : `PrevNode.Value: ${r.prevNode?.value ?? ""}\n`,
        err: "",
      };
    case "extended": {
      let s = `Key: ${r.node.key ?? ""}\nCreated-Index: ${r.node.createdIndex ?? 0}\n`;
      s += `Modified-Index: ${r.node.modifiedIndex ?? 0}\n`;
      if (r.prevNode) s += `PrevNode.Value: ${r.prevNode.value ?? ""}\n`;
      s += `TTL: ${r.node.ttl ?? 0}\nIndex: ${r.index}\n`;
      if (r.action !== "delete") s += `\n${r.node.value ?? ""}\n`;
      return { out: s, err: "" };
    }
    case "json":
      return { out: responseJson(r) + "\n", err: "" };
    default:
      return { out: "", err: `Unsupported output format: ${format}\n` };
  }
}

export function printResponse(r: KeysResponse, format: OutputFormat): void {
  const { out, err } = formatResponse(r, format);
  if (out) process.stdout.write(out);
  if (err) process.stderr.write(err);
}

/** `ls` in simple mode: one key per line, depth first, `-p` marks directories. */
export function formatLs(r: KeysResponse, slashDirs: boolean): string {
  const lines: string[] = [];
  if (!r.node.dir) lines.push(r.node.key ?? "");
  const walk = (n: KeyNode): void => {
    lines.push(n.dir && slashDirs ? `${n.key ?? ""}/` : (n.key ?? ""));
    for (const c of n.nodes ?? []) walk(c);
  };
  for (const c of r.node.nodes ?? []) walk(c);
  return lines.map((l) => l + "\n").join("");
}
