// Pod volumes, prepared by the agent under <pod dir>/volumes/<name> and
// handed to the runtime as Mounts: emptyDir (a tmpfs for medium Memory when
// root), hostPath (with its type checks), configMap, secret, downwardAPI and
// projected (files written by the AtomicWriter and rewritten when their
// source changes). A volume that cannot be set up is a VolumeError: the pod
// waits in ContainerCreating with a FailedMount event, as in kube.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ConfigMap, Container, DownwardAPIVolumeFile, KeyToPath, Pod, ResourceList, Secret, Volume } from '../../api/generated/index.js';
import type { Mount } from '../runtime/types.js';
import { writeAtomically, type FileProjection } from './atomic-writer.js';
import { configMapData, podFieldValue, resourceFieldValue, secretData, type PodAddresses } from './env.js';
import { expand, mappingFor } from './expansion.js';
import { quantityBytes } from './quantity.js';

const run = promisify(execFile);

export class VolumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VolumeError';
  }
}

export interface VolumeSources {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  nodeAllocatable: ResourceList;
}

const DEFAULT_MODE = 0o644;

export function volumesDir(podDir: string): string {
  return path.join(podDir, 'volumes');
}

/** Names of the configMaps and secrets a pod's volumes project (to rewrite them on change). */
export function volumeReferences(pod: Pod): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) configMaps.add(s.configMap.name);
      if (s.secret?.name) secrets.add(s.secret.name);
    }
  }
  return { configMaps, secrets };
}

function keyItems(kind: 'configmap' | 'secret', name: string, data: Record<string, Buffer>, items: KeyToPath[] | undefined, mode: number, optional: boolean, out: Map<string, FileProjection>): void {
  if (!items || items.length === 0) {
    for (const [k, v] of Object.entries(data)) out.set(k, { data: v, mode });
    return;
  }
  for (const item of items) {
    const v = data[item.key];
    if (v === undefined) {
      if (optional) continue;
      throw new VolumeError(`${kind === 'configmap' ? 'configmap' : 'secret'} references non-existent ${kind === 'configmap' ? 'config' : 'secret'} key: ${item.key} (${kind} "${name}")`);
    }
    out.set(item.path, { data: v, mode: item.mode ?? mode });
  }
}

function downwardItems(pod: Pod, items: DownwardAPIVolumeFile[] | undefined, mode: number, addr: PodAddresses, allocatable: ResourceList, out: Map<string, FileProjection>): void {
  for (const item of items ?? []) {
    let value: string;
    try {
      if (item.fieldRef) value = podFieldValue(pod, item.fieldRef.fieldPath, addr, true);
      else if (item.resourceFieldRef) {
        const r = item.resourceFieldRef;
        value = resourceFieldValue(pod, r.containerName ?? '', r.resource, r.divisor, allocatable);
      } else continue;
    } catch (err) {
      throw new VolumeError(`downwardAPI ${item.path}: ${(err as Error).message}`);
    }
    out.set(item.path, { data: Buffer.from(value, 'utf8'), mode: item.mode ?? mode });
  }
}

