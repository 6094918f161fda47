// Go `path` package semantics for v2 keys: Clean, Join("/", p) and Split, so keys normalise
// exactly as etcd's ("/a//b/../c/" -> "/a/c").

// An absolute path with no empty, "." or ".." element and no trailing slash is already clean.
const ALREADY_CLEAN = /^(?:\/(?!\.\.?(?:\/|$))[^/]+)+$/;

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === "/" || ALREADY_CLEAN.test(p)) return p;
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const body = out.join("/");
  if (rooted) return "/" + body;
  return body === "" ? "." : body;
}

/** Go's path.Clean(path.Join("/", p)): every key becomes absolute and clean. */
export function cleanKey(p: string): string {
  return cleanPath("/" + p);
}

/** Go's path.Join for two elements. */
export function joinPath(a: string, b: string): string {
  if (a === "") return b === "" ? "" : cleanPath(b);
  if (b === "") return cleanPath(a);
  return cleanPath(a + "/" + b);
}

/** Go's path.Split: [dir with trailing slash, last element]. */
export function splitPath(p: string): [string, string] {
  const i = p.lastIndexOf("/");
  return [p.slice(0, i + 1), p.slice(i + 1)];
}
