/**
 * Printers for core/v1 kinds other than Pod: Service, Endpoints, Namespace, Node, ConfigMap,
 * Secret and Event, after kube-apiserver 1.31's printers.go.
 */
import type { ConfigMap, Endpoints, Event, Namespace, Node, Secret, Service } from '../../api/generated/index.js';
import { ageColumn, column, nameColumn } from './columns.js';
import { formatLabels, joinHostPort } from './format.js';
import { translateTimestampSince } from './human-duration.js';
import type { KindPrinter, PrintedRow } from './types.js';

// --- Service ---------------------------------------------------------------------------------

/** Sorted, de-duplicated load-balancer ingress IPs/hostnames (the server prints them unclipped, as for -o wide). */
function loadBalancerStatusString(svc: Service): string {
  const result = new Set<string>();
  for (const ingress of svc.status?.loadBalancer?.ingress ?? []) {
    if (ingress.ip) result.add(ingress.ip);
    else if (ingress.hostname) result.add(ingress.hostname);
  }
  return [...result].sort().join(',');
}

/** EXTERNAL-IP: externalIPs, load-balancer ingress, `<pending>` for a LoadBalancer without one, `<none>`. */
export function serviceExternalIP(svc: Service): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lbIPs = loadBalancerStatusString(svc);
      if (externalIPs.length > 0) return [...(lbIPs ? lbIPs.split(',') : []), ...externalIPs].join(',');
      return lbIPs || '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** PORT(S): `80/TCP`, `80:30080/TCP`, comma-separated. */
export function servicePorts(svc: Service): string {
  return (svc.spec?.ports ?? [])
    .map((p) => {
      const protocol = p.protocol ?? 'TCP';
      return p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
    })
    .join(',');
}

export const servicePrinter: KindPrinter = {
  columns: [
    nameColumn(),
    column(
      'Type',
      'string',
      'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.',
    ),
    column('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column(
      'External-IP',
      'string',
      'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.',
    ),
    column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    column(
      'Selector',
      'string',
      'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify.',
      { priority: 1 },
    ),
  ],
  print(obj: object, now: number): PrintedRow {
    const svc = obj as Service;
    const clusterIP = svc.spec?.clusterIPs?.[0] ?? (svc.spec?.clusterIP || '<none>');
    return {
      cells: [
        svc.metadata?.name ?? '',
        svc.spec?.type ?? 'ClusterIP',
        clusterIP,
        serviceExternalIP(svc),
        servicePorts(svc) || '<none>',
        translateTimestampSince(svc.metadata?.creationTimestamp, now),
        formatLabels(svc.spec?.selector),
      ],
    };
  },
};

// --- Endpoints -------------------------------------------------------------------------------

/** ENDPOINTS: up to 3 `ip:port`, then ` + N more...`; `<none>` without subsets. */
export function formatEndpoints(endpoints: Endpoints): string {
  const subsets = endpoints.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    const ports = subset.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const address of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(address.ip);
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const address of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(address.ip, port.port));
      }
    }
  }
  const text = list.join(',');
  return more ? `${text} + ${count - max} more...` : text;
}

export const endpointsPrinter: KindPrinter = {
  columns: [nameColumn(), column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), ageColumn()],
  print(obj: object, now: number): PrintedRow {
    const ep = obj as Endpoints;
    return { cells: [ep.metadata?.name ?? '', formatEndpoints(ep), translateTimestampSince(ep.metadata?.creationTimestamp, now)] };
  },
};

// --- Namespace -------------------------------------------------------------------------------

export const namespacePrinter: KindPrinter = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  print(obj: object, now: number): PrintedRow {
    const ns = obj as Namespace;
    return { cells: [ns.metadata?.name ?? '', ns.status?.phase ?? '', translateTimestampSince(ns.metadata?.creationTimestamp, now)] };
  },
};

// --- Node ------------------------------------------------------------------------------------

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

