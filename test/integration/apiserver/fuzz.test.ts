// A barrage of malformed and hostile requests against the whole control
// plane over real HTTPS: a hand-written list plus cases generated from a
// seeded PRNG (the same requests on every run). Every one must get a 4xx
// with a Kubernetes Status body whose code is the HTTP status — never a
// 5xx, never a hang (each request has a deadline), never a dropped
// connection. Afterwards the server must still serve a normal create/get,
// and close() must find no internal errors in its log.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../support/cluster.js';
import { configMap, deployment, eventually, pod, prng, rawExchange, rawRequest, service, statusProblem, TABLE_ACCEPT, TransportError, type Target } from './support.js';

const SEED = 0x6b387300; // "k8s\0"
const NS = 'fuzz';
const CONCURRENCY = 8;
/** Categories that can kill the process they hit: sent, one at a time, to a server in a child process. */
const ISOLATED = new Set(['hand: nesting', 'hand: yaml nesting']);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../../..');

let c: TestCluster | undefined;
const started = Date.now();

interface Case {
  cat: string;
  name: string;
  method: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  chunked?: boolean;
  noAuth?: boolean;
  timeoutMs?: number;
  /** Bytes sent as they are over a fresh connection ({{TOKEN}} is replaced by the admin token). */
  raw?: string;
}

interface Outcome {
  c: Case;
  status?: number;
  reason?: string;
  problem?: string;
  ms: number;
}

const outcomes: Outcome[] = [];

// ------------------------------------------------------------------ targets

const base = {
  configmaps: `/api/v1/namespaces/${NS}/configmaps`,
  pods: `/api/v1/namespaces/${NS}/pods`,
  deployments: `/apis/apps/v1/namespaces/${NS}/deployments`,
  services: `/api/v1/namespaces/${NS}/services`,
  secrets: `/api/v1/namespaces/${NS}/secrets`,
  namespaces: '/api/v1/namespaces',
};
type Coll = keyof typeof base;
const COLLECTIONS = Object.keys(base) as Coll[];

/** A valid object for each collection (the fuzzer breaks it). */
function validFor(coll: Coll, name: string): any {
  switch (coll) {
    case 'configmaps':
      return configMap(name);
    case 'pods':
      return pod(name);
    case 'deployments':
      return deployment(name);
    case 'services':
      return service(name);
    case 'secrets':
      return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { a: 'b' } };
    case 'namespaces':
      return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  }
}

/** Existing objects that PUT/PATCH/DELETE cases aim at (created in beforeAll). */
const TARGETS: Array<{ coll: Coll; name: string; path: string }> = [
  { coll: 'configmaps', name: 'cm', path: `${base.configmaps}/cm` },
  { coll: 'deployments', name: 'dep', path: `${base.deployments}/dep` },
  { coll: 'pods', name: 'pod', path: `${base.pods}/pod` },
  { coll: 'services', name: 'svc', path: `${base.services}/svc` },
  { coll: 'secrets', name: 'sec', path: `${base.secrets}/sec` },
];

const JSON_CT = { 'Content-Type': 'application/json' };
const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const JSONPATCH = { 'Content-Type': 'application/json-patch+json' };
const SMP = { 'Content-Type': 'application/strategic-merge-patch+json' };
const APPLY = { 'Content-Type': 'application/apply-patch+yaml' };

// ------------------------------------------------------------------ the hand-written list

