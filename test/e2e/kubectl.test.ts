// The real kubectl against the whole control plane (in this process, HTTPS
// with the admin token, port 0, temp data dir). One table of commands runs,
// in order, with each kubectl we support:
//
//   * the image's `kubectl`: google-cloud-cli's dispatcher, which asks the
//     server's /version (v1.31.4) and runs the matching real binary (1.31.x,
//     which sends JSON bodies; ≥ 1.32 would send protobuf);
//   * Debian's kubectl 1.20.2, extracted by scripts/test.mjs into .cache.
//
// Each kubectl gets its own cluster. A missing kubectl skips its half with the
// reason printed, except under CI=true, where that half fails.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import {
  check,
  describeRun,
  imageKubectl,
  json,
  Kubectl,
  kubectl120,
  makeWorkDir,
  removeWorkDir,
  until,
  type KubectlBinary,
  type RunResult,
} from './support/kubectl.js';

const NS = 'e2e-x';
const WATCH_NS = 'e2e-w';

// ---------------------------------------------------------------------------
// Manifests

function appManifest(image: string, replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
  labels:
    app: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: nginx
          image: ${image}
          ports:
            - name: http
              containerPort: 80
        - name: sidecar
          image: busybox:1.36
          args: ["sleep", "3600"]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${NS}
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: http
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: ${NS}
data:
  greeting: hello
`;
}

const POD_MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: p2
  namespace: default
  labels:
    app: p2
spec:
  containers:
    - name: main
      image: busybox:1.36
      command: ["sleep", "3600"]
`;

function writeManifests(dir: string): void {
  writeFileSync(join(dir, 'app-v1.yaml'), appManifest('nginx:1.25', 1));
  writeFileSync(join(dir, 'app-v2.yaml'), appManifest('nginx:1.26', 2));
  writeFileSync(join(dir, 'app-v3.yaml'), appManifest('nginx:1.27', 2));
  writeFileSync(join(dir, 'pod.yaml'), POD_MANIFEST);
}

// ---------------------------------------------------------------------------
// The table

interface Ctx {
  k: Kubectl;
  cluster: TestCluster;
  dir: string;
  /** What `kubectl version` must report for the client. */
  clientVersion: RegExp;
}

interface Step {
  title: string;
  run(ctx: Ctx): Promise<void>;
}

const file = (ctx: Ctx, name: string) => join(ctx.dir, name);

async function getJson(ctx: Ctx, args: string[]): Promise<any> {
  return json(await ctx.k.run([...args, '-o', 'json']));
}

const STEPS: Step[] = [
  {
    title: 'version: the server is v1.31.4',
    async run(ctx) {
      check(await ctx.k.run(['version']), {
        code: 0,
        stdout: [/Server Version: .*v1\.31\.4\b/, ctx.clientVersion],
      });
    },
  },
  {
    title: 'api-resources: pods po, deployments deploy, services svc',
    async run(ctx) {
      check(await ctx.k.run(['api-resources']), {
        code: 0,
        stdout: [
          /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m,
          /^pods\s+po\s+v1\s+true\s+Pod$/m,
          /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m,
          /^services\s+svc\s+v1\s+true\s+Service$/m,
        ],
      });
    },
  },
  {
    title: 'create namespace, then again: AlreadyExists',
    async run(ctx) {
      check(await ctx.k.run(['create', 'namespace', NS]), { code: 0, stdout: [`namespace/${NS} created`] });
      check(await ctx.k.run(['create', 'namespace', NS]), {
        code: 1,
        stderr: [`Error from server (AlreadyExists): namespaces "${NS}" already exists`],
      });
    },
  },
  {
    title: 'apply -f creates a Deployment, a Service and a ConfigMap',
    async run(ctx) {
      check(await ctx.k.run(['apply', '-f', file(ctx, 'app-v1.yaml')]), {
        code: 0,
        stdout: [/^deployment\.apps\/web created$/m, /^service\/web created$/m, /^configmap\/web-config created$/m],
      });
      const d = await getJson(ctx, ['-n', NS, 'get', 'deployment', 'web']);
      expect(d.spec.replicas).toBe(1);
      expect(d.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain('"nginx:1.25"');
    },
  },
  {
    title: 're-apply with a new image and replicas: configured / unchanged, ports survive the strategic merge',
    async run(ctx) {
      const before = await getJson(ctx, ['-n', NS, 'get', 'deployment', 'web']);
      const svcBefore = await getJson(ctx, ['-n', NS, 'get', 'service', 'web']);
      check(await ctx.k.run(['apply', '-f', file(ctx, 'app-v2.yaml')]), {
        code: 0,
        stdout: [/^deployment\.apps\/web configured$/m, /^service\/web unchanged$/m, /^configmap\/web-config unchanged$/m],
      });
      const d = await getJson(ctx, ['-n', NS, 'get', 'deployment', 'web']);
      expect(d.spec.replicas).toBe(2);
      expect(d.metadata.generation).toBeGreaterThan(before.metadata.generation);
      const containers = d.spec.template.spec.containers;
      expect(containers.map((c: any) => c.name)).toEqual(['nginx', 'sidecar']);
      expect(containers[0].image).toBe('nginx:1.26');
      // A plain JSON merge of kubectl's patch would have replaced the list and lost these.
      expect(containers[0].ports).toEqual([expect.objectContaining({ name: 'http', containerPort: 80 })]);
      expect(containers[1]).toMatchObject({ image: 'busybox:1.36', args: ['sleep', '3600'] });
      // "unchanged" means no write at all.
      const svc = await getJson(ctx, ['-n', NS, 'get', 'service', 'web']);
      expect(svc.metadata.resourceVersion).toBe(svcBefore.metadata.resourceVersion);
    },
  },
  {
    title: 'diff -f: exit 1 with the change, exit 0 when equal, nothing persisted',
    async run(ctx) {
      const r = check(await ctx.k.run(['diff', '-f', file(ctx, 'app-v3.yaml')]), {
        code: 1,
        stdout: [/^-\s+- image: nginx:1\.26$/m, /^\+\s+- image: nginx:1\.27$/m, /apps\.v1\.Deployment\.e2e-x\.web/],
        notStdout: [/v1\.Service\./, /v1\.ConfigMap\./],
      });
      expect(r.stderr, describeRun(r)).not.toMatch(/error/i);
      // diff is a dry run: the live object did not change.
      const d = await getJson(ctx, ['-n', NS, 'get', 'deployment', 'web']);
      expect(d.spec.template.spec.containers[0].image).toBe('nginx:1.26');
      check(await ctx.k.run(['diff', '-f', file(ctx, 'app-v2.yaml')]), { code: 0, notStdout: [/\S/] });
    },
  },
  {
    title: 'scale deploy web --replicas=3',
    async run(ctx) {
      check(await ctx.k.run(['-n', NS, 'scale', 'deploy', 'web', '--replicas=3']), {
        code: 0,
        stdout: [/^deployment\.apps\/web scaled$/m],
      });
      const d = await getJson(ctx, ['-n', NS, 'get', 'deploy', 'web']);
      expect(d.spec.replicas).toBe(3);
      expect(d.spec.template.spec.containers[0].image).toBe('nginx:1.26');
    },
  },
  {
    title: 'run and create -f make Pending pods',
    async run(ctx) {
      check(await ctx.k.run(['-n', NS, 'run', 'p1', '--image=busybox:1.36', '--labels=app=p1', '--', 'sleep', '3600']), {
        code: 0,
        stdout: [/^pod\/p1 created$/m],
      });
      check(await ctx.k.run(['create', '-f', file(ctx, 'pod.yaml')]), { code: 0, stdout: [/^pod\/p2 created$/m] });
      const p1 = await getJson(ctx, ['-n', NS, 'get', 'pod', 'p1']);
      expect(p1.spec.containers[0]).toMatchObject({ name: 'p1', image: 'busybox:1.36', args: ['sleep', '3600'] });
      expect(p1.status.phase).toBe('Pending');
    },
  },
  {
    title: 'get pods -A -o wide: namespace column and wide columns',
    async run(ctx) {
      check(await ctx.k.run(['get', 'pods', '-A', '-o', 'wide']), {
        code: 0,
        stdout: [
          /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\b/m,
          new RegExp(`^${NS}\\s+p1\\s+0/1\\s+Pending\\s+0\\s+\\S+\\s+<none>\\s+<none>`, 'm'),
          /^default\s+p2\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>/m,
        ],
      });
      // Without -A: no namespace column, only the namespace's pods.
      check(await ctx.k.run(['-n', NS, 'get', 'pods']), {
        code: 0,
        stdout: [/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m, /^p1\s+0\/1\s+Pending\s+0\s+\S+$/m],
        notStdout: [/\bp2\b/, /NAMESPACE/],
      });
    },
  },
  {
    title: 'get all lists the deployment, the service and the pod',
    async run(ctx) {
      check(await ctx.k.run(['-n', NS, 'get', 'all']), {
        code: 0,
        stdout: [/^pod\/p1\s+0\/1\s+Pending/m, /^service\/web\s+ClusterIP\s/m, /^deployment\.apps\/web\s+\d+\/3\s/m],
      });
    },
  },
  {
    title: 'get pods -w prints ADDED, MODIFIED and DELETED as they happen',
    async run(ctx) {
      const { k } = ctx;
      check(await k.run(['create', 'namespace', WATCH_NS]), { code: 0 });
      check(await k.run(['-n', WATCH_NS, 'run', 'w0', '--image=busybox:1.36']), { code: 0 });
      const w = k.start(['-n', WATCH_NS, 'get', 'pods', '-w', '--output-watch-events'], { timeoutMs: 45_000 });
      const state = () => `watch ${w.command} (pid ${w.pid})\n--- stdout ---\n${w.stdout()}--- stderr ---\n${w.stderr()}`;
      try {
        // The initial list is printed before the watch starts from its resourceVersion.
        await until('the initial list', () => /^ADDED\s+w0\s/m.test(w.stdout()), { state });
        check(await k.run(['-n', WATCH_NS, 'run', 'w1', '--image=busybox:1.36']), { code: 0 });
        check(await k.run(['-n', WATCH_NS, 'label', 'pod', 'w1', 'stage=one']), { code: 0, stdout: ['pod/w1 labeled'] });
        check(await k.run(['-n', WATCH_NS, 'delete', 'pod', 'w1']), { code: 0, stdout: ['pod "w1" deleted'] });
        const events = await until(
          'ADDED, MODIFIED and DELETED rows for w1',
          () => {
            const ev = [...w.stdout().matchAll(/^(\w+)\s+w1\s/gm)].map((m) => m[1]);
            return ev.includes('DELETED') ? ev : undefined;
          },
          { state },
        );
        expect(events, state()).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
        expect(w.stdout(), state()).toMatch(/^EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      } finally {
        const r = await w.stop();
        // Still running when we stopped it: the server kept the stream open.
        expect(r.signal, describeRun(r)).toBe('SIGKILL');
      }
    },
  },
  {
    title: 'describe pod',
    async run(ctx) {
      check(await ctx.k.run(['-n', NS, 'describe', 'pod', 'p1']), {
        code: 0,
        stdout: [
          /^Name:\s+p1$/m,
          new RegExp(`^Namespace:\\s+${NS}$`, 'm'),
          /^Node:\s+<none>$/m,
          /^Labels:\s+app=p1$/m,
          /^Status:\s+Pending$/m,
          /^Containers:\n\s+p1:\n\s+Image:\s+busybox:1\.36$/m,
          /^Events:/m,
        ],
      });
    },
  },
  {
    title: 'label and annotate',
    async run(ctx) {
      const { k } = ctx;
      check(await k.run(['-n', NS, 'label', 'pod', 'p1', 'tier=frontend']), { code: 0, stdout: [/^pod\/p1 labeled$/m] });
      check(await k.run(['-n', NS, 'annotate', 'pod', 'p1', 'note=hello world']), { code: 0, stdout: [/^pod\/p1 annotated$/m] });
      const p = await getJson(ctx, ['-n', NS, 'get', 'pod', 'p1']);
      expect(p.metadata.labels).toEqual({ app: 'p1', tier: 'frontend' });
      expect(p.metadata.annotations).toMatchObject({ note: 'hello world' });
      // The label selects it; relabelling without --overwrite is refused by kubectl.
      check(await k.run(['-n', NS, 'get', 'pods', '-l', 'tier=frontend', '-o', 'name']), { code: 0, stdout: [/^pod\/p1$/m] });
      check(await k.run(['-n', NS, 'label', 'pod', 'p1', 'tier=backend']), { code: 'nonzero', stderr: [/already has a value/] });
      check(await k.run(['-n', NS, 'label', 'pod', 'p1', 'tier-']), { code: 0, stdout: [/^pod\/p1 (un)?labeled$/m] });
      expect((await getJson(ctx, ['-n', NS, 'get', 'pod', 'p1'])).metadata.labels).toEqual({ app: 'p1' });
    },
  },
  {
    title: 'get -o json | replace -f -: a new image is accepted, a new command refused',
    async run(ctx) {
      const { k } = ctx;
      // kubectl prints the object with its own (sorted) key order; the server
      // must compare the pod spec by value, not by its JSON text.
      const live = await getJson(ctx, ['-n', NS, 'get', 'pod', 'p1']);
      live.spec.containers[0].image = 'busybox:1.37';
      check(await k.run(['replace', '-f', '-'], { stdin: JSON.stringify(live) }), { code: 0, stdout: [/^pod\/p1 replaced$/m] });
      const after = await getJson(ctx, ['-n', NS, 'get', 'pod', 'p1']);
      expect(after.spec.containers[0].image).toBe('busybox:1.37');
      expect(after.metadata.labels).toEqual({ app: 'p1' });

      after.spec.containers[0].args = ['sleep', '1'];
      check(await k.run(['replace', '-f', '-'], { stdin: JSON.stringify(after) }), {
        code: 1,
        stderr: [/The Pod "p1" is invalid: spec: Forbidden: pod updates may not change fields other than/],
      });
    },
  },
  {
    title: 'exec is refused with a clear message',
    async run(ctx) {
      check(await ctx.k.run(['-n', NS, 'exec', 'p1', '--', 'echo', 'hi'], { timeoutMs: 30_000 }), {
        code: 'nonzero',
        stderr: [/exec is not supported/],
      });
    },
  },
  {
    title: 'logs of a pod with no node: a clear error',
    async run(ctx) {
      check(await ctx.k.run(['-n', NS, 'logs', 'p1']), {
        code: 'nonzero',
        stderr: [/^Error from server \(\w+\): .*\bp1\b/m, /node/],
      });
    },
  },
  {
    title: 'a missing resource: Error from server (NotFound)',
    async run(ctx) {
      check(await ctx.k.run(['-n', NS, 'get', 'pod', 'nope']), {
        code: 1,
        stderr: ['Error from server (NotFound): pods "nope" not found'],
      });
      check(await ctx.k.run(['-n', NS, 'get', 'deploy', 'nope']), {
        code: 1,
        stderr: ['Error from server (NotFound): deployments.apps "nope" not found'],
      });
    },
  },
  {
    title: 'delete a pod without nodeName: gone at once',
    async run(ctx) {
      const { k } = ctx;
      check(await k.run(['-n', NS, 'delete', 'pod', 'p1']), { code: 0, stdout: [/^pod "p1" deleted$/m] });
      check(await k.run(['-n', NS, 'get', 'pod', 'p1']), { code: 1, stderr: [/\(NotFound\): pods "p1" not found/] });
      check(await k.run(['delete', '-f', file(ctx, 'pod.yaml')]), { code: 0, stdout: [/^pod "p2" deleted$/m] });
      check(await k.run(['get', 'pod', 'p2']), { code: 1, stderr: [/\(NotFound\): pods "p2" not found/] });
    },
  },
  {
    title: 'delete -f removes everything the manifest made',
    async run(ctx) {
      const { k } = ctx;
      check(await k.run(['delete', '-f', file(ctx, 'app-v2.yaml')]), {
        code: 0,
        stdout: [/^deployment\.apps "web" deleted$/m, /^service "web" deleted$/m, /^configmap "web-config" deleted$/m],
      });
      check(await k.run(['-n', NS, 'get', 'deployment/web', 'service/web', 'configmap/web-config']), {
        code: 1,
        stderr: [/\(NotFound\): deployments\.apps "web" not found/, /\(NotFound\): services "web" not found/, /\(NotFound\): configmaps "web-config" not found/],
      });
      // Nothing is left in the namespace (dependants, once controllers make
      // them, go by background cascading deletion: poll).
      let last: RunResult | undefined;
      await until(
        'get all to find nothing in the namespace',
        async () => {
          last = check(await k.run(['-n', NS, 'get', 'all']), { code: 0 });
          return /No resources found in e2e-x namespace\./.test(last.stderr + last.stdout);
        },
        { intervalMs: 200, state: () => (last ? describeRun(last) : '') },
      );
    },
  },
];

// ---------------------------------------------------------------------------
// One suite per kubectl

const KUBECTLS: { bin: KubectlBinary; clientVersion: RegExp }[] = [
  // The dispatcher must pick a JSON-only kubectl (≤ 1.31) for a v1.31 server.
  { bin: imageKubectl(), clientVersion: /Client Version: v1\.31\.\d+/ },
  { bin: kubectl120(), clientVersion: /Client Version: .*GitVersion:"v1\.20\.\d+"/ },
];

for (const { bin, clientVersion } of KUBECTLS) {
  if (bin.skipReason) console.warn(`[e2e] skipping the ${bin.title} suite: ${bin.skipReason}`);
  const title = `${bin.title}${bin.path ? ` (${bin.path})` : ''}${bin.skipReason ? ` (skipped: ${bin.skipReason})` : ''}`;

  describe.skipIf(bin.skipReason !== undefined)(title, () => {
    let cluster: TestCluster | undefined;
    let dir: string | undefined;
    let k: Kubectl | undefined;

    beforeAll(async () => {
      if (bin.error) throw new Error(bin.error);
      dir = makeWorkDir('kubectl');
      writeManifests(dir);
      cluster = await startTestCluster();
      k = new Kubectl(bin.path!, cluster.kubeconfig, dir);
    });

    afterAll(async () => {
      k?.killAll();
      try {
        await cluster?.close();
      } finally {
        removeWorkDir(dir);
      }
    });

    for (const step of STEPS) {
      it(step.title, async () => {
        await step.run({ k: k!, cluster: cluster!, dir: dir!, clientVersion });
      });
    }
  });
}
