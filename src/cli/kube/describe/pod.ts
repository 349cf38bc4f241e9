// describe for Pods, and the pod-template parts other describers reuse:
// containers (image, ports, state, ready, restarts, resources, probes,
// environment, mounts), volumes, conditions, QoS, node selectors, tolerations.

import type { Container, ContainerState, ContainerStatus, Event, Pod, PodTemplateSpec, Probe, Toleration, Volume } from '../../../api/generated/index.js';
import { writeEvents } from './events.js';
import { formatTime, PrefixWriter, since, writeAnnotations, writeLabels, writeList } from './writer.js';

export function describePod(pod: Pod, events: Event[], now: number): string {
  const w = new PrefixWriter();
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  const meta = pod.metadata;
  w.line(0, 'Name:', meta.name ?? '');
  w.line(0, 'Namespace:', meta.namespace ?? '');
  if (spec.priority !== undefined) w.line(0, 'Priority:', spec.priority);
  if (spec.priorityClassName) w.line(0, 'Priority Class Name:', spec.priorityClassName);
  if (spec.runtimeClassName) w.line(0, 'Runtime Class Name:', spec.runtimeClassName);
  w.line(0, 'Service Account:', spec.serviceAccountName ?? spec.serviceAccount ?? 'default');
  w.line(0, 'Node:', spec.nodeName ? `${spec.nodeName}${status.hostIP ? `/${status.hostIP}` : ''}` : '<none>');
  if (status.startTime) w.line(0, 'Start Time:', formatTime(status.startTime));
  writeLabels(w, 0, 'Labels', meta.labels);
  writeAnnotations(w, 0, 'Annotations', meta.annotations);
  if (meta.deletionTimestamp) {
    w.line(0, 'Status:', `Terminating (lasts ${since(meta.deletionTimestamp, now)})`);
    w.line(0, 'Termination Grace Period:', `${meta.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30}s`);
  } else {
    w.line(0, 'Status:', status.phase ?? 'Unknown');
  }
  if (status.reason) w.line(0, 'Reason:', status.reason);
  if (status.message) w.line(0, 'Message:', status.message.trim());
  w.line(0, 'IP:', status.podIP ?? '');
  const ips = status.podIPs ?? [];
  if (ips.length === 0) w.line(0, 'IPs:', '<none>');
  else {
    w.line(0, 'IPs:');
    for (const ip of ips) w.line(1, 'IP:', ip.ip);
  }
  const owner = (meta.ownerReferences ?? []).find((o) => o.controller);
  if (owner) w.line(0, 'Controlled By:', `${owner.kind}/${owner.name}`);
  if (status.nominatedNodeName) w.line(0, 'NominatedNodeName:', status.nominatedNodeName);
  if ((spec.initContainers ?? []).length > 0) writeContainers(w, 'Init Containers', spec.initContainers!, status.initContainerStatuses ?? [], false);
  writeContainers(w, 'Containers', spec.containers ?? [], status.containerStatuses ?? [], false);
  if ((spec.readinessGates ?? []).length > 0) {
    w.line(0, 'Readiness Gates:');
    w.line(1, 'Type', 'Status');
    for (const g of spec.readinessGates!) {
      const c = (status.conditions ?? []).find((x) => x.type === g.conditionType);
      w.line(1, `${g.conditionType} `, c?.status ?? '<none>');
    }
  }
  const conditions = status.conditions ?? [];
  if (conditions.length > 0) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type', 'Status');
    for (const c of conditions) w.line(1, `${c.type} `, `${c.status} `);
  }
  writeVolumes(w, 0, spec.volumes ?? []);
  w.line(0, 'QoS Class:', status.qosClass ?? qosClass(pod));
  writeList(w, 0, 'Node-Selectors', Object.keys(spec.nodeSelector ?? {}).sort().map((k) => `${k}=${spec.nodeSelector![k]}`));
  writeList(w, 0, 'Tolerations', (spec.tolerations ?? []).map(formatToleration));
  writeEvents(w, events, now);
  return w.toString();
}