function handWritten(): Case[] {
  const out: Case[] = [];
  const add = (cat: string, name: string, k: Omit<Case, 'cat' | 'name'>): void => void out.push({ cat, name, ...k });
  const cmBody = (name = 'x') => JSON.stringify(configMap(name));

  // Bodies that are not objects.
  for (const [label, body] of [
    ['JSON array', '[]'],
    ['array of objects', '[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}]'],
    ['string', '"hello"'],
    ['number', '42'],
    ['true', 'true'],
    ['null', 'null'],
    ['empty body', ''],
    ['whitespace', '   \n\t '],
    ['BOM then JSON', '\ufeff' + cmBody('bom')],
    ['two documents', cmBody('a') + cmBody('b')],
    ['NaN', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"n"},"data":NaN}'],
    ['single quotes', "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'q'}}"],
    ['comment', '{"apiVersion":"v1", // c\n"kind":"ConfigMap","metadata":{"name":"c"}}'],
    ['trailing comma', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"t"},}'],
    ['unterminated string', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"u'],
    ['lone surrogate name', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\\ud800"}}'],
    ['__proto__ pollution', '{"__proto__":{"polluted":true},"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Proto!"}}'],
    ['constructor pollution', '{"constructor":{"prototype":{"polluted":true}},"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Ctor!"}}'],
  ] as const) {
    add('hand: bodies', `POST configmaps: ${label}`, { method: 'POST', path: base.configmaps, body: body, headers: JSON_CT });
    add('hand: bodies', `PUT configmap: ${label}`, { method: 'PUT', path: `${base.configmaps}/cm`, body: body, headers: JSON_CT });
  }

  // Deep nesting and huge bodies.
  const deepObj = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  const deepArr = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const withDeep = (n: number) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep","labels":${deepObj(n)}}}`;
  add('hand: nesting', 'create with labels nested 10,000 levels', { method: 'POST', path: base.configmaps, body: withDeep(10_000), headers: JSON_CT });
  add('hand: nesting', 'create with an unknown field nested 10,000 levels', {
    method: 'POST',
    path: base.configmaps,
    body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep2"},"extra":${deepObj(10_000)}}`,
    headers: JSON_CT,
  });
  add('hand: nesting', 'create with spec nested 100,000 levels', {
    method: 'POST',
    path: base.deployments,
    body: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"deep3"},"spec":${deepObj(100_000)}}`,
    headers: JSON_CT,
  });
  add('hand: nesting', 'a body that is an array nested 500,000 levels', { method: 'POST', path: base.configmaps, body: deepArr(500_000), headers: JSON_CT });
  add('hand: nesting', 'merge patch nested 10,000 levels', { method: 'PATCH', path: `${base.configmaps}/cm`, body: `{"metadata":{"labels":${deepObj(10_000)}}}`, headers: MERGE });
  add('hand: nesting', 'strategic merge patch nested 10,000 levels', { method: 'PATCH', path: `${base.deployments}/dep`, body: `{"spec":${deepObj(10_000)}}`, headers: SMP });
  add('hand: nesting', 'json patch value nested 10,000 levels', {
    method: 'PATCH',
    path: `${base.configmaps}/cm`,
    body: `[{"op":"add","path":"/metadata/labels","value":${deepObj(10_000)}}]`,
    headers: JSONPATCH,
  });
  // The same deep YAML again: a parser that overflowed its stack once must not take the process down the next time.
  for (const round of [1, 2, 3]) {
    add('hand: yaml nesting', `YAML create nested 10,000 levels (round ${round})`, { method: 'POST', path: base.configmaps, body: withDeep(10_000), headers: { 'Content-Type': 'application/yaml' } });
    add('hand: yaml nesting', `YAML update nested 10,000 levels (round ${round})`, { method: 'PUT', path: `${base.configmaps}/cm`, body: withDeep(10_000).replace('"deep"', '"cm"'), headers: { 'Content-Type': 'application/yaml' } });
  }
  add('hand: yaml nesting', 'apply (flow YAML) nested 10,000 levels', {
    method: 'PATCH',
    path: `${base.configmaps}/cm?fieldManager=fuzz`,
    body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":${deepObj(10_000)}}`,
    headers: APPLY,
  });
  add('hand: yaml nesting', 'apply (block YAML) nested 1,000 levels', {
    method: 'PATCH',
    path: `${base.configmaps}/cm?fieldManager=fuzz`,
    body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n' + Array.from({ length: 1000 }, (_, i) => ' '.repeat(2 * (i + 1)) + 'a:').join('\n') + ' 1\n',
    headers: APPLY,
  });
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
  const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n${laughs.join('\n')}\n`;
  add('hand: yaml nesting', 'apply with a YAML alias bomb', { method: 'PATCH', path: `${base.configmaps}/cm?fieldManager=fuzz`, body: bomb, headers: APPLY });
  add('hand: yaml nesting', 'YAML create with an alias bomb', { method: 'POST', path: base.configmaps, body: bomb, headers: { 'Content-Type': 'application/yaml' } });

  const big = (n: number) => JSON.stringify({ ...configMap('big'), data: { blob: 'x'.repeat(n) } });
  const MiB = 1024 * 1024;
  add('hand: size', 'create of 3 MiB + 1 KiB (Content-Length)', { method: 'POST', path: base.configmaps, body: big(3 * MiB + 1024), headers: JSON_CT, timeoutMs: 30_000 });
  add('hand: size', 'create of 8 MiB (Content-Length)', { method: 'POST', path: base.configmaps, body: big(8 * MiB), headers: JSON_CT, timeoutMs: 30_000 });
  add('hand: size', 'create of 4 MiB (chunked, no Content-Length)', { method: 'POST', path: base.configmaps, body: big(4 * MiB), headers: JSON_CT, chunked: true, timeoutMs: 30_000 });
  add('hand: size', 'update of 4 MiB', { method: 'PUT', path: `${base.configmaps}/cm`, body: big(4 * MiB), headers: JSON_CT, timeoutMs: 30_000 });
  add('hand: size', 'merge patch of 4 MiB', { method: 'PATCH', path: `${base.configmaps}/cm`, body: JSON.stringify({ data: { blob: 'x'.repeat(4 * MiB) } }), headers: MERGE, timeoutMs: 30_000 });
  add('hand: size', 'json patch of 4 MiB (chunked)', {
    method: 'PATCH',
    path: `${base.configmaps}/cm`,
    body: JSON.stringify([{ op: 'add', path: '/data/blob', value: 'x'.repeat(4 * MiB) }]),
    headers: JSONPATCH,
    chunked: true,
    timeoutMs: 30_000,
  });
  add('hand: size', '10,001 json patch operations', {
    method: 'PATCH',
    path: `${base.configmaps}/cm`,
    body: JSON.stringify(Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/metadata/name', value: 'cm' }))),
    headers: JSONPATCH,
  });
  add('hand: size', 'delete with a 4 MiB DeleteOptions body', { method: 'DELETE', path: `${base.configmaps}/cm`, body: JSON.stringify({ gracePeriodSeconds: 0, pad: 'x'.repeat(4 * MiB) }), headers: JSON_CT, timeoutMs: 30_000 });

  // Invalid UTF-8.
  const cmWithRawName = (bytes: number[]) =>
    Buffer.concat([Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"'), Buffer.from(bytes), Buffer.from('"}}')]);
  for (const [label, bytes] of [
    ['0xff', [0xff]],
    ['0xc0 0xaf (overlong /)', [0xc0, 0xaf]],
    ['truncated 3-byte sequence', [0x61, 0xe2, 0x82]],
    ['UTF-16 surrogate bytes', [0xed, 0xa0, 0x80]],
    ['0xfe 0xfe', [0xfe, 0xfe]],
    ['NUL byte', [0x61, 0x00, 0x62]],
  ] as const) {
    add('hand: utf-8', `name with ${label}`, { method: 'POST', path: base.configmaps, body: cmWithRawName([...bytes]), headers: JSON_CT });
    add('hand: utf-8', `yaml name with ${label}`, { method: 'POST', path: base.configmaps, body: Buffer.concat([Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a'), Buffer.from([...bytes]), Buffer.from('"\n')]), headers: { 'Content-Type': 'application/yaml' } });
  }
  add('hand: utf-8', 'a body of random bytes', { method: 'POST', path: base.configmaps, body: Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) & 0xff)), headers: JSON_CT });
  add('hand: utf-8', 'UTF-16LE JSON', { method: 'POST', path: base.configmaps, body: Buffer.from(cmBody('utf16'), 'utf16le'), headers: JSON_CT });

  // Content types.
  const k8sProto = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), Buffer.from([0x0a, 0x0f, 0x0a, 0x02]), Buffer.from('v1'), Buffer.from([0x12, 0x09]), Buffer.from('Namespace'), Buffer.from([0x12, 0x05, 0x0a, 0x03]), Buffer.from('abc')]);
  add('hand: content types', 'kubectl 1.33 protobuf create namespace', { method: 'POST', path: base.namespaces, body: k8sProto, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf,application/json' } });
  add('hand: content types', 'protobuf create configmap', { method: 'POST', path: base.configmaps, body: k8sProto, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } });
  add('hand: content types', 'protobuf update', { method: 'PUT', path: `${base.configmaps}/cm`, body: k8sProto, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } });
  add('hand: content types', 'protobuf patch', { method: 'PATCH', path: `${base.configmaps}/cm`, body: k8sProto, headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' } });
  add('hand: content types', 'CBOR apply', { method: 'PATCH', path: `${base.configmaps}/cm?fieldManager=fuzz`, body: Buffer.from([0xa1, 0x61, 0x61, 0x01]), headers: { 'Content-Type': 'application/apply-patch+cbor' } });
  add('hand: content types', 'CBOR create', { method: 'POST', path: base.configmaps, body: Buffer.from([0xa1, 0x61, 0x61, 0x01]), headers: { 'Content-Type': 'application/cbor' } });

  // Paths.
  const pathTricks = [
    `/api/v1/namespaces/${NS}/configmaps/..`,
    `/api/v1/namespaces/${NS}/configmaps/.`,
    `/api/v1/namespaces/${NS}/configmaps/%2e%2e`,
    `/api/v1/namespaces/${NS}/configmaps/%2E%2E/%2E%2E/secrets`,
    `/api/v1/namespaces/%2e%2e/configmaps`,
    `/api/v1/namespaces/${NS}/configmaps/..%2F..%2Fsecrets%2Fsec`,
    `/api/v1/namespaces/${NS}/configmaps/a%2Fb`,
    `/api/v1/namespaces/${NS}%2Fconfigmaps`,
    `/api/v1/namespaces/${NS}/configmaps%2Fcm`,
    `/api/v1/namespaces/${NS}/configmaps/%252e%252e`,
    `/api/v1/namespaces/${NS}/configmaps/%25`,
    `/api/v1/namespaces/${NS}/configmaps/cm%00`,
    `/api/v1/namespaces/${NS}%00/configmaps`,
    `/api/v1/namespaces/${NS}/configmaps/%00%00%00`,
    `/api/v1/namespaces/${NS}/configmaps/%ff`,
    `/api/v1/namespaces/${NS}/configmaps/%c0%ae%c0%ae`,
    `/api/v1/namespaces/${NS}/configmaps/%`,
    `/api/v1/namespaces/${NS}/configmaps/%zz`,
    `/api/v1/namespaces/${NS}/configmaps/%E2%80%AEmc`,
    `/api/v1/namespaces/${NS}/configmaps/${'a'.repeat(300)}`,
    `/api/v1/namespaces/${NS}/configmaps/${'a'.repeat(5000)}`,
    `/api/v1/namespaces/${'n'.repeat(300)}/configmaps`,
    `/${'x'.repeat(5000)}`,
    `/api/v1/namespaces/${NS}/configmaps/${'%2e'.repeat(2000)}`,
    '/api/../api/v1/namespaces',
    '/apis/../../../../etc/passwd',
    '/../../etc/passwd',
    '/api/v1/namespaces/../../../version',
    '//api/v1/namespaces',
    '/api//v1/namespaces',
    `/api/v1/namespaces//configmaps`,
    `/api/v1/namespaces/${NS}//cm`,
    `/api/v1/namespaces/${NS}/configmaps/cm//`,
    '/api/v2/namespaces',
    '/api/v1beta1/pods',
    '/apis/apps/v2/deployments',
    '/apis/apps/v1beta1/namespaces/fuzz/deployments',
    '/apis/nope.example.com/v1/things',
    '/apis/nope.example.com',
    '/api/v1/nonexistents',
    `/api/v1/namespaces/${NS}/nonexistents`,
    `/api/v1/namespaces/${NS}/nonexistents/x`,
    `/api/v1/namespaces/${NS}/configmaps/cm/nonexistent`,
    `/api/v1/namespaces/${NS}/configmaps/cm/status`,
    `/api/v1/namespaces/${NS}/pods/pod/log/extra`,
    `/api/v1/namespaces/${NS}/pods/pod/status/extra/more`,
    `/api/v1/namespaces/${NS}/pods/pod/exec/a/b/c`,
    '/API/V1/NAMESPACES',
    `/api/v1/namespaces/${NS}/ConfigMaps`,
    '/apis/APPS/v1/deployments',
    '/api;/v1/namespaces',
    '/api/v1;jsessionid=x/namespaces',
    '/.git/config',
    '/etc/passwd',
    '/metrics',
    '/debug/pprof/',
    '/openapi/v3/api/v1',
    '/openapi/v4',
    '/swagger.json',
    '/%',
    '/%zz',
    '/api/%',
    '/apis/%2e%2e',
    '/api/v1/namespaces/fuzz/configmaps/\\..\\..\\secrets',
    '/api/v1/namespaces/*/configmaps/*',
    '/api/v1/namespaces/fuzz/configmaps/cm%23frag',
    '/api/v1/namespaces/fuzz/configmaps/cm%3Fwatch%3Dtrue',
  ];
  for (const p of pathTricks) {
    add('hand: paths', `GET ${p.slice(0, 80)}`, { method: 'GET', path: p });
    add('hand: paths', `POST ${p.slice(0, 80)}`, { method: 'POST', path: p, body: cmBody('pt'), headers: JSON_CT });
    add('hand: paths', `DELETE ${p.slice(0, 80)}`, { method: 'DELETE', path: p });
  }

  // Wrong methods.
  const methodCases: Array<[string, string]> = [
    ['PUT', base.configmaps],
    ['PATCH', base.configmaps],
    ['POST', `${base.configmaps}/cm`],
    ['POST', `${base.deployments}/dep`],
    ['PUT', '/api'],
    ['POST', '/apis'],
    ['DELETE', '/api/v1'],
    ['PATCH', '/apis/apps/v1'],
    ['POST', '/version'],
    ['DELETE', '/healthz'],
    ['PUT', '/openapi/v2'],
    ['POST', `${base.deployments}/dep/scale`],
    ['DELETE', `${base.deployments}/dep/scale`],
    ['PUT', `${base.pods}/pod/log`],
    ['DELETE', `${base.pods}/pod/log`],
    ['GET', `${base.pods}/pod/binding`],
    ['DELETE', `${base.pods}/pod/binding`],
    ['POST', `${base.pods}/pod/status`],
    ['DELETE', `${base.pods}/pod/status`],
    ['PUT', `${base.configmaps}/cm/finalize`],
    ['PUT', `/api/v1/namespaces/${NS}/finalize/extra`],
    ['OPTIONS', base.configmaps],
    ['TRACE', base.configmaps],
    ['PROPFIND', base.configmaps],
    ['MKCOL', `${base.configmaps}/cm`],
    ['COPY', `${base.configmaps}/cm`],
    ['PURGE', `${base.configmaps}/cm`],
    ['LINK', `${base.configmaps}/cm`],
    ['SEARCH', '/api'],
    ['PUT', '/api/v1/pods'],
    ['POST', '/api/v1/pods'],
    ['DELETE', '/api/v1/namespaces/fuzz/configmaps/cm/status'],
  ];
  for (const [method, p] of methodCases) {
    add('hand: methods', `${method} ${p}`, { method, path: p, body: ['POST', 'PUT', 'PATCH'].includes(method) ? cmBody('m') : undefined, headers: method === 'PATCH' ? MERGE : JSON_CT });
  }

  // Query parameters.
  const queryCases: Array<[string, string]> = [
    ['GET', `${base.configmaps}?limit=-1`],
    ['GET', `${base.configmaps}?limit=abc`],
    ['GET', `${base.configmaps}?limit=1.5`],
    ['GET', `${base.configmaps}?limit=1e400`],
    ['GET', `${base.configmaps}?limit=99999999999999999999999`],
    ['GET', `${base.configmaps}?limit=0x10`],
    ['GET', `${base.configmaps}?resourceVersion=xyz`],
    ['GET', `${base.configmaps}?resourceVersion=-5`],
    ['GET', `${base.configmaps}?resourceVersion=1.5`],
    ['GET', `${base.configmaps}?resourceVersion=xyz&resourceVersionMatch=Exact`],
    ['GET', `${base.configmaps}?resourceVersionMatch=Bogus&resourceVersion=1`],
    ['GET', `${base.configmaps}?resourceVersionMatch=Exact`],
    ['GET', `${base.configmaps}?resourceVersionMatch=NotOlderThan`],
    ['GET', `${base.configmaps}?continue=garbage`],
    ['GET', `${base.configmaps}?continue=%00%01%02`],
    ['GET', `${base.configmaps}?limit=1&continue=${Buffer.from('{"v":"gitplane/v1","rv":1,"start":"/registry/secrets/"}').toString('base64url')}`],
    ['GET', `${base.configmaps}?limit=1&continue=${Buffer.from('{"v":"gitplane/v1","rv":-1,"start":"/registry/configmaps/fuzz/"}').toString('base64url')}`],
    ['GET', `${base.configmaps}?limit=1&continue=${Buffer.from('{"v":"gitplane/v1","rv":"x","start":"/registry/configmaps/fuzz/"}').toString('base64url')}`],
    ['GET', `${base.configmaps}?limit=1&continue=${Buffer.from('{"v":"gitplane/v1","rv":1e300,"start":"/registry/configmaps/fuzz/"}').toString('base64url')}`],
    ['GET', `${base.configmaps}?limit=1&continue=${Buffer.from('{"v":"gitplane/v1","rv":1.5,"start":"/registry/configmaps/fuzz/"}').toString('base64url')}`],
    ['GET', `/api/v1/configmaps?limit=1&continue=${Buffer.from('{"v":"gitplane/v1","rv":1,"start":"/registry/secrets/fuzz/sec"}').toString('base64url')}`],
    ['GET', `${base.configmaps}?labelSelector=a%20in%20(`],
    ['GET', `${base.configmaps}?labelSelector=!`],
    ['GET', `${base.configmaps}?labelSelector=%3D`],
    ['GET', `${base.configmaps}?labelSelector=a%3Db%3Dc`],
    ['GET', `${base.configmaps}?labelSelector=in%20(a)`],
    ['GET', `${base.configmaps}?labelSelector=a%20notin`],
    ['GET', `${base.configmaps}?labelSelector=a%2C`],
    ['GET', `${base.configmaps}?labelSelector=%2Ca`],
    ['GET', `${base.configmaps}?labelSelector=((`],
    ['GET', `${base.configmaps}?labelSelector=a%3D${'x'.repeat(100)}`],
    ['GET', `${base.configmaps}?labelSelector=a%2Fb%2Fc%3Dd`],
    ['GET', `${base.configmaps}?labelSelector=-a%3Db`],
    ['GET', `${base.configmaps}?labelSelector=a%3Db%20c`],
    ['GET', `${base.configmaps}?labelSelector=!a%3Db`],
    ['GET', `${base.configmaps}?labelSelector=a%20in%20b`],
    ['GET', `${base.configmaps}?fieldSelector=spec.foo%3Dx`],
    ['GET', `${base.configmaps}?fieldSelector=metadata.name`],
    ['GET', `${base.configmaps}?fieldSelector=metadata.name%3Da%3Db`],
    ['GET', `${base.configmaps}?fieldSelector=metadata.name%3Da%5C`],
    ['GET', `${base.configmaps}?fieldSelector=%3D`],
    ['GET', `${base.configmaps}?fieldSelector=metadata.labels%3Dx`],
    ['GET', `${base.pods}?fieldSelector=spec.nodeName~x`],
    ['GET', `${base.pods}?fieldSelector=status.phase%3DRunning%2Cspec.containers%3Dx`],
    ['GET', `${base.configmaps}?timeoutSeconds=abc`],
    ['GET', `${base.configmaps}?sendInitialEvents=true`],
    ['GET', `${base.configmaps}?watch=true&resourceVersion=abc`],
    ['GET', `${base.configmaps}?watch=true&resourceVersion=-1`],
    ['GET', `${base.configmaps}?watch=true&resourceVersion=1.5`],
    ['GET', `${base.configmaps}?watch=true&timeoutSeconds=abc`],
    ['GET', `${base.configmaps}?watch=true&timeoutSeconds=-5`],
    ['GET', `${base.configmaps}?watch=true&labelSelector=a%20in%20(`],
    ['GET', `${base.configmaps}?watch=true&fieldSelector=spec.foo%3Dx`],
    ['GET', `${base.configmaps}?watch=true&resourceVersionMatch=Exact&resourceVersion=1`],
    ['GET', `${base.configmaps}?watch=true&sendInitialEvents=true`],
    ['GET', `${base.configmaps}/cm?resourceVersion=xyz`],
    ['POST', `${base.configmaps}?dryRun=Maybe`],
    ['POST', `${base.configmaps}?dryRun=all`],
    ['POST', `${base.configmaps}?dryRun=`],
    ['POST', `${base.configmaps}?fieldManager=${'m'.repeat(300)}`],
    ['POST', `${base.configmaps}?fieldManager=%00%01`],
    ['POST', `${base.configmaps}?fieldValidation=Bogus`],
    ['DELETE', `${base.configmaps}/cm?gracePeriodSeconds=abc`],
    ['DELETE', `${base.configmaps}/cm?gracePeriodSeconds=1.5`],
    ['DELETE', `${base.configmaps}/cm?propagationPolicy=Bogus`],
    ['DELETE', `${base.configmaps}/cm?dryRun=Bogus`],
    ['DELETE', `${base.configmaps}?labelSelector=a%20in%20(`],
    ['DELETE', `${base.configmaps}?fieldSelector=spec.foo%3Dx`],
    ['DELETE', `${base.configmaps}?dryRun=Nope`],
    ['PATCH', `${base.configmaps}/cm?dryRun=Bogus`],
  ];
  for (const [method, p] of queryCases) {
    const isPatch = method === 'PATCH';
    const body = method === 'POST' ? cmBody('qp') : isPatch ? '{"data":{"x":"y"}}' : undefined;
    add('hand: query', `${method} ${p.slice(0, 100)}`, { method, path: p, body, headers: isPatch ? MERGE : body ? JSON_CT : undefined, timeoutMs: p.includes('watch=true') ? 3_000 : undefined });
  }

  // Requests at the edge of HTTP that an HTTP client would not send.
  const rq = (line: string, headers: string[] = []): string =>
    `${line}\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {{TOKEN}}\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n`;
  const rawCase = (name: string, raw: string): void => add('hand: protocol', name, { method: raw.slice(0, raw.indexOf(' ')), path: raw.slice(raw.indexOf(' ') + 1, raw.indexOf('\r\n')).slice(0, 100), raw });
  rawCase('a 64 KiB path', rq(`GET /api/v1/namespaces/${NS}/configmaps/${'a'.repeat(65_536)} HTTP/1.1`));
  rawCase('a 20 KiB header', rq(`GET /api/v1/namespaces/${NS}/configmaps/ghost HTTP/1.1`, [`X-Pad: ${'p'.repeat(20_000)}`]));
  rawCase('200 headers', rq(`GET /api/v1/namespaces/${NS}/configmaps/ghost HTTP/1.1`, Array.from({ length: 200 }, (_, i) => `X-H${i}: v`)));
  rawCase('an unknown method', rq(`FOO /api/v1/namespaces/${NS}/configmaps HTTP/1.1`));
  rawCase('CONNECT on a resource path', rq(`CONNECT /api/v1/namespaces/${NS}/configmaps HTTP/1.1`));
  rawCase('HTTP/1.0 GET of a missing object', rq(`GET /api/v1/namespaces/${NS}/configmaps/ghost HTTP/1.0`));
  rawCase('absolute-form request target', rq(`GET https://127.0.0.1/api/v1/namespaces/${NS}/configmaps/ghost HTTP/1.1`));

  // Authentication on hostile requests.
  add('hand: auth', 'no token, bad JSON', { method: 'POST', path: base.configmaps, body: '{', headers: JSON_CT, noAuth: true });
  add('hand: auth', 'empty bearer', { method: 'GET', path: base.configmaps, noAuth: true, headers: { Authorization: 'Bearer ' } });
  add('hand: auth', 'bearer with spaces', { method: 'GET', path: base.configmaps, noAuth: true, headers: { Authorization: 'Bearer a b c' } });
  add('hand: auth', 'huge bearer', { method: 'GET', path: base.configmaps, noAuth: true, headers: { Authorization: `Bearer ${'t'.repeat(8000)}` } });
  add('hand: auth', 'token as a query parameter', { method: 'GET', path: `${base.configmaps}?access_token=nope`, noAuth: true });
  add('hand: auth', 'no token on watch', { method: 'GET', path: `${base.configmaps}?watch=true`, noAuth: true });
  add('hand: auth', 'no token on exec upgrade path', { method: 'POST', path: `${base.pods}/pod/exec?command=sh`, noAuth: true });
  add('hand: auth', 'Impersonate-User without token', { method: 'GET', path: base.secrets, noAuth: true, headers: { 'Impersonate-User': 'admin', 'Impersonate-Group': 'system:masters' } });
  add('hand: auth', 'X-Remote-User without token', { method: 'GET', path: base.secrets, noAuth: true, headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' } });

  // Subresources with bad bodies.
  add('hand: subresources', 'binding without target', { method: 'POST', path: `${base.pods}/pod/binding`, body: '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"pod"}}', headers: JSON_CT });
  add('hand: subresources', 'binding with a mismatched name', { method: 'POST', path: `${base.pods}/pod/binding`, body: '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"other"},"target":{"name":"n"}}', headers: JSON_CT });
  add('hand: subresources', 'binding target as a string', { method: 'POST', path: `${base.pods}/pod/binding`, body: '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"pod"},"target":"n"}', headers: JSON_CT });
  add('hand: subresources', 'binding target name as a number', { method: 'POST', path: `${base.pods}/pod/binding`, body: '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"pod"},"target":{"name":5}}', headers: JSON_CT });
  add('hand: subresources', 'binding of a missing pod', { method: 'POST', path: `${base.pods}/ghost/binding`, body: '{"target":{"name":"n"}}', headers: JSON_CT });
  add('hand: subresources', 'binding as an array', { method: 'POST', path: `${base.pods}/pod/binding`, body: '[]', headers: JSON_CT });
  add('hand: subresources', 'scale with replicas as a string', { method: 'PUT', path: `${base.deployments}/dep/scale`, body: '{"spec":{"replicas":"3"}}', headers: JSON_CT });
  add('hand: subresources', 'scale with replicas 1.5', { method: 'PATCH', path: `${base.deployments}/dep/scale`, body: '{"spec":{"replicas":1.5}}', headers: MERGE });
  add('hand: subresources', 'scale with spec as an array', { method: 'PUT', path: `${base.deployments}/dep/scale`, body: '{"spec":[]}', headers: JSON_CT });
  add('hand: subresources', 'scale with a json patch that is an object', { method: 'PATCH', path: `${base.deployments}/dep/scale`, body: '{"op":"replace"}', headers: JSONPATCH });
  add('hand: subresources', 'scale with bad JSON', { method: 'PUT', path: `${base.deployments}/dep/scale`, body: '{"spec":', headers: JSON_CT });
  add('hand: subresources', 'scale apply', { method: 'PATCH', path: `${base.deployments}/dep/scale?fieldManager=x`, body: '{"spec":{"replicas":2}}', headers: APPLY });
  add('hand: subresources', 'scale with a replicas overflow', { method: 'PATCH', path: `${base.deployments}/dep/scale`, body: '{"spec":{"replicas":1e400}}', headers: MERGE });
  add('hand: subresources', 'scale with an old resourceVersion type', { method: 'PUT', path: `${base.deployments}/dep/scale`, body: '{"metadata":{"resourceVersion":5},"spec":{"replicas":2}}', headers: JSON_CT });
  add('hand: subresources', 'scale of a missing deployment', { method: 'GET', path: `${base.deployments}/ghost/scale` });
  add('hand: subresources', 'log with a bogus container', { method: 'GET', path: `${base.pods}/pod/log?container=nope` });
  add('hand: subresources', 'log with tailLines=abc', { method: 'GET', path: `${base.pods}/pod/log?tailLines=abc` });
  add('hand: subresources', 'exec', { method: 'POST', path: `${base.pods}/pod/exec?command=sh&stdin=true&tty=true` });
  add('hand: subresources', 'attach', { method: 'POST', path: `${base.pods}/pod/attach` });
  add('hand: subresources', 'portforward', { method: 'POST', path: `${base.pods}/pod/portforward?ports=80` });
  add('hand: subresources', 'status PUT with bad JSON', { method: 'PUT', path: `${base.pods}/pod/status`, body: '{"status":', headers: JSON_CT });
  add('hand: subresources', 'status PUT with status as a string', { method: 'PUT', path: `${base.pods}/pod/status`, body: '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod"},"status":"Running"}', headers: JSON_CT });
  add('hand: subresources', 'status PUT with phase as a number', { method: 'PUT', path: `${base.pods}/pod/status`, body: '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod"},"status":{"phase":5}}', headers: JSON_CT });
  add('hand: subresources', 'finalize with finalizers as a string', { method: 'PUT', path: `/api/v1/namespaces/${NS}/finalize`, body: '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"fuzz"},"spec":{"finalizers":"kubernetes"}}', headers: JSON_CT });
  add('hand: subresources', 'finalize with another name', { method: 'PUT', path: `/api/v1/namespaces/${NS}/finalize`, body: '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"other"},"spec":{"finalizers":[]}}', headers: JSON_CT });

  // DeleteOptions bodies.
  for (const [label, body] of [
    ['bad JSON', '{'],
    ['an array', '[]'],
    ['gracePeriodSeconds as a string', '{"gracePeriodSeconds":"abc"}'],
    ['gracePeriodSeconds 1.5', '{"gracePeriodSeconds":1.5}'],
    ['propagationPolicy as a number', '{"propagationPolicy":5}'],
    ['propagationPolicy bogus', '{"propagationPolicy":"Bogus"}'],
    ['preconditions as a string', '{"preconditions":"x"}'],
    ['preconditions.uid as a number', '{"preconditions":{"uid":5}}'],
    ['preconditions uid mismatch', '{"preconditions":{"uid":"nope"}}'],
    ['preconditions resourceVersion mismatch', '{"preconditions":{"resourceVersion":"1"}}'],
    ['dryRun as a string', '{"dryRun":"All"}'],
    ['dryRun bogus', '{"dryRun":["Bogus"]}'],
    ['orphanDependents as a string', '{"orphanDependents":"yes"}'],
    ['orphanDependents with propagationPolicy', '{"orphanDependents":true,"propagationPolicy":"Background"}'],
    ['kind mismatch', '{"kind":"Pod","apiVersion":"v1"}'],
  ] as const) {
    add('hand: delete options', `DELETE cm with ${label}`, { method: 'DELETE', path: `${base.configmaps}/cm`, body, headers: JSON_CT });
    // Preconditions apply per object: with nothing selected, a mismatch is not an error.
    if (!label.includes('mismatch')) add('hand: delete options', `deletecollection with ${label}`, { method: 'DELETE', path: `${base.configmaps}?labelSelector=none%3Dnone`, body, headers: JSON_CT });
  }
  return out;
}

// ------------------------------------------------------------------ generated cases

function generated(): Case[] {
  const r = prng(SEED);
  const out: Case[] = [];

  // 1. Broken JSON derived from valid objects.
  const breakers: Array<(s: string) => string> = [
    (s) => s.slice(0, 1 + r.int(s.length - 2)),
    (s) => {
      const i = r.int(s.length);
      return s.slice(0, i) + r.pick(['{', '}', '[', ']', ',', ':', '"', '\\', '\u0000', '\n{', '}}', 'tru', 'nul']) + s.slice(i);
    },
    (s) => s.replace(/"/g, (m) => (r.chance(0.15) ? "'" : m)),
    (s) => s.replace(/:/, '::'),
    (s) => s.replace(/,/g, (m) => (r.chance(0.3) ? ',,' : m)),
    (s) => s.replace(/}$/, ',}'),
    (s) => s.replace(/"([a-zA-Z]+)":/, '$1:'),
    (s) => s + r.pick(['x', '}', ']', ' garbage', '{}']),
    (s) => r.pick(['\u0000', '\ufffe', '\u2028']) + s.slice(1),
  ];
  for (let i = 0; i < 150; i++) {
    const coll = r.pick(COLLECTIONS);
    const valid = JSON.stringify(validFor(coll, `bj-${i}`));
    let broken = valid;
    for (let tries = 0; tries < 10; tries++) {
      broken = r.pick(breakers)(valid);
      try {
        JSON.parse(broken);
      } catch {
        break;
      }
    }
    try {
      JSON.parse(broken);
      continue; // still valid: not a broken-JSON case
    } catch {
      // broken, as wanted
    }
    const target = r.chance(0.3) ? TARGETS.find((t) => t.coll === coll) : undefined;
    out.push(
      target
        ? { cat: 'gen: broken JSON', name: `PUT ${coll} #${i}`, method: 'PUT', path: target.path, body: broken, headers: JSON_CT }
        : { cat: 'gen: broken JSON', name: `POST ${coll} #${i}`, method: 'POST', path: base[coll], body: broken, headers: r.chance(0.2) ? {} : JSON_CT },
    );
  }

  // 2. Wrong types in every metadata field.
  const wrongValues: Record<string, unknown[]> = {
    string: [42, true, [], {}, ['a'], { a: 1 }, 1.5, -1],
    map: [[], 'str', 42, true, ['a', 'b'], { a: 1 }, { a: { b: 'c' } }, { a: ['x'] }, { a: true }, { a: 1.5 }],
    list: ['str', 42, {}, true, [1], [[]], [{ a: 1 }]],
    int: ['str', [], {}, true, 1.5, '1'],
    ownerRefs: ['str', 42, {}, [1], ['x'], [{}], [{ apiVersion: 'v1' }], [{ apiVersion: 'v1', kind: 'X', name: 'n', uid: 5 }]],
    metadata: ['str', 42, [], true, [{}]],
  };
  const fields: Array<[string, keyof typeof wrongValues]> = [
    ['name', 'string'],
    ['generateName', 'string'],
    ['namespace', 'string'],
    ['labels', 'map'],
    ['annotations', 'map'],
    ['finalizers', 'list'],
    ['ownerReferences', 'ownerRefs'],
    ['resourceVersion', 'string'],
    ['uid', 'string'],
    ['creationTimestamp', 'string'],
    ['deletionTimestamp', 'string'],
    ['deletionGracePeriodSeconds', 'int'],
    ['generation', 'int'],
    ['managedFields', 'list'],
    ['selfLink', 'string'],
  ];
  for (const [field, kind] of fields) {
    for (const value of wrongValues[kind]) {
      for (let k = 0; k < 2; k++) {
        const coll = r.pick(COLLECTIONS);
        const obj = validFor(coll, `wt-${out.length}`);
        if (field === 'name') delete obj.metadata.name;
        obj.metadata[field] = value;
        if (field === 'generateName') delete obj.metadata.name;
        const put = k === 1 && coll !== 'namespaces' ? TARGETS.find((t) => t.coll === coll) : undefined;
        if (put) obj.metadata.name = field === 'name' ? value : put.name;
        out.push({
          cat: 'gen: metadata types',
          name: `${put ? 'PUT' : 'POST'} ${coll} metadata.${field} = ${JSON.stringify(value)}`,
          method: put ? 'PUT' : 'POST',
          path: put ? put.path : base[coll],
          body: JSON.stringify(obj),
          headers: JSON_CT,
        });
      }
    }
  }
  for (const value of wrongValues.metadata) {
    for (const coll of COLLECTIONS) {
      out.push({ cat: 'gen: metadata types', name: `POST ${coll} metadata = ${JSON.stringify(value)}`, method: 'POST', path: base[coll], body: JSON.stringify({ ...validFor(coll, 'x'), metadata: value }), headers: JSON_CT });
    }
  }
  // Namespaces with slashes and other path characters in the body.
  for (const ns of ['a/b', '../kube-system', 'fuzz/../default', '/', '%2F', 'fuzz\u0000', 'FUZZ', '']) {
    const coll = r.pick(COLLECTIONS.filter((x) => x !== 'namespaces'));
    const obj = validFor(coll, `nsb-${out.length}`);
    obj.metadata.namespace = ns;
    if (ns === '') continue; // an empty namespace in the body means "the request's": valid
    out.push({ cat: 'gen: metadata types', name: `POST ${coll} metadata.namespace = ${JSON.stringify(ns)}`, method: 'POST', path: base[coll], body: JSON.stringify(obj), headers: JSON_CT });
  }

  // 3. Invalid names, for every collection.
  const badNames = ['UPPER', 'a'.repeat(300), 'a/b', '-lead', 'trail-', 'a_b', 'a b', '..', '.', 'ünï', 'a%2Fb', 'a\u0000b', 'a\nb', '*', 'a:b', ' ', 'a\\b', '😀'];
  for (const coll of COLLECTIONS) {
    for (const name of badNames) {
      out.push({ cat: 'gen: invalid names', name: `POST ${coll} name ${JSON.stringify(name.slice(0, 20))}`, method: 'POST', path: base[coll], body: JSON.stringify(validFor(coll, name)), headers: JSON_CT });
    }
    for (const name of ['UPPER', 'a'.repeat(300), 'a b', '%2F', 'ünï']) {
      out.push({ cat: 'gen: invalid names', name: `generateName ${coll} ${JSON.stringify(name.slice(0, 20))}`, method: 'POST', path: base[coll], body: JSON.stringify({ ...validFor(coll, ''), metadata: { generateName: name } }), headers: JSON_CT });
    }
  }
  for (const name of ['a'.repeat(64)]) {
    for (const coll of ['services', 'namespaces'] as const) {
      out.push({ cat: 'gen: invalid names', name: `POST ${coll} 64-char DNS label`, method: 'POST', path: base[coll], body: JSON.stringify(validFor(coll, name)), headers: JSON_CT });
    }
  }

  // 4. Content types that are not JSON or YAML.
  const badTypes = [
    'text/plain',
    'application/xml',
    'text/xml',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'application/octet-stream',
    'image/png',
    'application/vnd.kubernetes.protobuf',
    'application/vnd.kubernetes.protobuf;stream=watch',
    'application/json-seq',
    'application/jsonx',
    'json',
    'application/',
    ';;;',
    'application/x-protobuf',
    'text/html; charset=utf-8',
  ];
  for (const ct of badTypes) {
    const coll = r.pick(COLLECTIONS);
    const body = JSON.stringify(validFor(coll, `ct-${out.length}`));
    out.push({ cat: 'gen: content types', name: `POST ${coll} as ${ct}`, method: 'POST', path: base[coll], body, headers: { 'Content-Type': ct } });
    const t = r.pick(TARGETS);
    out.push({ cat: 'gen: content types', name: `PUT ${t.coll} as ${ct}`, method: 'PUT', path: t.path, body: JSON.stringify(validFor(t.coll, t.name)), headers: { 'Content-Type': ct } });
    out.push({ cat: 'gen: content types', name: `PATCH ${t.coll} as ${ct}`, method: 'PATCH', path: t.path, body: '{"metadata":{"labels":{"x":"y"}}}', headers: { 'Content-Type': ct } });
  }
  for (const ct of ['application/json', 'application/yaml', '', 'application/json; charset=utf-8', '*/*']) {
    const t = r.pick(TARGETS);
    out.push({ cat: 'gen: content types', name: `PATCH ${t.coll} as ${JSON.stringify(ct)}`, method: 'PATCH', path: t.path, body: '{"metadata":{"labels":{"x":"y"}}}', headers: ct ? { 'Content-Type': ct } : {} });
  }
  for (const ct of ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']) {
    const coll = r.pick(COLLECTIONS);
    out.push({ cat: 'gen: content types', name: `POST ${coll} as ${ct}`, method: 'POST', path: base[coll], body: JSON.stringify(validFor(coll, `pct-${out.length}`)), headers: { 'Content-Type': ct } });
    const t = r.pick(TARGETS);
    out.push({ cat: 'gen: content types', name: `PUT ${t.coll} as ${ct}`, method: 'PUT', path: t.path, body: JSON.stringify(validFor(t.coll, t.name)), headers: { 'Content-Type': ct } });
  }

  // 5. Bad patches of every type, against every target. Each one is an
  //    error in Kubernetes too: a malformed patch, or a patched object that
  //    fails decoding (wrong types), naming (name/namespace/kind mismatch),
  //    preconditions (uid, resourceVersion) or validation.
  const jsonPatches = [
    '{}',
    '[1]',
    '[{}]',
    '"op"',
    '[{"op":"bogus","path":"/a"}]',
    '[{"op":"add"}]',
    '[{"op":"add","path":"no-slash","value":1}]',
    '[{"op":"add","path":5,"value":1}]',
    '[{"op":"remove","path":"/metadata/name"}]',
    '[{"op":"remove","path":"/metadata"}]',
    '[{"op":"remove","path":""}]',
    '[{"op":"replace","path":"","value":[]}]',
    '[{"op":"replace","path":"","value":"str"}]',
    '[{"op":"replace","path":"","value":null}]',
    '[{"op":"move","from":"/nope","path":"/a"}]',
    '[{"op":"move","from":"/metadata","path":"/metadata/labels"}]',
    '[{"op":"copy","from":"/nope/deeper","path":"/x"}]',
    '[{"op":"test","path":"/metadata/name","value":"wrong"}]',
    '[{"op":"add","path":"/metadata/labels/~2","value":"x"}]',
    '[{"op":"add","path":"/metadata/annotations/a~","value":"x"}]',
    '[{"op":"add","path":"/spec/template/spec/containers/99/image","value":"x"}]',
    '[{"op":"add","path":"/spec/containers/-1","value":{}}]',
    '[{"op":"replace","path":"/kind","value":"Other"}]',
    '[{"op":"replace","path":"/apiVersion","value":"v9"}]',
    '[{"op":"replace","path":"/metadata/uid","value":"00000000-0000-0000-0000-000000000000"}]',
    '[{"op":"replace","path":"/metadata/namespace","value":"default"}]',
    '[{"op":"replace","path":"/metadata/name","value":"other"}]',
    '[{"op":"replace","path":"/metadata/resourceVersion","value":"1"}]',
    '[{"op":"add","path":"/metadata/labels","value":"str"}]',
    '[{"op":"add","path":"/metadata/labels","value":{"bad key!":"v"}}]',
    '[{"op":"add","path":"/metadata/finalizers","value":[1]}]',
    '[{"op":"add","path":"/__proto__/polluted","value":true}]',
    '[{"op":"add","path":"/constructor/prototype/polluted","value":true}]',
    '[{"op":"add","path":"/metadata/labels/__proto__","value":{"polluted":"yes"}}]',
    '[{"op":"add","path":"/status","value":"x"}, {"op":"add","path":"/metadata/name","value":5}]',
  ];
  /** Merge or strategic merge patches that are wrong for any kind. */
  const genericPatches = [
    '[]',
    '"str"',
    '42',
    'null',
    '{"',
    '{"metadata":"x"}',
    '{"metadata":null}',
    '{"metadata":{"labels":"x"}}',
    '{"metadata":{"labels":{"bad key!":"v"}}}',
    '{"metadata":{"labels":{"a":5}}}',
    '{"metadata":{"annotations":[]}}',
    '{"metadata":{"finalizers":"x"}}',
    '{"metadata":{"finalizers":[5]}}',
    '{"metadata":{"ownerReferences":[{}]}}',
    '{"metadata":{"name":"other"}}',
    '{"metadata":{"name":5}}',
    '{"metadata":{"namespace":"default"}}',
    '{"metadata":{"uid":"00000000-0000-0000-0000-000000000000"}}',
    '{"metadata":{"resourceVersion":"1"}}',
    '{"metadata":{"resourceVersion":5}}',
    '{"kind":"Other"}',
    '{"kind":5}',
    '{"apiVersion":"x/v9"}',
  ];
  /** Per kind: [patch, strategic only?]. */
  const kindPatches: Record<string, Array<[string, boolean?]>> = {
    deployments: [
      ['{"spec":{"replicas":"abc"}}'],
      ['{"spec":{"replicas":-1}}'],
      ['{"spec":{"template":null}}'],
      ['{"spec":null}'],
      ['{"spec":{"selector":null}}'],
      ['{"spec":{"strategy":{"type":"Bogus"}}}'],
      ['{"spec":{"template":{"spec":{"containers":"x"}}}}'],
      ['{"spec":{"template":{"spec":{"containers":[{"name":"web","image":5}]}}}}'],
      ['{"spec":{"template":{"spec":{"containers":null}}}}'],
      ['{"spec":{"template":{"spec":{"$setElementOrder/containers":"x"}}}}', true],
      ['{"spec":{"template":{"spec":{"containers":[{"$patch":"delete"}]}}}}', true],
      ['{"spec":{"template":{"spec":{"containers":[{"image":"no-name"}]}}}}', true],
      ['{"$patch":"bogus"}', true],
      ['{"$patch":"delete"}', true],
      ['{"spec":{"$retainKeys":"x"}}', true],
      ['{"metadata":{"$deleteFromPrimitiveList/finalizers":"x"}}', true],
    ],
    pods: [
      ['{"spec":{"containers":"x"}}'],
      ['{"spec":{"containers":[{"name":"main","image":5}]}}'],
      ['{"spec":{"containers":null}}'],
      ['{"spec":{"restartPolicy":"Never"}}'],
      ['{"spec":{"nodeName":5}}'],
      ['{"spec":null}'],
      ['{"spec":{"containers":[{"image":"no-name"}]}}', true],
      ['{"spec":{"$setElementOrder/containers":[1,2]}}', true],
      ['{"$patch":"delete"}', true],
    ],
    services: [
      ['{"spec":{"ports":[{"port":"eighty"}]}}'],
      ['{"spec":{"ports":[{"port":70000}]}}'],
      ['{"spec":{"type":"Bogus"}}'],
      ['{"spec":{"ports":null}}'],
      ['{"spec":null}'],
      ['{"spec":{"ports":[{"$patch":"delete"}]}}', true],
      ['{"$patch":"delete"}', true],
    ],
    configmaps: [['{"data":{"k":5}}'], ['{"data":"str"}'], ['{"data":{"bad key!":"v"}}'], ['{"binaryData":{"k":"not base64!"}}'], ['{"immutable":"yes"}']],
    secrets: [['{"data":{"k":5}}'], ['{"data":{"a":"not base64!"}}'], ['{"stringData":{"k":5}}'], ['{"data":"str"}'], ['{"type":"kubernetes.io/tls"}']],
  };
  const applyBodies = (t: { coll: Coll; name: string }): string[] => {
    const { apiVersion, kind } = validFor(t.coll, t.name);
    const head = `apiVersion: ${apiVersion}\nkind: ${kind}\n`;
    return [
      '{{{{',
      `apiVersion: ${apiVersion}\n\tkind: ${kind}`,
      '- a\n- b',
      `apiVersion: ${apiVersion}`,
      `kind: ${kind}`,
      `apiVersion: ${apiVersion}\nkind: Other\nmetadata:\n  name: ${t.name}`,
      `${head}metadata:\n  name: other`,
      `${head}metadata:\n  name: ${t.name}\n  namespace: default`,
      `${head}metadata: str`,
      `${head}metadata:\n  name: ${t.name}\n  labels: [a]`,
      `${head}metadata:\n  name: ${t.name}\n  labels:\n    a: {b: c}`,
      `${head}metadata:\n  name: ${t.name}\n  resourceVersion: "1"`,
      `${head}metadata:\n  name: ${t.name}\n  uid: nope`,
      '"just a string"',
      '42',
      'null',
      '&a [*a]',
      `apiVersion: !!binary AAAA\nkind: ${kind}`,
    ];
  };
  for (const t of TARGETS) {
    for (const p of jsonPatches) out.push({ cat: 'gen: bad patches', name: `json-patch ${t.coll} ${p.slice(0, 60)}`, method: 'PATCH', path: t.path, body: p, headers: JSONPATCH });
    for (const p of genericPatches) {
      const strategic = r.chance(0.5);
      out.push({ cat: 'gen: bad patches', name: `${strategic ? 'strategic' : 'merge'} ${t.coll} ${p.slice(0, 60)}`, method: 'PATCH', path: t.path, body: p, headers: strategic ? SMP : MERGE });
    }
    for (const [p, strategicOnly] of kindPatches[t.coll] ?? []) {
      const strategic = strategicOnly || r.chance(0.5);
      out.push({ cat: 'gen: bad patches', name: `${strategic ? 'strategic' : 'merge'} ${t.coll} ${p.slice(0, 60)}`, method: 'PATCH', path: t.path, body: p, headers: strategic ? SMP : MERGE });
    }
    for (const p of applyBodies(t)) out.push({ cat: 'gen: bad patches', name: `apply ${t.coll} ${p.replace(/\n/g, '⏎').slice(0, 60)}`, method: 'PATCH', path: `${t.path}?fieldManager=fuzz`, body: p, headers: APPLY });
    out.push({ cat: 'gen: bad patches', name: `apply ${t.coll} without fieldManager`, method: 'PATCH', path: t.path, body: JSON.stringify(validFor(t.coll, t.name)), headers: APPLY });
    for (const h of [JSONPATCH, MERGE, SMP, APPLY]) out.push({ cat: 'gen: bad patches', name: `empty ${h['Content-Type']} on ${t.coll}`, method: 'PATCH', path: `${t.path}?fieldManager=fuzz`, headers: h });
  }
  // Patches of objects that do not exist.
  for (const h of [JSONPATCH, MERGE, SMP]) {
    const coll = r.pick(TARGETS).coll;
    out.push({ cat: 'gen: bad patches', name: `${h['Content-Type']} on a missing ${coll}`, method: 'PATCH', path: `${base[coll]}/ghost`, body: h === JSONPATCH ? '[]' : '{}', headers: h });
  }

  // 6. Bogus query parameters, randomly combined.
  const bogus = [
    'limit=-1',
    'limit=abc',
    'limit=1.5',
    'limit=-0.5',
    'resourceVersion=xyz',
    'resourceVersion=-3',
    'continue=garbage',
    'continue=%3D%3D%3D',
    'labelSelector=a%20in%20(',
    'labelSelector=!!a',
    'labelSelector=a%3D%3D%3Db',
    'labelSelector=%3Dx',
    'fieldSelector=spec.foo%3Dx',
    'fieldSelector=x',
    'fieldSelector=metadata.name%3D%3D%3Da',
    'timeoutSeconds=abc',
    'resourceVersionMatch=Bogus',
  ];
  // Watches ignore limit and continue (in kube too): only the rest make a watch request bad.
  const bogusForWatch = bogus.filter((q) => !q.startsWith('limit=-1') && !q.startsWith('continue='));
  for (let i = 0; i < 120; i++) {
    const coll = r.pick(COLLECTIONS);
    const watch = r.chance(0.3);
    const pool = watch ? bogusForWatch : bogus;
    const parts = [r.pick(pool)];
    if (r.chance(0.5)) parts.push(r.pick(['limit=5', 'timeoutSeconds=1', 'resourceVersion=0', 'labelSelector=a%3Db', r.pick(pool)]));
    if (watch) parts.push(r.pick(['watch=true', 'watch=1']), ...(r.chance(0.5) ? ['allowWatchBookmarks=true'] : []));
    const path = `${r.chance(0.3) && coll !== 'namespaces' ? `/api/v1/${coll}`.replace('/api/v1/deployments', '/apis/apps/v1/deployments') : base[coll]}?${parts.join('&')}`;
    out.push({ cat: 'gen: query', name: `GET ${path}`, method: 'GET', path, timeoutMs: watch ? 3_000 : 5_000 });
  }
  for (let i = 0; i < 40; i++) {
    const t = r.pick(TARGETS);
    const q = r.pick(['gracePeriodSeconds=abc', 'gracePeriodSeconds=1.5', 'propagationPolicy=Sideways', 'dryRun=Yes', 'dryRun=all', 'propagationPolicy=', 'gracePeriodSeconds=']);
    if (q.endsWith('=')) continue; // empty values mean "not set" in kube
    out.push({ cat: 'gen: query', name: `DELETE ${t.coll}?${q}`, method: 'DELETE', path: `${t.path}?${q}` });
  }

  // 7. Wrong methods on random paths.
  const allPaths = [...Object.values(base), ...TARGETS.map((t) => t.path), '/api', '/apis', '/api/v1', '/apis/apps/v1', '/version', '/healthz', '/openapi/v2'];
  const wrong: Record<string, string[]> = {};
  for (const p of Object.values(base)) wrong[p] = ['PUT', 'PATCH'];
  for (const t of TARGETS) wrong[t.path] = ['POST'];
  for (const p of ['/api', '/apis', '/api/v1', '/apis/apps/v1', '/version', '/healthz', '/openapi/v2']) wrong[p] = ['POST', 'PUT', 'PATCH', 'DELETE'];
  for (let i = 0; i < 50; i++) {
    const p = r.pick(allPaths);
    const method = r.pick(wrong[p]);
    out.push({ cat: 'gen: methods', name: `${method} ${p}`, method, path: p, body: '{"a":1}', headers: method === 'PATCH' ? MERGE : JSON_CT });
  }

  // 8. Random header combinations on requests that are malformed anyway.
  const acceptValues = [TABLE_ACCEPT, 'application/vnd.kubernetes.protobuf', 'application/vnd.kubernetes.protobuf,application/json', 'application/xml', '*/*', 'text/html', '', ';;;', 'application/json;q=abc', 'application/json;as=Table;g=meta.k8s.io;v=v9', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'];
  const extras: Array<() => Record<string, string>> = [
    () => ({ Accept: r.pick(acceptValues) }),
    () => ({ 'Content-Encoding': r.pick(['gzip', 'br', 'deflate', 'garbage']) }),
    () => ({ 'Accept-Encoding': r.pick(['gzip', 'br', '*', 'identity;q=0']) }),
    () => ({ 'X-Forwarded-For': '10.0.0.1, 127.0.0.1' }),
    () => ({ 'Impersonate-User': 'system:admin', 'Impersonate-Group': 'system:masters' }),
    () => ({ 'X-Remote-User': 'admin' }),
    () => ({ 'X-HTTP-Method-Override': r.pick(['DELETE', 'PUT', 'GET']) }),
    () => ({ Connection: r.pick(['close', 'keep-alive']) }),
    () => ({ Expect: '100-continue' }),
    () => ({ 'User-Agent': 'u'.repeat(r.pick([1, 100, 8000])) }),
    () => ({ Cookie: 'session=x; token=y' }),
    () => ({ Range: 'bytes=0-10' }),
    () => ({ 'If-None-Match': '"abc"', 'If-Modified-Since': 'yesterday' }),
    () => ({ 'X-Kubernetes-PF-FlowSchema-UID': 'x', 'Audit-Id': 'a'.repeat(200) }),
    () => ({ 'Kubectl-Command': 'kubectl delete', 'Kubectl-Session': 'not-a-uuid' }),
    () => ({ Authorization: r.pick(['Bearer ', 'Bearer nope', 'Basic YWRtaW46YWRtaW4=', 'Token x', 'bearer']) }),
    () => ({ Origin: 'https://evil.example', 'Access-Control-Request-Method': 'DELETE' }),
    () => ({ Host: r.pick(['evil.example', 'localhost:1', '[::1]']) }),
  ];
  const seeds = out.filter((x) => x.cat !== 'gen: query' && !x.name.includes('without fieldManager') && x.body !== undefined && x.body.length < 50_000);
  for (let i = 0; i < 180; i++) {
    const base0 = r.pick(seeds);
    let headers = { ...(base0.headers ?? {}) };
    const n = 1 + r.int(3);
    for (let j = 0; j < n; j++) headers = { ...headers, ...r.pick(extras)() };
    out.push({ ...base0, cat: 'gen: header combos', name: `${base0.name} + ${Object.keys(headers).join(',')}`, headers, chunked: r.chance(0.25) });
  }
  return out;
}

// ------------------------------------------------------------------ running

function describeCase(k: Case): string {
  const ct = k.headers?.['Content-Type'] ?? k.headers?.['content-type'];
  return `[${k.cat}] ${k.name.slice(0, 140)} (${k.method} ${k.path.slice(0, 120)}${ct ? `, ${ct}` : ''})`;
}

async function runOne(target: Target, k: Case): Promise<Outcome> {
  const t0 = Date.now();
  try {
    const reply = k.raw
      ? await rawExchange(target, k.raw.replace('{{TOKEN}}', target.adminToken ?? ''), k.timeoutMs ?? 10_000)
      : await rawRequest(target, { method: k.method, path: k.path, body: k.body, headers: k.headers, noAuth: k.noAuth, chunked: k.chunked, timeoutMs: k.timeoutMs ?? 10_000 });
    const o: Outcome = { c: k, status: reply.status, reason: reply.body?.reason, ms: Date.now() - t0 };
    if (reply.status < 400 || reply.status > 499) {
      o.problem = `HTTP ${reply.status}: ${reply.text.slice(0, 300)}`;
    } else {
      const p = statusProblem(reply.status, reply.body);
      if (p) o.problem = `HTTP ${reply.status} without a proper Status (${p}): ${JSON.stringify(reply.text.slice(0, 200))} content-type=${reply.headers['content-type'] ?? '-'}`;
    }
    return o;
  } catch (err) {
    const kind = err instanceof TransportError ? err.kind : 'error';
    return { c: k, problem: `${kind}: ${(err as Error).message}`, ms: Date.now() - t0 };
  }
}

/** The target object a case writes to, if any (its results then depend on that object's state). */
function targetOf(k: Case): (typeof TARGETS)[number] | undefined {
  if (k.method === 'GET' || k.raw) return undefined;
  return TARGETS.find((t) => k.path === t.path || k.path.startsWith(`${t.path}?`) || k.path.startsWith(`${t.path}/`));
}

/** resourceVersion of each target right after it was last (re-)created, per server. */
const pristine = new WeakMap<Target, Map<string, string>>();

/**
 * Put a target back as it was created, unless it is untouched since: drop
 * finalizers, delete it, wait until it is gone, create it again.
 */
async function resetTarget(target: Target, t: (typeof TARGETS)[number]): Promise<void> {
  const known = pristine.get(target) ?? new Map<string, string>();
  pristine.set(target, known);
  const now = await rawRequest(target, { method: 'GET', path: t.path });
  if (now.status === 200 && !now.body?.metadata?.deletionTimestamp && known.get(t.path) === now.body?.metadata?.resourceVersion) return;
  if (now.status !== 404) {
    await rawRequest(target, { method: 'PATCH', path: t.path, body: '{"metadata":{"finalizers":null}}', headers: MERGE });
    await rawRequest(target, { method: 'DELETE', path: `${t.path}?gracePeriodSeconds=0` });
    await eventually(`${t.path} is gone`, async () => (await rawRequest(target, { method: 'GET', path: t.path })).status === 404, 10_000, 20);
  }
  const r = await rawRequest(target, { method: 'POST', path: base[t.coll], body: validFor(t.coll, t.name) });
  if (r.status !== 201) throw new Error(`re-creating ${t.path} → ${r.status} ${r.text}`);
  known.set(t.path, r.body.metadata.resourceVersion);
}

/** The fuzz namespace must still be there and Active, or every later result means nothing. */
async function checkNamespace(target: Target): Promise<void> {
  const ns = await rawRequest(target, { method: 'GET', path: `${base.namespaces}/${NS}` });
  if (ns.status !== 200 || ns.body?.metadata?.deletionTimestamp) throw new Error(`the ${NS} namespace is gone or terminating: ${ns.status} ${ns.text.slice(0, 300)}`);
}

/**
 * Cases that only read, or create new objects, run CONCURRENCY at a time;
 * cases that write to a target run one at a time, each against a freshly
 * re-created target, so every run gives the same answers.
 */
async function runAll(target: Target, cases: Case[]): Promise<Outcome[]> {
  await checkNamespace(target);
  const results: Outcome[] = new Array(cases.length);
  const shared = cases.map((k, i) => i).filter((i) => !targetOf(cases[i]));
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < shared.length) {
        const i = shared[next++];
        results[i] = await runOne(target, cases[i]);
      }
    }),
  );
  for (let i = 0; i < cases.length; i++) {
    const t = targetOf(cases[i]);
    if (!t) continue;
    await resetTarget(target, t);
    results[i] = await runOne(target, cases[i]);
  }
  await checkNamespace(target);
  outcomes.push(...results);
  return results;
}

