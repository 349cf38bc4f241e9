// How objects become store values and back. The stored JSON carries no
// resourceVersion: it is the key's modRevision, filled in on every read, as
// kube-apiserver does with etcd. Secrets are sealed before they are stored.

import type { KeyValue } from '../../storage/types.js';
import type { SecretBox } from '../encryption.js';
import type { ResourceInfo } from './resources.js';

export type Obj = Record<string, any>;

export class Codec {
  constructor(private readonly box?: SecretBox) {}

  encode(r: ResourceInfo, obj: Obj): string {
    const { resourceVersion: _drop, ...metadata } = obj.metadata ?? {};
    const json = JSON.stringify({ ...obj, metadata });
    return r.kind === 'Secret' && this.box ? this.box.seal(json) : json;
  }

  decode(r: ResourceInfo, kv: Pick<KeyValue, 'value' | 'modRevision'>): Obj {
    const json = r.kind === 'Secret' && this.box ? this.box.open(kv.value) : kv.value;
    const obj = JSON.parse(json) as Obj;
    obj.metadata = { ...obj.metadata, resourceVersion: String(kv.modRevision) };
    return obj;
  }
}
