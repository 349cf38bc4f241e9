import { describe, expect, it } from 'vitest';
import {
  escapeFieldValue,
  fieldSelectorFromSet,
  fieldsOf,
  parseFieldSelector,
  requirementFor,
  supportedFields,
  unescapeFieldValue,
  validateFieldSelector,
} from '../../../../src/api/fields.js';
import { StatusError } from '../../../../src/api/status.js';

function rejection(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StatusError);
    return err as StatusError;
  }
  throw new Error('expected a StatusError');
}

describe('parseFieldSelector', () => {
  const fields = { 'metadata.name': 'web-1', 'spec.nodeName': 'node-a', 'status.phase': 'Running', odd: 'a,b=c\\d' };
  const cases: Array<[string, boolean]> = [
    ['', true],
    ['metadata.name=web-1', true],
    ['metadata.name==web-1', true],
    ['metadata.name!=web-1', false],
    ['spec.nodeName=node-a,status.phase=Running', true],
    ['spec.nodeName=node-a,status.phase!=Running', false],
    ['spec.nodeName=', false],
    ['missing=', true], // an absent field compares as ""
    ['missing!=', false],
    ['missing!=x', true],
    ['odd=a\\,b\\=c\\\\d', true],
    ['odd=a\\,b', false],
    ['status.phase!=Succeeded,status.phase!=Failed', true],
    ['a=b,,', false],
  ];
  it.each(cases)('%j → %s', (text, want) => {
    expect(parseFieldSelector(text).matches(fields)).toBe(want);
  });

  it('prints terms sorted, == as =, values escaped', () => {
    expect(parseFieldSelector('status.phase==Running,metadata.name=a').toString()).toBe('metadata.name=a,status.phase=Running');
    expect(parseFieldSelector('x!=y').toString()).toBe('x!=y');
    expect(parseFieldSelector('odd=a\\,b\\=c\\\\d').toString()).toBe('odd=a\\,b\\=c\\\\d');
    expect(parseFieldSelector('odd=a\\,b\\=c\\\\d').requirements).toEqual([{ field: 'odd', operator: '=', value: 'a,b=c\\d' }]);
    expect(parseFieldSelector('').empty()).toBe(true);
    expect(parseFieldSelector('a=b').empty()).toBe(false);
  });

  it('splits a term at its first operator', () => {
    expect(parseFieldSelector('a=!b').requirements).toEqual([{ field: 'a', operator: '=', value: '!b' }]);
    expect(parseFieldSelector('a!=!b').requirements).toEqual([{ field: 'a', operator: '!=', value: '!b' }]);
  });

  const bad: Array<[string, string]> = [
    ['abc', "invalid selector: 'abc'; can't understand 'abc'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: ='],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  it.each(bad)('rejects %j with a 400: %s', (text, message) => {
    const err = rejection(() => parseFieldSelector(text));
    expect(err.code).toBe(400);
    expect(err.message).toBe(message);
  });
});

// 'a!==b' splits as field "a", op "!=", value "=b", which has an unescaped "=".
it('rejects an unescaped = after a != operator', () => {
  expect(() => parseFieldSelector('a!==b')).toThrowError('unescaped character in value: =');
});

describe('escaping', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', 'a\\,b'],
    ['a=b', 'a\\=b'],
    ['a\\b', 'a\\\\b'],
    ['\\,=', '\\\\\\,\\='],
  ])('%j ⇄ %j', (raw, escaped) => {
    expect(escapeFieldValue(raw)).toBe(escaped);
    expect(unescapeFieldValue(escaped)).toBe(raw);
  });
});

describe('requirementFor and fieldSelectorFromSet', () => {
  it('returns the value pinned with = or ==', () => {
    const s = parseFieldSelector('metadata.namespace==prod,metadata.name=web,spec.nodeName!=a');
    expect(requirementFor(s, 'metadata.name')).toBe('web');
    expect(requirementFor(s, 'metadata.namespace')).toBe('prod');
    expect(requirementFor(s, 'spec.nodeName')).toBeUndefined();
    expect(requirementFor(s, 'status.phase')).toBeUndefined();
  });

  it('builds a selector from a set', () => {
    const s = fieldSelectorFromSet({ 'spec.nodeName': 'n1', 'metadata.name': 'x,y' });
    expect(s.toString()).toBe('metadata.name=x\\,y,spec.nodeName=n1');
    expect(s.matches({ 'metadata.name': 'x,y', 'spec.nodeName': 'n1' })).toBe(true);
    expect(fieldSelectorFromSet(undefined).empty()).toBe(true);
  });
});