async function projection(pod: Pod, volume: Volume, addr: PodAddresses, sources: VolumeSources): Promise<Map<string, FileProjection> | undefined> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const out = new Map<string, FileProjection>();
  if (volume.configMap) {
    const src = volume.configMap;
    const mode = src.defaultMode ?? DEFAULT_MODE;
    const cm = await sources.configMap(namespace, src.name ?? '');
    if (!cm) {
      if (src.optional) return out;
      throw new VolumeError(`configmap "${src.name}" not found`);
    }
    keyItems('configmap', src.name ?? '', configMapData(cm), src.items, mode, src.optional === true, out);
    return out;
  }
  if (volume.secret) {
    const src = volume.secret;
    const mode = src.defaultMode ?? DEFAULT_MODE;
    const secret = await sources.secret(namespace, src.secretName ?? '');
    if (!secret) {
      if (src.optional) return out;
      throw new VolumeError(`secret "${src.secretName}" not found`);
    }
    keyItems('secret', src.secretName ?? '', secretData(secret), src.items, mode, src.optional === true, out);
    return out;
  }
  if (volume.downwardAPI) {
    downwardItems(pod, volume.downwardAPI.items, volume.downwardAPI.defaultMode ?? DEFAULT_MODE, addr, sources.nodeAllocatable, out);
    return out;
  }
  if (volume.projected) {
    const mode = volume.projected.defaultMode ?? DEFAULT_MODE;
    for (const s of volume.projected.sources ?? []) {
      if (s.configMap) {
        const cm = await sources.configMap(namespace, s.configMap.name ?? '');
        if (!cm) {
          if (s.configMap.optional) continue;
          throw new VolumeError(`configmap "${s.configMap.name}" not found`);
        }
        keyItems('configmap', s.configMap.name ?? '', configMapData(cm), s.configMap.items, mode, s.configMap.optional === true, out);
      } else if (s.secret) {
        const secret = await sources.secret(namespace, s.secret.name ?? '');
        if (!secret) {
          if (s.secret.optional) continue;
          throw new VolumeError(`secret "${s.secret.name}" not found`);
        }
        keyItems('secret', s.secret.name ?? '', secretData(secret), s.secret.items, mode, s.secret.optional === true, out);
      } else if (s.downwardAPI) {
        downwardItems(pod, s.downwardAPI.items, mode, addr, sources.nodeAllocatable, out);
      }
      // serviceAccountToken: gitplane issues no service account tokens; nothing is projected.
    }
    return out;
  }
  return undefined;
}

function isMounted(dir: string): boolean {
  try {
    const mounts = fs.readFileSync('/proc/mounts', 'utf8');
    return mounts.split('\n').some((line) => line.split(' ')[1] === dir);
  } catch {
    return false;
  }
}

function mountsUnder(dir: string): string[] {
  try {
    const mounts = fs.readFileSync('/proc/mounts', 'utf8');
    return mounts
      .split('\n')
      .map((line) => line.split(' ')[1])
      .filter((p): p is string => !!p && (p === dir || p.startsWith(dir + path.sep)))
      .sort((a, b) => b.length - a.length);
  } catch {
    return [];
  }
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

async function hostPathVolume(volume: Volume): Promise<string> {
  const hp = volume.hostPath!;
  const p = hp.path;
  if (!path.isAbsolute(p)) throw new VolumeError(`hostPath ${p} must be absolute`);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(p);
  } catch {
    st = undefined;
  }
  switch (hp.type ?? '') {
    case 'DirectoryOrCreate':
      if (!st) fs.mkdirSync(p, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) throw new VolumeError(`hostPath type check failed: ${p} is not a directory`);
      break;
    case 'Directory':
      if (!st?.isDirectory()) throw new VolumeError(`hostPath type check failed: ${p} is not a directory`);
      break;
    case 'FileOrCreate':
      if (!st) {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, '', { mode: 0o644 });
      } else if (!st.isFile()) throw new VolumeError(`hostPath type check failed: ${p} is not a file`);
      break;
    case 'File':
      if (!st?.isFile()) throw new VolumeError(`hostPath type check failed: ${p} is not a file`);
      break;
    case 'Socket':
      if (!st?.isSocket()) throw new VolumeError(`hostPath type check failed: ${p} is not a socket file`);
      break;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw new VolumeError(`hostPath type check failed: ${p} is not a character device`);
      break;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw new VolumeError(`hostPath type check failed: ${p} is not a block device`);
      break;
    default:
      break;
  }
  return p;
}

/**
 * Set up (or refresh) every volume of the pod; returns volume name → host path. Projected
 * files are rewritten only when they changed. Throws VolumeError for the first volume that
 * cannot be set up.
 */