interface ChildServer {
  target: Target;
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stderr(): string;
  /** Ends stdin; resolves with the child's close() verdict (undefined if it died). */
  close(): Promise<{ closed: boolean; error?: string } | undefined>;
}

/** The control plane in a child process (child-server.ts), ready to take requests. */
function startChild(): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'child-server.ts')], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitedP = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-20_000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child server did not start within 30 s: ${err}`));
    }, 30_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const first = out === '' || !out.includes('\n');
      out += d;
      if (first && out.includes('\n')) {
        clearTimeout(timer);
        const target = JSON.parse(out.slice(0, out.indexOf('\n'))) as Target & { dataDir: string };
        // A child that dies cannot clean up after itself.
        void exitedP.then(() => fs.rmSync(target.dataDir, { recursive: true, force: true }));
        resolve({
          target,
          exited: () => exit,
          stderr: () => err,
          async close() {
            if (exit) return undefined;
            child.stdin.end();
            const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
            await exitedP;
            clearTimeout(deadline);
            const lines = out.trim().split('\n');
            try {
              return JSON.parse(lines[lines.length - 1]) as { closed: boolean; error?: string };
            } catch {
              return undefined;
            }
          },
        });
      }
    });
    void exitedP.then(() => {
      clearTimeout(timer);
      reject(new Error(`child server exited before starting (${JSON.stringify(exit)}): ${err}`));
    });
  });
}

/**
 * Cases one at a time against a child-process server. A case that kills it
 * is marked with how it died; a fresh child takes the remaining cases.
 */
async function runIsolated(cases: Case[]): Promise<{ results: Outcome[]; closeProblems: string[] }> {
  const results: Outcome[] = [];
  const closeProblems: string[] = [];
  const seeded = async (): Promise<ChildServer> => {
    const child = await startChild();
    const ok = async (method: string, p: string, body: unknown): Promise<void> => {
      const r = await rawRequest(child.target, { method, path: p, body: body as object });
      if (r.status !== 201) throw new Error(`${method} ${p} → ${r.status} ${r.text}`);
    };
    await ok('POST', base.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    for (const t of TARGETS) await ok('POST', base[t.coll], validFor(t.coll, t.name));
    return child;
  };
  let child = await seeded();
  for (const k of cases) {
    const t = targetOf(k);
    if (t) await resetTarget(child.target, t);
    const o = await runOne(child.target, k);
    // A dying process is noticed asynchronously: poll briefly for its exit after a dropped connection.
    for (let i = 0; i < 40 && !child.exited() && o.problem && !o.status; i++) await new Promise((r) => setTimeout(r, 50));
    const exit = child.exited();
    if (exit) {
      const tail = child
        .stderr()
        .split('\n')
        .filter((l) => l.trim() && !/^\s*\d+: 0x|^\[\d+:|^<---|^-----/.test(l))
        .slice(0, 2)
        .join(' | ');
      o.problem = `${o.problem ? `${o.problem}; ` : ''}the server process died (exit code ${exit.code}, signal ${exit.signal}): ${tail}`;
      child = await seeded();
    }
    results.push(o);
  }
  outcomes.push(...results);
  const verdict = await child.close();
  if (!verdict) closeProblems.push('the child server did not report its close()');
  else if (!verdict.closed) closeProblems.push(verdict.error ?? 'close() failed');
  return { results, closeProblems };
}

function report(results: Outcome[]): string {
  const bad = results.filter((o) => o.problem);
  return `${bad.length} of ${results.length} requests misbehaved:\n` + bad.slice(0, 40).map((o) => `  ${describeCase(o.c)}\n      → ${o.problem}`).join('\n') + (bad.length > 40 ? `\n  … and ${bad.length - 40} more` : '');
}

const HAND = handWritten();
const GEN = generated();
const byCat = new Map<string, Case[]>();
for (const k of [...HAND, ...GEN]) byCat.set(k.cat, [...(byCat.get(k.cat) ?? []), k]);

beforeAll(async () => {
  c = await startTestCluster();
  const ok = async (method: string, path: string, body: unknown): Promise<void> => {
    const r = await rawRequest(c!, { method, path, body: body as object });
    if (r.status !== 201) throw new Error(`${method} ${path} → ${r.status} ${r.text}`);
  };
  await ok('POST', base.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  for (const t of TARGETS) await ok('POST', base[t.coll], validFor(t.coll, t.name));
});

afterAll(async () => {
  await c?.close().catch(() => undefined);
});

describe('hostile requests all get a 4xx Status', () => {
  it(`generates at least 1,000 cases deterministically (seed ${SEED.toString(16)})`, () => {
    const total = HAND.length + GEN.length;
    expect(total).toBeGreaterThanOrEqual(1000);
    // Same seed, same cases.
    expect(generated().map(describeCase)).toEqual(GEN.map(describeCase));
    console.log(`fuzz: ${HAND.length} hand-written + ${GEN.length} generated = ${total} requests`);
  });

  for (const [cat, cases] of byCat) {
    if (ISOLATED.has(cat)) {
      it(`${cat} (${cases.length} requests, one at a time, to a server in a child process)`, async () => {
        const { results, closeProblems } = await runIsolated(cases);
        const bad = results.filter((o) => o.problem);
        expect(bad.length, report(results)).toBe(0);
        expect(closeProblems, 'the child server logged internal errors').toEqual([]);
      }, 180_000);
      continue;
    }
    it(`${cat} (${cases.length} requests)`, async () => {
      const results = await runAll(c!, cases);
      const bad = results.filter((o) => o.problem);
      expect(bad.length, report(results)).toBe(0);
    }, 180_000);
  }

  it('prints a summary of status codes', () => {
    if (process.env.FUZZ_REPORT) {
      fs.writeFileSync(process.env.FUZZ_REPORT, JSON.stringify(outcomes.filter((o) => o.problem).map((o) => ({ case: describeCase(o.c), problem: o.problem })), null, 1));
    }
    const codes = new Map<string, number>();
    for (const o of outcomes) {
      const key = o.status ? `${o.status} ${o.reason ?? ''}`.trim() : (o.problem ?? 'error').split(':')[0];
      codes.set(key, (codes.get(key) ?? 0) + 1);
    }
    const slowest = [...outcomes].sort((a, b) => b.ms - a.ms).slice(0, 5);
    const lines = [...codes.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`);
    console.log(
      `fuzz summary: ${outcomes.length} requests, ${outcomes.filter((o) => o.problem).length} misbehaved, ${((Date.now() - started) / 1000).toFixed(1)} s\n${lines.join('\n')}\n` +
        `  slowest: ${slowest.map((o) => `${o.ms} ms ${o.c.name.slice(0, 50)}`).join('; ')}`,
    );
    expect(outcomes.length).toBeGreaterThanOrEqual(1000);
  });

  it('the server still serves a normal create and get afterwards', async () => {
    const created = await rawRequest(c!, { method: 'POST', path: base.configmaps, body: configMap('after-fuzz', { data: { ok: 'yes' } }) });
    expect(created.status, created.text).toBe(201);
    const got = await rawRequest(c!, { method: 'GET', path: `${base.configmaps}/after-fuzz` });
    expect(got.status).toBe(200);
    expect(got.body.data).toEqual({ ok: 'yes' });
    // Nothing the fuzzer sent polluted prototypes in the server's process.
    expect(({} as any).polluted).toBeUndefined();
    // The targets are still readable.
    for (const t of TARGETS) expect((await rawRequest(c!, { method: 'GET', path: t.path })).status, t.path).toBe(200);
  });

  it('close() finds no internal errors in the server log', async () => {
    const cluster = c!;
    c = undefined;
    const internal = cluster.logs.filter((l) => l.startsWith('internal error') || l.startsWith('unhandled')).map((l) => l.split('\n').slice(0, 2).join(' '));
    let closeError: unknown;
    try {
      await cluster.close();
    } catch (err) {
      closeError = err;
    }
    expect(internal, `${internal.length} internal errors logged`).toEqual([]);
    expect(closeError).toBeUndefined();
  });
});
