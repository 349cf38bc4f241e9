// The resolv.conf a pod gets with dnsPolicy ClusterFirst.

export function resolvConf(namespace: string, dnsIP: string, domain = 'cluster.local'): string {
  return `search ${namespace}.svc.${domain} svc.${domain} ${domain}\nnameserver ${dnsIP}\noptions ndots:5\n`;
}
