// Entry point for the generated protobuf code (src/proto/gen/, from proto/ via `npm run proto`):
// message types with encode/decode/toJSON/fromJSON, enums, gRPC service definitions and clients.
// Import the package namespaces (`etcdserverpb.RangeRequest`) or the flat names.
export * as etcdserverpb from "./gen/etcdserverpb/rpc.js";
export * as mvccpb from "./gen/mvccpb/kv.js";
export * as authpb from "./gen/authpb/auth.js";
export * as v3lockpb from "./gen/v3lockpb/v3lock.js";
export * as v3electionpb from "./gen/v3electionpb/v3election.js";
export * from "./gen/etcdserverpb/rpc.js";
export * from "./gen/mvccpb/kv.js";
export * from "./gen/authpb/auth.js";
export * from "./gen/v3lockpb/v3lock.js";
export * from "./gen/v3electionpb/v3election.js";
