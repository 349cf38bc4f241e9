// The /etc/hosts and /etc/resolv.conf a pod gets when its network plugin did
// not make them, as kubelet writes them: a managed hosts file with the pod's
// own name (and FQDN with a subdomain) plus hostAliases, and a resolv.conf
// pointing at the cluster DNS with the namespace search path (ClusterFirst)
// or the host's (Default), merged with spec.dnsConfig.

import fs from 'node:fs';
import path from 'node:path';
import type { Pod } from '../../api/generated/index.js';

/** The pod's hostname: spec.hostname, else its name (at most 63 characters). */
export function podHostname(pod: Pod): string {
  const name = pod.spec?.hostname || pod.metadata?.name || 'pod';
  return name.length > 63 ? name.slice(0, 63).replace(/[-.]+$/, '') : name;
}

export function hostsFileContent(pod: Pod, podIP: string, clusterDomain: string): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const hostname = podHostname(pod);
  const subdomain = pod.spec?.subdomain;
  const ns = pod.metadata?.namespace ?? 'default';
  lines.push(subdomain ? `${podIP}\t${hostname}.${subdomain}.${ns}.svc.${clusterDomain}\t${hostname}` : `${podIP}\t${hostname}`);
  const aliases = pod.spec?.hostAliases ?? [];
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) if (a.ip && a.hostnames?.length) lines.push(`${a.ip}\t${a.hostnames.join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}

function hostResolv(): { nameservers: string[]; searches: string[]; options: string[] } {
  const out = { nameservers: [] as string[], searches: [] as string[], options: [] as string[] };
  try {
    for (const line of fs.readFileSync('/etc/resolv.conf', 'utf8').split('\n')) {
      const [key, ...rest] = line.trim().split(/\s+/);
      if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
      else if (key === 'search' || key === 'domain') out.searches.push(...rest);
      else if (key === 'options') out.options.push(...rest);
    }
  } catch {
    // no resolv.conf on the host
  }
  return out;
}

export function resolvConfContent(pod: Pod, dnsServiceIP: string | undefined, clusterDomain: string): string {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  const ns = pod.metadata?.namespace ?? 'default';
  let nameservers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  const clusterFirst = policy === 'ClusterFirst' || (policy === 'ClusterFirstWithHostNet' && pod.spec?.hostNetwork);
  if (policy !== 'None' && clusterFirst && dnsServiceIP && !(policy === 'ClusterFirst' && pod.spec?.hostNetwork)) {
    nameservers = [dnsServiceIP];
    searches = [`${ns}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain, ...hostResolv().searches];
    options = ['ndots:5'];
  } else if (policy !== 'None') {
    ({ nameservers, searches, options } = hostResolv());
  }
  const cfg = pod.spec?.dnsConfig;
  if (cfg) {
    for (const n of cfg.nameservers ?? []) if (!nameservers.includes(n)) nameservers.push(n);
    for (const s of cfg.searches ?? []) if (!searches.includes(s)) searches.push(s);
    for (const o of cfg.options ?? []) {
      const text = o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? '');
      const name = text.split(':')[0];
      options = options.filter((x) => x.split(':')[0] !== name);
      if (text) options.push(text);
    }
  }
  const lines: string[] = [];
  if (searches.length) lines.push(`search ${searches.slice(0, 32).join(' ')}`);
  for (const n of nameservers.slice(0, 3)) lines.push(`nameserver ${n}`);
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** Write both files into <pod dir>/etc; returns their paths. */
export function writeDnsFiles(dir: string, pod: Pod, podIP: string, dnsServiceIP: string | undefined, clusterDomain: string): { hostsFile: string; resolvConf: string } {
  const etc = path.join(dir, 'etc');
  fs.mkdirSync(etc, { recursive: true });
  const hostsFile = path.join(etc, 'hosts');
  const resolvConf = path.join(etc, 'resolv.conf');
  fs.writeFileSync(hostsFile, hostsFileContent(pod, podIP, clusterDomain), { mode: 0o644 });
  fs.writeFileSync(resolvConf, resolvConfContent(pod, dnsServiceIP, clusterDomain), { mode: 0o644 });
  return { hostsFile, resolvConf };
}
