// Version strings tsctl reports. We speak etcd 3.4's API, so clients see 3.4 numbers.
export const ETCD_VERSION = "3.4.23";
export const API_VERSION = "3.4";
export const CLUSTER_VERSION = "3.4.0";
export const TSCTL_VERSION = "0.1.0";
