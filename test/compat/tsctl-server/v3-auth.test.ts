// The v3-auth compat rows (etcdctl vs tsctl, identical output) run against `tsctl server`
// instead of the real etcd 3.4: the same commands must behave the same on both servers.
process.env.TSCTL_COMPAT_SERVER = "tsctl";
await import("../v3-auth.test.js");