/** Roles from `node-role.kubernetes.io/<role>` labels and the `kubernetes.io/role` label, sorted. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith(NODE_ROLE_PREFIX)) {
      const role = key.slice(NODE_ROLE_PREFIX.length);
      if (role.length > 0) roles.add(role);
    } else if (key === NODE_ROLE_LABEL && value !== '') {
      roles.add(value);
    }
  }
  return [...roles].sort();
}

/** STATUS: Ready / NotReady / Unknown, plus `,SchedulingDisabled` for a cordoned node. */
export function nodeStatus(node: Node): string {
  const status: string[] = [];
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').pop();
  if (ready !== undefined) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeAddress(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

export const nodePrinter: KindPrinter = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    column('Version', 'string', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'string', 'List of addresses reachable to the node.', { priority: 1 }),
    column('External-IP', 'string', 'List of addresses reachable to the node.', { priority: 1 }),
    column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { priority: 1 }),
    column('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { priority: 1 }),
    column('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', {
      priority: 1,
    }),
  ],
  print(obj: object, now: number): PrintedRow {
    const node = obj as Node;
    const info = node.status?.nodeInfo;
    const roles = nodeRoles(node).join(',');
    return {
      cells: [
        node.metadata?.name ?? '',
        nodeStatus(node),
        roles || '<none>',
        translateTimestampSince(node.metadata?.creationTimestamp, now),
        info?.kubeletVersion ?? '',
        nodeAddress(node, 'InternalIP'),
        nodeAddress(node, 'ExternalIP'),
        info?.osImage || '<unknown>',
        info?.kernelVersion || '<unknown>',
        info?.containerRuntimeVersion || '<unknown>',
      ],
    };
  },
};

// --- ConfigMap, Secret -----------------------------------------------------------------------

export const configMapPrinter: KindPrinter = {
  columns: [
    nameColumn(),
    column('Data', 'string', 'Data contains the configuration data. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'.'),
    ageColumn(),
  ],
  print(obj: object, now: number): PrintedRow {
    const cm = obj as ConfigMap;
    const count = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
    return { cells: [cm.metadata?.name ?? '', count, translateTimestampSince(cm.metadata?.creationTimestamp, now)] };
  },
};

export const secretPrinter: KindPrinter = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'string', 'Data contains the secret data. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'.'),
    ageColumn(),
  ],
  print(obj: object, now: number): PrintedRow {
    const secret = obj as Secret;
    return {
      cells: [
        secret.metadata?.name ?? '',
        secret.type ?? 'Opaque',
        Object.keys(secret.data ?? {}).length,
        translateTimestampSince(secret.metadata?.creationTimestamp, now),
      ],
    };
  },
};

// --- Event -----------------------------------------------------------------------------------

function eventSource(event: Event): string {
  const component = event.source?.component || event.reportingComponent || '';
  const instance = event.source?.host || event.reportingInstance || '';
  return instance === '' ? component : `${component}, ${instance}`;
}

export const eventPrinter: KindPrinter = {
  columns: [
    column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column('Reason', 'string', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    column('Object', 'string', 'The object that this event is about.'),
    column('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].', {
      priority: 1,
    }),
    column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', { priority: 1 }),
    column('Message', 'string', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', { priority: 1 }),
    column('Count', 'string', 'The number of times this event has occurred.', { priority: 1 }),
    nameColumn(1),
  ],
  print(obj: object, now: number): PrintedRow {
    const event = obj as Event;
    const firstTimestamp = translateTimestampSince(event.firstTimestamp || event.eventTime, now);
    let lastTimestamp = event.lastTimestamp ? translateTimestampSince(event.lastTimestamp, now) : firstTimestamp;
    let count = event.count ?? 0;
    if (event.series) {
      lastTimestamp = translateTimestampSince(event.series.lastObservedTime, now);
      count = event.series.count ?? 0;
    } else if (count === 0) {
      // Singleton events of the events.k8s.io API have no count.
      count = 1;
    }
    const involved = event.involvedObject ?? {};
    const kind = (involved.kind ?? '').toLowerCase();
    const target = involved.name ? `${kind}/${involved.name}` : kind;
    return {
      cells: [
        lastTimestamp,
        event.type ?? '',
        event.reason ?? '',
        target,
        involved.fieldPath ?? '',
        eventSource(event),
        (event.message ?? '').trim(),
        firstTimestamp,
        count,
        event.metadata?.name ?? '',
      ],
    };
  },
};
