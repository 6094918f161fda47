// The MVCC layer's errors: re-exported from the server-wide catalogue (src/errors.ts) so
// storage code and the API share one definition of each code and text.
export { EtcdError, GrpcCode, Errors, etcdError, isEtcdError } from "../errors.js";
