// Environment and command resolution: kube's $(VAR) expansion rules, the
// service link variables, and a container's env through the agent
// (configMapKeyRef, secretKeyRef, optional, fieldRef, resourceFieldRef,
// envFrom with prefix, HOSTNAME, no magic POD_IP, command/args expansion).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expand, mappingFor } from '../../../../src/node/agent/expansion.js';
import { serviceEnv } from '../../../../src/node/agent/env.js';
import { eventually } from '../../../support/controllers.js';
import { cs, startHarness, type Harness } from './harness.js';

describe('$(VAR) expansion', () => {
  const m = mappingFor({ A: 'a', EMPTY: '', B: '$(A)' });
  it.each([
    ['$(A)', 'a'],
    ['x$(A)y$(A)', 'xaya'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$a'],
    ['$(A', '$(A'],
    ['$A', '$A'],
    ['a$', 'a$'],
    ['$(EMPTY)-', '-'],
    ['$(B)', '$(A)'],
    ['$()', '$()'],
  ])('%s → %s', (input, out) => {
    expect(expand(input, m)).toBe(out);
  });
});

describe('service link variables', () => {
  it('follows the docker links format', () => {
    const env = serviceEnv([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-db' }, spec: { clusterIP: '10.0.0.11', ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }, { port: 9187 }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
    ] as never);
    expect(env).toEqual({
      MY_DB_SERVICE_HOST: '10.0.0.11',
      MY_DB_SERVICE_PORT: '5432',
      MY_DB_SERVICE_PORT_SQL: '5432',
      MY_DB_PORT: 'tcp://10.0.0.11:5432',
      MY_DB_PORT_5432_TCP: 'tcp://10.0.0.11:5432',
      MY_DB_PORT_5432_TCP_PROTO: 'tcp',
      MY_DB_PORT_5432_TCP_PORT: '5432',
      MY_DB_PORT_5432_TCP_ADDR: '10.0.0.11',
      MY_DB_PORT_9187_TCP: 'tcp://10.0.0.11:9187',
      MY_DB_PORT_9187_TCP_PROTO: 'tcp',
      MY_DB_PORT_9187_TCP_PORT: '9187',
      MY_DB_PORT_9187_TCP_ADDR: '10.0.0.11',
    });
  });
});

describe('node agent: container environment', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ fakeClock: true });
    const c = h.t.client;
    await c.configMaps.namespace('default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { mode: 'fast', level: '3', '1bad': 'x' } });
    await c.secrets.namespace('default').create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, data: { password: Buffer.from('s3cret').toString('base64'), '1bad': Buffer.from('x').toString('base64') } });
    await c.services.namespace('default').create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 8080 }] } } as never);
    await c.services.namespace('default').create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { ports: [{ name: 'https', port: 443 }] } } as never);
  });
  afterAll(async () => {
    if (h?.errors.length) console.warn(h.errors);
    await h?.close();
  });

  it('resolves env, envFrom and command/args like the kubelet', async () => {
    const svc = await h.t.client.services.namespace('default').get('backend');
    await eventually(async () => (await h.t.client.services.namespace('default').list()).items.length === 2, 'services');
    await new Promise((r) => setTimeout(r, 200)); // the agent's service informer
    await h.runPod(
      'envy',
      {
        serviceAccountName: 'default',
        containers: [
          {
            name: 'app',
            image: 'busybox',
            command: ['/bin/echo', '$(GREETING)', '$$(GREETING)'],
            args: ['--mode=$(MODE)', '$(UNDEFINED)'],
            workingDir: '/work',
            resources: { limits: { memory: '128Mi', cpu: '250m' }, requests: { cpu: '100m' } },
            envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }, { secretRef: { name: 'creds' } }],
            env: [
              { name: 'NAME', value: 'world' },
              { name: 'GREETING', value: 'hello $(NAME) at $(BACKEND_SERVICE_HOST)' },
              { name: 'ESCAPED', value: '$$(NAME)' },
              { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
              { name: 'MISSING_OK', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
              { name: 'MY_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'MY_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'MY_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
              { name: 'MY_TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
              { name: 'MY_NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
              { name: 'MY_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              { name: 'MY_SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
              { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'MY_HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
              { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
              { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
              { name: 'CPU_CORES', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
              { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
            ],
          },
        ],
      },
      { labels: { tier: 'web' }, annotations: { note: 'hi' } },
    );
    const c = await eventually(() => h.runtime.running('envy', 'app'), 'started');
    const pod = await h.get('envy');
    const env = c.config.env;
    expect(env).toMatchObject({
      NAME: 'world',
      GREETING: `hello world at ${svc.spec?.clusterIP}`,
      ESCAPED: '$(NAME)',
      MODE: 'fast',
      PASSWORD: 's3cret',
      CFG_mode: 'fast',
      CFG_level: '3',
      password: 's3cret',
      MY_NAME: 'envy',
      MY_NS: 'default',
      MY_UID: pod.metadata.uid,
      MY_TIER: 'web',
      MY_NOTE: 'hi',
      MY_NODE: 'agent-node',
      MY_SA: 'default',
      MY_IP: c.sandbox.network.ip,
      MY_HOST_IP: '127.0.0.1',
      MEM_MI: '128',
      CPU_M: '250',
      CPU_CORES: '1',
      CPU_REQ: '100',
      HOSTNAME: 'envy',
      BACKEND_SERVICE_HOST: svc.spec?.clusterIP,
      BACKEND_SERVICE_PORT: '8080',
      BACKEND_SERVICE_PORT_HTTP: '8080',
      KUBERNETES_SERVICE_PORT: '443',
    });
    expect(env.KUBERNETES_SERVICE_HOST).toBeTruthy();
    expect(env).not.toHaveProperty('MISSING_OK');
    expect(env).not.toHaveProperty('POD_IP');
    expect(env.CFG_1bad).toBe('x');
    expect(env).not.toHaveProperty('1bad');
    expect(c.config.argv).toEqual(['/bin/echo', `hello world at ${svc.spec?.clusterIP}`, '$(GREETING)', '--mode=fast', '$(UNDEFINED)']);
    expect(c.config.workingDir).toBe('/work');
    expect(c.config.image).toBe('busybox');
  });

  it('leaves out the service links with enableServiceLinks: false (but keeps KUBERNETES_*)', async () => {
    await h.runPod('nolinks', { enableServiceLinks: false, containers: [{ name: 'app', image: 'busybox', args: ['run'] }] });
    const c = await eventually(() => h.runtime.running('nolinks', 'app'), 'started');
    expect(c.config.argv).toEqual(['run']);
    expect(c.config.env).not.toHaveProperty('BACKEND_SERVICE_HOST');
    expect(c.config.env.KUBERNETES_SERVICE_PORT).toBe('443');
  });

  it('waits with CreateContainerConfigError for a missing configMap, then starts once it exists', async () => {
    await h.runPod('needs-cm', { containers: [{ name: 'app', image: 'busybox', command: ['x'], env: [{ name: 'V', valueFrom: { configMapKeyRef: { name: 'late', key: 'v' } } }] }] });
    const pod = await h.until('needs-cm', 'config error', (p) => cs(p, 'app')?.state?.waiting?.reason === 'CreateContainerConfigError');
    expect(cs(pod, 'app')?.state?.waiting?.message).toBe('configmap "late" not found');
    await h.event('needs-cm', 'Failed', 'Error: configmap "late" not found');
    await h.t.client.configMaps.namespace('default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'default' }, data: { other: '1' } });
    await h.advance(10_000);
    await h.until('needs-cm', 'missing key', (p) => cs(p, 'app')?.state?.waiting?.message === "couldn't find key v in ConfigMap default/late");
    await h.t.client.configMaps.namespace('default').patch('late', { data: { v: 'ok' } });
    await h.advance(10_000);
    const c = await eventually(() => h.runtime.running('needs-cm', 'app'), 'started after the key appeared');
    expect(c.config.env.V).toBe('ok');
  });
});