/** The pod template of a workload, as kubectl's DescribePodTemplate prints it. */
export function writePodTemplate(w: PrefixWriter, template: PodTemplateSpec | undefined): void {
  w.line(0, 'Pod Template:');
  if (!template) return w.line(1, '<unset>');
  writeLabels(w, 1, 'Labels', template.metadata?.labels);
  if (Object.keys(template.metadata?.annotations ?? {}).length > 0) writeAnnotations(w, 1, 'Annotations', template.metadata?.annotations);
  const spec = template.spec ?? { containers: [] };
  if (spec.serviceAccountName) w.line(1, 'Service Account:', spec.serviceAccountName);
  if ((spec.initContainers ?? []).length > 0) writeContainers(w, 'Init Containers', spec.initContainers!, [], true);
  writeContainers(w, 'Containers', spec.containers ?? [], [], true);
  writeVolumes(w, 1, spec.volumes ?? []);
  if (spec.priorityClassName) w.line(1, 'Priority Class Name:', spec.priorityClassName);
  writeList(w, 1, 'Node-Selectors', Object.keys(spec.nodeSelector ?? {}).sort().map((k) => `${k}=${spec.nodeSelector![k]}`));
  writeList(w, 1, 'Tolerations', (spec.tolerations ?? []).map(formatToleration));
}

/**
 * Containers: `Containers:` then `  name:` and the fields four spaces in, as kubectl does for
 * pods; a template (`inTemplate`) indents the title by two and the names by three.
 */
export function writeContainers(w: PrefixWriter, title: string, containers: Container[], statuses: ContainerStatus[], inTemplate: boolean): void {
  w.raw(0, `${inTemplate ? '  ' : ''}${title}:`);
  for (const c of containers) {
    const status = statuses.find((s) => s.name === c.name);
    w.raw(0, `${inTemplate ? '   ' : '  '}${c.name}:`);
    if (status) w.line(2, 'Container ID:', status.containerID ?? '');
    w.line(2, 'Image:', c.image ?? '');
    if (status) w.line(2, 'Image ID:', status.imageID ?? '');
    const ports = c.ports ?? [];
    const portText = (p: { containerPort?: number; hostPort?: number; protocol?: string; name?: string }, host: boolean) => `${(host ? p.hostPort : p.containerPort) ?? 0}/${p.protocol ?? 'TCP'}${!host && p.name ? ` (${p.name})` : ''}`;
    if (ports.length === 0) w.line(2, 'Port:', '<none>');
    else w.line(2, ports.length === 1 ? 'Port:' : 'Ports:', ports.map((p) => portText(p, false)).join(', '));
    if (ports.length === 0) w.line(2, 'Host Port:', '<none>');
    else w.line(2, ports.length === 1 ? 'Host Port:' : 'Host Ports:', ports.map((p) => portText(p, true)).join(', '));
    if ((c.command ?? []).length > 0) {
      w.line(2, 'Command:');
      for (const part of c.command!) w.raw(3, part);
    }
    if ((c.args ?? []).length > 0) {
      w.line(2, 'Args:');
      for (const part of c.args!) w.raw(3, part);
    }
    if (status) {
      writeState(w, 'State', status.state);
      if (status.lastState && Object.keys(status.lastState).length > 0) writeState(w, 'Last State', status.lastState);
      w.line(2, 'Ready:', status.ready ? 'True' : 'False');
      w.line(2, 'Restart Count:', status.restartCount ?? 0);
    }
    writeResources(w, 'Limits', c.resources?.limits);
    writeResources(w, 'Requests', c.resources?.requests);
    if (c.livenessProbe) w.line(2, 'Liveness:', describeProbe(c.livenessProbe));
    if (c.readinessProbe) w.line(2, 'Readiness:', describeProbe(c.readinessProbe));
    if (c.startupProbe) w.line(2, 'Startup:', describeProbe(c.startupProbe));
    if ((c.envFrom ?? []).length > 0) {
      w.line(2, 'Environment Variables from:');
      for (const e of c.envFrom!) {
        const [kind, name, optional] = e.configMapRef ? ['ConfigMap', e.configMapRef.name, e.configMapRef.optional] : ['Secret', e.secretRef?.name, e.secretRef?.optional];
        w.line(3, `${name ?? ''}`, `${kind}${e.prefix ? ` with prefix '${e.prefix}'` : ''}`, `Optional: ${optional ? 'true' : 'false'}`);
      }
    }
    const env = c.env ?? [];
    if (env.length === 0) w.line(2, 'Environment:', '<none>');
    else {
      w.line(2, 'Environment:');
      for (const e of env) w.line(3, `${e.name}:`, describeEnvValue(e));
    }
    const mounts = c.volumeMounts ?? [];
    if (mounts.length === 0) w.line(2, 'Mounts:', '<none>');
    else {
      w.line(2, 'Mounts:');
      for (const m of mounts) w.raw(3, `${m.mountPath} from ${m.name} (${m.readOnly ? 'ro' : 'rw'}${m.subPath ? `,path="${m.subPath}"` : ''})`);
    }
  }
}

