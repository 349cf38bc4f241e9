// Cluster DNS: the cluster zone over UDP and TCP, and the pods' resolv.conf.

export { startClusterDns, handleQuery, type ClusterDns, type ClusterDnsOptions } from './server.js';
export { resolvConf } from './resolv-conf.js';
export { ClusterZone, dashed, type Answer, type ClusterView, type ZoneOptions } from './records.js';
export * from './wire.js';
