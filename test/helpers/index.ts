// Shared test helpers: free ports, a real etcd 3.4 process, and CLI runners.
export { freePort, freePorts } from "./ports.js";
export {
  startRealEtcd,
  startRealEtcdCluster,
  startTsctlServer,
  startCompatServer,
  hasRealEtcd,
  skipWithoutEtcd,
  ETCD_BIN,
  ETCDCTL_BIN,
} from "./etcd.js";
export type { RealEtcd, RealEtcdCluster, StartRealEtcdOptions } from "./etcd.js";
export { runCli, REPO_ROOT } from "./cli.js";
export { startTcpProxy } from "./proxy.js";
export { makeTestCerts, hasOpenssl } from "./tls.js";
export type { TestCerts } from "./tls.js";
export type { TcpProxy } from "./proxy.js";
export type { CliResult, RunCliOptions } from "./cli.js";
