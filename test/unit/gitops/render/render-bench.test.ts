// Render timings for 1,000 and 10,000 small manifests (half ConfigMaps, half Deployments),
// cold (new renderer; the first also compiles the schemas) and warm (every blob cached).
// Prints a table; asserts only correctness, never time.
import { describe, expect, it } from 'vitest';
import { Renderer } from '../../../../src/gitops/render/index.js';
import { MemorySnapshot } from './memory-snapshot.js';

function manifest(i: number): string {
  if (i % 2 === 0) return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  labels:\n    app: bench\ndata:\n  index: "${i}"\n`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-${i}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web-${i}}
  template:
    metadata:
      labels: {app: web-${i}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 80
`;
}

function repo(n: number): MemorySnapshot {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) files[`apps/dir-${i % 50}/m-${i}.yaml`] = manifest(i);
  return new MemorySnapshot(files);
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

describe('render timings (printed, not asserted)', () => {
  it('1,000 and 10,000 files, cold and warm', async () => {
    const rows: string[] = [];
    for (const n of [1_000, 10_000]) {
      const snap = repo(n);
      const renderer = new Renderer();
      const options = { path: 'apps', directory: { recurse: true } };
      let objects = 0;
      const cold = await time(async () => {
        const r = await renderer.render(snap, options);
        expect(r.errors).toEqual([]);
        objects = r.objects.length;
      });
      for (let i = 0; i < 3; i++) await renderer.render(snap, options); // let the JIT settle
      const warm: number[] = [];
      for (let i = 0; i < 15; i++) warm.push(await time(() => renderer.render(snap, options)));
      warm.sort((a, b) => a - b);
      const noValidate = await time(() => new Renderer().render(snap, { ...options, validate: false }));
      expect(objects).toBe(n);
      rows.push(`| ${String(n).padStart(6)} | ${cold.toFixed(0).padStart(8)} ms | ${noValidate.toFixed(0).padStart(8)} ms | ${warm[7].toFixed(1).padStart(8)} ms |`);
    }
    console.log(['| files  | cold (new renderer) | cold, no validation | warm, all cached (median of 15) |', ...rows].join('\n'));
  }, 120_000);
});
