// Go's texts for failed file operations (*os.PathError: `open <path>: no such file or
// directory`), which etcd's tools print and scripts match on.

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
  EEXIST: "file exists",
  ENOSPC: "no space left on device",
  EINVAL: "invalid argument",
};

/** `<op> <path>: <errno text>`; the Node message when the errno has no Go text here. */
export function goPathError(op: string, path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  return `${op} ${path}: ${ERRNO_TEXT[code] ?? (err as Error).message}`;
}

/** Go's `%v` of a byte slice: `[1 2 255]`. */
export function goByteSlice(bytes: Uint8Array): string {
  return `[${Array.from(bytes).join(" ")}]`;
}
