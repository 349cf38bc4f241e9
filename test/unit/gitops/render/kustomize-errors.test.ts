// kustomize errors: unsupported fields, missing or remote resources, cycles, patches
// without a target, generator problems, and errors inside referenced files, each with
// the file and line that holds the mistake.
import { describe, expect, it } from 'vitest';
import { formatRenderError, Renderer } from '../../../../src/gitops/render/index.js';
import { MemorySnapshot } from './memory-snapshot.js';

const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "1"\n';

async function errors(files: Record<string, string>, path = 'app'): Promise<string[]> {
  const result = await new Renderer().render(new MemorySnapshot(files), { path });
  return result.errors.map(formatRenderError);
}

describe('kustomize errors', () => {
  it('unsupported fields are errors naming field, file and line', async () => {
    expect(await errors({ 'app/kustomization.yaml': 'resources:\n- cm.yaml\nreplicas:\n- name: web\n  count: 2\nhelmCharts: []\n', 'app/cm.yaml': cm })).toEqual([
      expect.stringMatching(/^app\/kustomization\.yaml:3: replicas: unsupported kustomize field "replicas"/),
      expect.stringMatching(/^app\/kustomization\.yaml:6: helmCharts: unsupported kustomize field "helmCharts"/),
    ]);
  });

  it('a Component is not supported', async () => {
    expect(await errors({ 'app/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n' })).toEqual([
      'app/kustomization.yaml:2: kind: unsupported kustomize kind "Component": only Kustomization is supported',
    ]);
  });

  it('fields of the wrong shape', async () => {
    expect(await errors({ 'app/kustomization.yaml': 'resources: cm.yaml\ncommonLabels:\n  a: {b: c}\n' })).toEqual([
      'app/kustomization.yaml:1: resources: must be a list',
      'app/kustomization.yaml:2: commonLabels: must be a mapping of strings',
    ]);
  });

  it('errors inside a referenced file name that file and line', async () => {
    expect(
      await errors({
        'app/kustomization.yaml': 'resources:\n- ../base\n',
        'base/kustomization.yaml': 'resources:\n- cm.yaml\n- bad.yaml\n',
        'base/cm.yaml': cm,
        'base/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: [oops\n',
      }),
    ).toEqual([expect.stringMatching(/^base\/bad\.yaml:5: YAML syntax error: /)]);
  });

  it('schema errors of kustomized objects point into their own file', async () => {
    expect(
      await errors({
        'app/kustomization.yaml': 'resources:\n- svc.yaml\ncommonLabels:\n  app: web\n',
        'app/svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: http\n',
      }),
    ).toEqual([expect.stringMatching(/^app\/svc\.yaml:7: spec\.ports\[0\]\.port: /)]);
  });

  it('missing, remote and escaping resources, and cycles', async () => {
    expect(
      await errors({
        'app/kustomization.yaml': 'resources:\n- missing.yaml\n- https://github.com/org/repo//base?ref=v1\n- ../../../etc\n- ../loop\n',
        'loop/kustomization.yaml': 'resources:\n- ../app\n',
      }),
    ).toEqual([
      'app/kustomization.yaml:2: resources[0]: resource "missing.yaml" not found: no such file or directory',
      'app/kustomization.yaml:3: resources[1]: remote resource "https://github.com/org/repo//base?ref=v1" is not supported: vendor it into the repository',
      'app/kustomization.yaml:4: resources[2]: resource "../../../etc" points outside the repository',
      'loop/kustomization.yaml:2: resources[0]: cycle: app → loop → app',
    ]);
  });

  it('patches: missing target, missing file, JSON patch without target, bad selector, failing patch', async () => {
    const result = await errors({
      'app/kustomization.yaml': [
        'resources:',
        '- cm.yaml',
        'patchesStrategicMerge:',
        '- nope.yaml',
        '- other.yaml',
        'patches:',
        '- patch: |-',
        '    - op: add',
        '      path: /data/b',
        '      value: x',
        '- target: {name: "("}',
        '  patch: "kind: ConfigMap"',
        '- target: {kind: ConfigMap}',
        '  patch: |-',
        '    - op: replace',
        '      path: /data/missing/deep',
        '      value: x',
        '',
      ].join('\n'),
      'app/cm.yaml': cm,
      'app/other.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata: {b: "2"}\n',
    });
    expect(result).toEqual([
      'app/kustomization.yaml:4: patchesStrategicMerge[0]: patch file "nope.yaml" not found',
      'app/other.yaml:1: patch target ConfigMap other not found among the resources',
      'app/kustomization.yaml:7: a JSON 6902 patch (a list of operations) needs a target',
      expect.stringMatching(/^app\/kustomization\.yaml:12: bad patch target: target\.name: invalid regular expression "\("/),
      expect.stringMatching(/^app\/kustomization\.yaml:14: patch of ConfigMap c failed: /),
    ]);
  });

  it('a strategic-merge patch without a target must name its kind and object', async () => {
    expect(await errors({ 'app/kustomization.yaml': 'resources:\n- cm.yaml\npatchesStrategicMerge:\n- p.yaml\n', 'app/cm.yaml': cm, 'app/p.yaml': '# no name\nkind: ConfigMap\ndata: {b: "2"}\n' })).toEqual([
      'app/p.yaml:2: a strategic-merge patch without a target needs kind and metadata.name',
    ]);
  });

  it('generators: behavior merge, missing files, bad literals and env lines, duplicate keys', async () => {
    const result = await errors({
      'app/kustomization.yaml': [
        'configMapGenerator:',
        '- name: merged',
        '  behavior: merge',
        '  literals: [a=b]',
        '- name: broken',
        '  literals:',
        '  - novalue',
        '  - a=1',
        '  - a=2',
        '  files:',
        '  - missing.txt',
        '  envs:',
        '  - vars.env',
        'secretGenerator:',
        '- literals: [x=y]',
        '',
      ].join('\n'),
      'app/vars.env': 'OK=1\nFROM_ENV\n',
    });
    expect(result).toEqual([
      'app/kustomization.yaml:3: configMapGenerator[0].behavior: unsupported generator behavior "merge": only "create" is supported',
      'app/kustomization.yaml:7: configMapGenerator[1].literals[0]: invalid literal "novalue": expected key=value',
      'app/kustomization.yaml:9: configMapGenerator[1].literals[2]: duplicate key "a"',
      'app/kustomization.yaml:11: configMapGenerator[1].files[0]: file "missing.txt" not found',
      'app/kustomization.yaml:13: configMapGenerator[1].envs[0]: vars.env:2: "FROM_ENV" has no "=": gitplane does not take values from its own environment',
      'app/kustomization.yaml:15: secretGenerator[0].name: Required value',
    ]);
  });

  it('duplicates across base and overlay name both files', async () => {
    expect(
      await errors({
        'app/kustomization.yaml': 'resources:\n- ../base\n- cm.yaml\n',
        'app/cm.yaml': cm,
        'base/kustomization.yaml': 'resources:\n- cm.yaml\n',
        'base/cm.yaml': cm,
      }),
    ).toEqual(['app/cm.yaml:1: duplicate object: ConfigMap default/c is defined at base/cm.yaml:1 and at app/cm.yaml:1']);
  });
});
