// Response writers shared by the /v2 handlers, matching Go's net/http and etcd's helpers.
import type { ServerResponse } from "node:http";
import { V2Error } from "../../../v2store/index.js";
import { goJsonString } from "../../../v2store/index.js";

/** Go's http.Error: text/plain body with a trailing newline. */
export function httpError(res: ServerResponse, status: number, text: string): void {
  const body = text + "\n";
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

export function notFound(res: ServerResponse): void {
  httpError(res, 404, "404 page not found");
}

/** 405 with an Allow header unless the method is one of `allowed`; true when allowed. */
export function allowMethod(res: ServerResponse, method: string, allowed: string[]): boolean {
  if (allowed.includes(method)) return true;
  res.setHeader("Allow", allowed.join(","));
  httpError(res, 405, "Method Not Allowed");
  return false;
}

export function sendBody(res: ServerResponse, status: number, body: string): void {
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.writeHead(status);
  res.end(body);
}

/** etcd's httptypes.HTTPError: `{"message":"..."}`, no trailing newline. */
export function sendMessageError(res: ServerResponse, status: number, message: string): void {
  res.setHeader("Content-Type", "application/json");
  sendBody(res, status, `{"message":${goJsonString(message)}}`);
}

/** A v2 error body; error responses carry X-Etcd-Index but no raft headers. */
export function sendV2Error(res: ServerResponse, err: V2Error): void {
  res.setHeader("X-Etcd-Index", String(err.index));
  res.setHeader("Content-Type", "application/json");
  sendBody(res, err.httpStatus, err.toBody());
}

/** Any failure that is not a v2 error: 300 Raft Internal Error with the error text as cause. */
export function sendInternalError(res: ServerResponse, err: unknown): void {
  if (err instanceof V2Error) {
    sendV2Error(res, err);
    return;
  }
  const text = err instanceof Error ? err.message : String(err);
  sendV2Error(res, new V2Error(300, text, 0));
}