function describeEnvValue(e: NonNullable<Container['env']>[number]): string {
  const from = e.valueFrom;
  if (!from) return (e.value ?? '').replace(/\n/g, ' ');
  if (from.fieldRef) return ` (${from.fieldRef.apiVersion ?? 'v1'}:${from.fieldRef.fieldPath})`;
  if (from.resourceFieldRef) return ` (${from.resourceFieldRef.resource})`;
  if (from.secretKeyRef) return `<set to the key '${from.secretKeyRef.key}' in secret '${from.secretKeyRef.name ?? ''}'>${from.secretKeyRef.optional ? '  Optional: true' : '  Optional: false'}`;
  if (from.configMapKeyRef) return `<set to the key '${from.configMapKeyRef.key}' of config map '${from.configMapKeyRef.name ?? ''}'>${from.configMapKeyRef.optional ? '  Optional: true' : '  Optional: false'}`;
  return '';
}

function writeResources(w: PrefixWriter, title: string, list: Record<string, string | number> | undefined): void {
  const keys = Object.keys(list ?? {}).sort();
  if (keys.length === 0) return;
  w.line(2, `${title}:`);
  for (const k of keys) w.line(3, `${k}:`, String(list![k]));
}

function writeState(w: PrefixWriter, title: string, state: ContainerState | undefined): void {
  if (state?.running) {
    w.line(2, `${title}:`, 'Running');
    w.line(3, 'Started:', formatTime(state.running.startedAt));
  } else if (state?.waiting) {
    w.line(2, `${title}:`, 'Waiting');
    if (state.waiting.reason) w.line(3, 'Reason:', state.waiting.reason);
    if (state.waiting.message) w.line(3, 'Message:', state.waiting.message);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.line(2, `${title}:`, 'Terminated');
    if (t.reason) w.line(3, 'Reason:', t.reason);
    if (t.message) w.line(3, 'Message:', t.message.trim().replace(/\s*\n\s*/g, ' '));
    w.line(3, 'Exit Code:', t.exitCode);
    if (t.signal) w.line(3, 'Signal:', t.signal);
    w.line(3, 'Started:', formatTime(t.startedAt));
    w.line(3, 'Finished:', formatTime(t.finishedAt));
  } else {
    w.line(2, `${title}:`, 'Waiting');
  }
}

