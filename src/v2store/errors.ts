// The v2 API's error type: etcd's numeric error codes, their fixed messages and HTTP statuses,
// and the `{"errorCode","message","cause","index"}` JSON body they are sent as.
import { goJsonString } from "./json.js";

export const V2Code = {
  KeyNotFound: 100,
  TestFailed: 101,
  NotFile: 102,
  NoMorePeer: 103,
  NotDir: 104,
  NodeExist: 105,
  KeyIsPreserved: 106,
  RootReadOnly: 107,
  DirNotEmpty: 108,
  ExistingPeerAddr: 109,
  Unauthorized: 110,
  ValueRequired: 200,
  PrevValueRequired: 201,
  TTLNaN: 202,
  IndexNaN: 203,
  ValueOrTTLRequired: 204,
  TimeoutNaN: 205,
  NameRequired: 206,
  IndexOrValueRequired: 207,
  IndexValueMutex: 208,
  InvalidField: 209,
  InvalidForm: 210,
  RefreshValue: 211,
  RefreshTTLRequired: 212,
  RaftInternal: 300,
  LeaderElect: 301,
  WatcherCleared: 400,
  EventIndexCleared: 401,
  StandbyInternal: 402,
  InvalidActiveSize: 403,
  InvalidRemoveDelay: 404,
  ClientInternal: 500,
} as const;

export type V2ErrorCode = (typeof V2Code)[keyof typeof V2Code];

const MESSAGES: Record<V2ErrorCode, string> = {
  100: "Key not found",
  101: "Compare failed",
  102: "Not a file",
  103: "Reached the max number of peers in the cluster",
  104: "Not a directory",
  105: "Key already exists",
  106: "The prefix of given key is a keyword in etcd",
  107: "Root is read only",
  108: "Directory not empty",
  109: "Peer address has existed",
  110: "The request requires user authentication",
  200: "Value is Required in POST form",
  201: "PrevValue is Required in POST form",
  202: "The given TTL in POST form is not a number",
  203: "The given index in POST form is not a number",
  204: "Value or TTL is required in POST form",
  205: "The given timeout in POST form is not a number",
  206: "Name is required in POST form",
  207: "Index or value is required",
  208: "Index and value cannot both be specified",
  209: "Invalid field",
  210: "Invalid POST form",
  211: "Value provided on refresh",
  212: "A TTL must be provided on refresh",
  300: "Raft Internal Error",
  301: "During Leader Election",
  400: "watcher is cleared due to etcd recovery",
  401: "The event in requested index is outdated and cleared",
  402: "Standby Internal Error",
  403: "Invalid active size",
  404: "Standby remove delay",
  500: "Client Internal Error",
};

// Every code not listed answers 400 Bad Request.
const HTTP_STATUS: Partial<Record<V2ErrorCode, number>> = {
  100: 404,
  102: 403,
  108: 403,
  110: 401,
  101: 412,
  105: 412,
  300: 500,
  301: 500,
};

export class V2Error extends Error {
  override name = "V2Error";
  readonly errorCode: V2ErrorCode;
  /** The fixed text of the code. */
  readonly errorMessage: string;
  override cause: string;
  /** The store index when the error happened (0 for request validation errors). */
  index: number;

  constructor(errorCode: V2ErrorCode, cause = "", index = 0) {
    const errorMessage = MESSAGES[errorCode];
    super(`${errorMessage} (${cause})`);
    this.errorCode = errorCode;
    this.errorMessage = errorMessage;
    this.cause = cause;
    this.index = index;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.errorCode] ?? 400;
  }

  /** The JSON body etcd sends, with its trailing newline. */
  toBody(): string {
    const cause = this.cause === "" ? "" : `,"cause":${goJsonString(this.cause)}`;
    return (
      `{"errorCode":${this.errorCode},"message":${goJsonString(this.errorMessage)}` +
      `${cause},"index":${this.index}}\n`
    );
  }

  toJSON(): { errorCode: number; message: string; cause?: string; index: number } {
    return {
      errorCode: this.errorCode,
      message: this.errorMessage,
      ...(this.cause === "" ? {} : { cause: this.cause }),
      index: this.index,
    };
  }

  static fromJSON(o: { errorCode: number; cause?: string; index: number }): V2Error {
    if (!(o.errorCode in MESSAGES)) throw new Error(`unknown v2 error code ${o.errorCode}`);
    return new V2Error(o.errorCode as V2ErrorCode, o.cause ?? "", o.index);
  }
}