export async function setUpVolumes(pod: Pod, podDir: string, addr: PodAddresses, sources: VolumeSources): Promise<Map<string, string>> {
  const base = volumesDir(podDir);
  fs.mkdirSync(base, { recursive: true });
  const paths = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    const dir = path.join(base, volume.name);
    if (volume.hostPath) {
      paths.set(volume.name, await hostPathVolume(volume));
      continue;
    }
    if (volume.emptyDir) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o777 });
      if (volume.emptyDir.medium === 'Memory' && isRoot() && !isMounted(dir)) {
        const size = volume.emptyDir.sizeLimit !== undefined ? quantityBytes(volume.emptyDir.sizeLimit) : undefined;
        try {
          await run('mount', ['-t', 'tmpfs', '-o', `mode=0777${size ? `,size=${size}` : ''}`, 'tmpfs', dir]);
        } catch (err) {
          throw new VolumeError(`emptyDir ${volume.name}: mounting a tmpfs failed: ${(err as Error).message}`);
        }
      }
      fs.chmodSync(dir, 0o777);
      paths.set(volume.name, dir);
      continue;
    }
    if (volume.persistentVolumeClaim) {
      throw new VolumeError(`volume "${volume.name}": persistentVolumeClaim volumes are not supported by gitplane node agents`);
    }
    const payload = await projection(pod, volume, addr, sources);
    if (!payload) throw new VolumeError(`volume "${volume.name}" has no source gitplane supports`);
    writeAtomically(dir, payload);
    paths.set(volume.name, dir);
  }
  return paths;
}

/** Unmount what the pod's volumes mounted and remove the volumes directory. */
export async function tearDownVolumes(podDir: string): Promise<void> {
  const base = volumesDir(podDir);
  for (const m of mountsUnder(base)) {
    try {
      await run('umount', ['-l', m]);
    } catch {
      // already gone
    }
  }
  fs.rmSync(base, { recursive: true, force: true });
  fs.rmSync(path.join(podDir, 'volume-subpaths'), { recursive: true, force: true });
}

/** The container's mounts: each volumeMount's host path (with subPath / subPathExpr). */
export function containerMounts(pod: Pod, container: Container, volumePaths: Map<string, string>, env: Record<string, string>): Mount[] {
  const byName = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const mounts: Mount[] = [];
  for (const [index, vm] of (container.volumeMounts ?? []).entries()) {
    const volume = byName.get(vm.name);
    const hostPath = volumePaths.get(vm.name);
    if (!volume || !hostPath) throw new VolumeError(`volumeMount ${vm.name}: no such volume in the pod`);
    const projected = !!(volume.configMap || volume.secret || volume.downwardAPI || volume.projected);
    let source = hostPath;
    const sub = vm.subPathExpr ? expand(vm.subPathExpr, mappingFor(env)) : vm.subPath;
    if (sub) {
      if (path.isAbsolute(sub) || sub.split('/').includes('..')) throw new VolumeError(`subPath "${sub}" must be a relative path without '..'`);
      source = path.join(hostPath, sub);
      if (!fs.existsSync(source)) {
        if (projected) throw new VolumeError(`subPath "${sub}" does not exist in volume ${vm.name}`);
        fs.mkdirSync(source, { recursive: true, mode: 0o755 });
      }
      source = fs.realpathSync(source);
      const root = fs.realpathSync(hostPath);
      if (source !== root && !source.startsWith(root + path.sep) && !volume.hostPath) throw new VolumeError(`subPath "${sub}" escapes volume ${vm.name}`);
      if (projected) {
        // A projected file behind subPath is the file as it is now (no updates), as in kube:
        // copy it out of the timestamped directory the next update removes.
        const podDir = path.dirname(path.dirname(hostPath));
        const copy = path.join(podDir, 'volume-subpaths', vm.name, container.name, String(index));
        fs.rmSync(copy, { recursive: true, force: true });
        fs.mkdirSync(path.dirname(copy), { recursive: true });
        fs.cpSync(source, copy, { recursive: true, dereference: true });
        source = copy;
      }
    }
    mounts.push({ hostPath: source, containerPath: vm.mountPath, readOnly: vm.readOnly === true || projected });
  }
  return mounts;
}