/** kubectl's probe line: "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3". */
export function describeProbe(p: Probe): string {
  const attrs = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  if (p.exec) return `exec [${(p.exec.command ?? []).join(' ')}] ${attrs}`;
  if (p.httpGet) {
    const scheme = (p.httpGet.scheme ?? 'HTTP').toLowerCase();
    const host = p.httpGet.host ?? '';
    const port = p.httpGet.port === undefined ? '' : String(p.httpGet.port);
    return `http-get ${scheme}://${host}${port ? `:${port}` : ''}${p.httpGet.path ?? ''} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ''}:${p.tcpSocket.port} ${attrs}`;
  if (p.grpc) return `grpc <pod>:${p.grpc.port} ${p.grpc.service ?? ''} ${attrs}`;
  return `unknown ${attrs}`;
}

export function writeVolumes(w: PrefixWriter, level: number, volumes: Volume[]): void {
  if (volumes.length === 0) return w.line(level, 'Volumes:', '<none>');
  w.line(level, 'Volumes:');
  for (const v of volumes) {
    w.line(level + 1, `${v.name}:`);
    const at = level + 2;
    if (v.emptyDir) {
      w.line(at, 'Type:', "EmptyDir (a temporary directory that shares a pod's lifetime)");
      w.line(at, 'Medium:', v.emptyDir.medium ?? '');
      w.line(at, 'SizeLimit:', v.emptyDir.sizeLimit === undefined ? '<unset>' : String(v.emptyDir.sizeLimit));
    } else if (v.hostPath) {
      w.line(at, 'Type:', 'HostPath (bare host directory volume)');
      w.line(at, 'Path:', v.hostPath.path);
      w.line(at, 'HostPathType:', v.hostPath.type ?? '');
    } else if (v.configMap) {
      w.line(at, 'Type:', 'ConfigMap (a volume populated by a ConfigMap)');
      w.line(at, 'Name:', v.configMap.name ?? '');
      w.line(at, 'Optional:', v.configMap.optional ? 'true' : 'false');
    } else if (v.secret) {
      w.line(at, 'Type:', 'Secret (a volume populated by a Secret)');
      w.line(at, 'SecretName:', v.secret.secretName ?? '');
      w.line(at, 'Optional:', v.secret.optional ? 'true' : 'false');
    } else if (v.persistentVolumeClaim) {
      w.line(at, 'Type:', 'PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)');
      w.line(at, 'ClaimName:', v.persistentVolumeClaim.claimName);
      w.line(at, 'ReadOnly:', v.persistentVolumeClaim.readOnly ? 'true' : 'false');
    } else if (v.projected) {
      w.line(at, 'Type:', 'Projected (a volume that contains injected data from multiple sources)');
      for (const s of v.projected.sources ?? []) {
        if (s.serviceAccountToken) w.line(at, 'TokenExpirationSeconds:', s.serviceAccountToken.expirationSeconds ?? 3607);
        if (s.configMap) w.line(at, 'ConfigMapName:', s.configMap.name ?? '');
        if (s.secret) w.line(at, 'SecretName:', s.secret.name ?? '');
        if (s.downwardAPI) w.line(at, 'DownwardAPI:', 'true');
      }
    } else if (v.downwardAPI) {
      w.line(at, 'Type:', 'DownwardAPI (a volume populated by information about the pod)');
      w.line(at, 'Items:');
      for (const item of v.downwardAPI.items ?? []) w.raw(at + 1, `${item.fieldRef?.fieldPath ?? item.resourceFieldRef?.resource ?? ''} -> ${item.path}`);
    } else {
      w.line(at, 'Type:', '<unknown>');
    }
  }
}

/** "key=value:Effect op=Exists for 300s", as kubectl prints a toleration. */
export function formatToleration(t: Toleration): string {
  let s = t.key ?? '';
  if (t.value) s += `=${t.value}`;
  if (t.effect) s += `:${t.effect}`;
  if (t.operator === 'Exists' && !t.value) s += s ? ' op=Exists' : 'op=Exists';
  if (t.tolerationSeconds !== undefined) s += ` for ${t.tolerationSeconds}s`;
  return s;
}

/** The pod's QoS class when the server did not set one: BestEffort, Guaranteed or Burstable. */
export function qosClass(pod: Pod): 'BestEffort' | 'Guaranteed' | 'Burstable' {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const has = (c: Container, k: 'limits' | 'requests') => Object.keys(c.resources?.[k] ?? {}).some((r) => r === 'cpu' || r === 'memory');
  if (containers.every((c) => !has(c, 'limits') && !has(c, 'requests'))) return 'BestEffort';
  const guaranteed = containers.every((c) =>
    ['cpu', 'memory'].every((r) => {
      const limit = c.resources?.limits?.[r];
      const request = c.resources?.requests?.[r] ?? limit;
      return limit !== undefined && String(limit) === String(request);
    }),
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