describe('fieldsOf', () => {
  it('exposes the Pod fields the API server supports', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'prod' },
      spec: { nodeName: 'node-a', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default', containers: [] },
      status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.7' }], nominatedNodeName: 'node-b' },
    };
    expect(fieldsOf(pod)).toEqual({
      'metadata.name': 'web-1',
      'metadata.namespace': 'prod',
      'spec.nodeName': 'node-a',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'default',
      'spec.hostNetwork': 'false',
      'status.phase': 'Running',
      'status.podIP': '10.0.0.7', // podIPs[0] wins, as in the pod registry
      'status.nominatedNodeName': 'node-b',
    });
    expect(Object.keys(fieldsOf(pod)).sort()).toEqual([...supportedFields('Pod')].sort());
    expect(parseFieldSelector('spec.nodeName=node-a,status.phase!=Succeeded').matches(fieldsOf(pod))).toBe(true);
  });

  it('fills absent Pod fields with zero values', () => {
    const f = fieldsOf({ kind: 'Pod', metadata: { name: 'p' }, spec: { hostNetwork: true }, status: { podIP: '10.1.1.1' } });
    expect(f['metadata.namespace']).toBe('');
    expect(f['spec.nodeName']).toBe('');
    expect(f['spec.hostNetwork']).toBe('true');
    expect(f['status.podIP']).toBe('10.1.1.1');
    expect(parseFieldSelector('spec.nodeName=').matches(f)).toBe(true); // unscheduled pods, as the scheduler lists them
  });

  it('exposes the Event fields', () => {
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web-1.17a', namespace: 'prod' },
      involvedObject: { kind: 'Pod', namespace: 'prod', name: 'web-1', uid: 'u-1', apiVersion: 'v1', resourceVersion: '42', fieldPath: 'spec.containers{web}' },
      reason: 'Scheduled',
      type: 'Normal',
      reportingComponent: 'default-scheduler',
    };
    expect(fieldsOf(event)).toEqual({
      'metadata.name': 'web-1.17a',
      'metadata.namespace': 'prod',
      'involvedObject.kind': 'Pod',
      'involvedObject.namespace': 'prod',
      'involvedObject.name': 'web-1',
      'involvedObject.uid': 'u-1',
      'involvedObject.apiVersion': 'v1',
      'involvedObject.resourceVersion': '42',
      'involvedObject.fieldPath': 'spec.containers{web}',
      reason: 'Scheduled',
      reportingComponent: 'default-scheduler',
      source: 'default-scheduler', // source.component, else the reporting controller
      type: 'Normal',
    });
    expect(fieldsOf({ ...event, source: { component: 'kubelet' } }).source).toBe('kubelet');
    expect(parseFieldSelector('involvedObject.kind=Pod,involvedObject.name=web-1,type!=Warning').matches(fieldsOf(event))).toBe(true);
  });

  it.each([
    [{ kind: 'Secret', metadata: { name: 's' }, type: 'kubernetes.io/tls' }, 'type', 'kubernetes.io/tls'],
    [{ kind: 'Node', metadata: { name: 'n' }, spec: { unschedulable: true } }, 'spec.unschedulable', 'true'],
    [{ kind: 'Node', metadata: { name: 'n' }, spec: {} }, 'spec.unschedulable', 'false'],
    [{ kind: 'Job', metadata: { name: 'j' }, status: { succeeded: 3 } }, 'status.successful', '3'],
    [{ kind: 'Job', metadata: { name: 'j' } }, 'status.successful', '0'],
    [{ kind: 'Namespace', metadata: { name: 'ns' }, status: { phase: 'Terminating' } }, 'status.phase', 'Terminating'],
    [{ kind: 'ReplicaSet', metadata: { name: 'rs' }, status: { replicas: 2 } }, 'status.replicas', '2'],
  ])('%j exposes %s=%s', (obj, field, value) => {
    expect(fieldsOf(obj)[field]).toBe(value);
    expect(supportedFields(obj.kind)).toContain(field);
  });

  it('gives every other kind metadata.name and metadata.namespace only', () => {
    expect(fieldsOf({ kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, data: { a: 'b' } })).toEqual({
      'metadata.name': 'c',
      'metadata.namespace': 'd',
    });
    expect(supportedFields('Application')).toEqual(['metadata.name', 'metadata.namespace']);
    expect(fieldsOf(null)).toEqual({ 'metadata.name': '', 'metadata.namespace': '' });
  });
});

describe('validateFieldSelector', () => {
  it('accepts supported fields and rejects the rest as the API server does', () => {
    expect(() => validateFieldSelector(parseFieldSelector('spec.nodeName=a,metadata.name!=b'), 'Pod')).not.toThrow();
    const err = rejection(() => validateFieldSelector(parseFieldSelector('metadata.name=a,spec.foo=b'), 'Pod'));
    expect(err.code).toBe(400);
    expect(err.message).toBe('field label not supported: spec.foo');
    expect(() => validateFieldSelector(parseFieldSelector('spec.nodeName=a'), 'Service')).toThrowError('field label not supported: spec.nodeName');
  });
});
