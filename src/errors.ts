// The catalogue of etcd 3.4 server errors: each carries its gRPC status code and the exact
// text clients match on (COMPAT.md §2.4). Every layer throws these; the API maps them 1:1.

/** gRPC status codes used by etcd errors. */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/** An error with etcd's gRPC code and exact message text. */
export class EtcdError extends Error {
  readonly code: GrpcCode;
  constructor(code: GrpcCode, message: string) {
    super(message);
    this.name = "EtcdError";
    this.code = code;
  }
}

/** A code + text pair; `ErrorSpec.create()` makes a fresh throwable error. */
export interface ErrorSpec {
  readonly code: GrpcCode;
  readonly message: string;
}

function spec(code: GrpcCode, text: string): ErrorSpec {
  return Object.freeze({ code, message: `etcdserver: ${text}` });
}

const C = GrpcCode;

/** Every etcd 3.4 gRPC error, by the name etcd gives it (without the ErrGRPC prefix). */
export const Errors = {
  EmptyKey: spec(C.INVALID_ARGUMENT, "key is not provided"),
  KeyNotFound: spec(C.INVALID_ARGUMENT, "key not found"),
  ValueProvided: spec(C.INVALID_ARGUMENT, "value is provided"),
  LeaseProvided: spec(C.INVALID_ARGUMENT, "lease is provided"),
  TooManyOps: spec(C.INVALID_ARGUMENT, "too many operations in txn request"),
  DuplicateKey: spec(C.INVALID_ARGUMENT, "duplicate key given in txn request"),
  Compacted: spec(C.OUT_OF_RANGE, "mvcc: required revision has been compacted"),
  FutureRev: spec(C.OUT_OF_RANGE, "mvcc: required revision is a future revision"),
  NoSpace: spec(C.RESOURCE_EXHAUSTED, "mvcc: database space exceeded"),

  LeaseNotFound: spec(C.NOT_FOUND, "requested lease not found"),
  LeaseExist: spec(C.FAILED_PRECONDITION, "lease already exists"),
  LeaseTTLTooLarge: spec(C.OUT_OF_RANGE, "too large lease TTL"),

  WatchCanceled: spec(C.CANCELLED, "watch canceled"),

  MemberExist: spec(C.FAILED_PRECONDITION, "member ID already exist"),
  PeerURLExist: spec(C.FAILED_PRECONDITION, "Peer URLs already exists"),
  MemberNotEnoughStarted: spec(
    C.FAILED_PRECONDITION,
    "re-configuration failed due to not enough started members",
  ),
  MemberBadURLs: spec(C.INVALID_ARGUMENT, "given member URLs are invalid"),
  MemberNotFound: spec(C.NOT_FOUND, "member not found"),
  MemberNotLearner: spec(C.FAILED_PRECONDITION, "can only promote a learner member"),
  LearnerNotReady: spec(
    C.FAILED_PRECONDITION,
    "can only promote a learner member which is in sync with leader",
  ),
  TooManyLearners: spec(C.FAILED_PRECONDITION, "too many learner members in cluster"),

  RequestTooLarge: spec(C.INVALID_ARGUMENT, "request is too large"),
  TooManyRequests: spec(C.RESOURCE_EXHAUSTED, "too many requests"),

  RootUserNotExist: spec(C.FAILED_PRECONDITION, "root user does not exist"),
  RootRoleNotExist: spec(C.FAILED_PRECONDITION, "root user does not have root role"),
  UserAlreadyExist: spec(C.FAILED_PRECONDITION, "user name already exists"),
  UserEmpty: spec(C.INVALID_ARGUMENT, "user name is empty"),
  UserNotFound: spec(C.FAILED_PRECONDITION, "user name not found"),
  RoleAlreadyExist: spec(C.FAILED_PRECONDITION, "role name already exists"),
  RoleNotFound: spec(C.FAILED_PRECONDITION, "role name not found"),
  RoleEmpty: spec(C.INVALID_ARGUMENT, "role name is empty"),
  AuthFailed: spec(C.INVALID_ARGUMENT, "authentication failed, invalid user ID or password"),
  PermissionDenied: spec(C.PERMISSION_DENIED, "permission denied"),
  RoleNotGranted: spec(C.FAILED_PRECONDITION, "role is not granted to the user"),
  PermissionNotGranted: spec(C.FAILED_PRECONDITION, "permission is not granted to the role"),
  AuthNotEnabled: spec(C.FAILED_PRECONDITION, "authentication is not enabled"),
  InvalidAuthToken: spec(C.UNAUTHENTICATED, "invalid auth token"),
  InvalidAuthMgmt: spec(C.INVALID_ARGUMENT, "invalid auth management"),
  AuthOldRevision: spec(C.INVALID_ARGUMENT, "revision of auth store is old"),

  NoLeader: spec(C.UNAVAILABLE, "no leader"),
  NotLeader: spec(C.FAILED_PRECONDITION, "not leader"),
  LeaderChanged: spec(C.UNAVAILABLE, "leader changed"),
  NotCapable: spec(C.UNAVAILABLE, "not capable"),
  Stopped: spec(C.UNAVAILABLE, "server stopped"),
  Timeout: spec(C.UNAVAILABLE, "request timed out"),
  TimeoutDueToLeaderFail: spec(
    C.UNAVAILABLE,
    "request timed out, possibly due to previous leader failure",
  ),
  TimeoutDueToConnectionLost: spec(
    C.UNAVAILABLE,
    "request timed out, possibly due to connection lost",
  ),
  TimeoutWaitAppliedIndex: spec(
    C.UNAVAILABLE,
    "request timed out, waiting for the applied index took too long",
  ),
  Unhealthy: spec(C.UNAVAILABLE, "unhealthy cluster"),
  Corrupt: spec(C.DATA_LOSS, "corrupt cluster"),
  NotSupportedForLearner: spec(C.UNAVAILABLE, "rpc not supported for learner"),
  BadLeaderTransferee: spec(C.FAILED_PRECONDITION, "bad leader transferee"),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof Errors;

/** A fresh EtcdError for a catalogue entry: `throw etcdError("Compacted")`. */
export function etcdError(name: ErrorName): EtcdError {
  const s = Errors[name];
  return new EtcdError(s.code, s.message);
}

/** True when `err` is an EtcdError for the given catalogue entry. */
export function isEtcdError(err: unknown, name?: ErrorName): err is EtcdError {
  if (!(err instanceof EtcdError)) return false;
  return name === undefined || err.message === Errors[name].message;
}

/** Maps an exact etcd error text back to its catalogue entry (clients do this on receipt). */
export function errorFromText(text: string): EtcdError {
  for (const s of Object.values(Errors) as ErrorSpec[]) {
    if (s.message === text) return new EtcdError(s.code, s.message);
  }
  return new EtcdError(GrpcCode.UNKNOWN, text);
}
