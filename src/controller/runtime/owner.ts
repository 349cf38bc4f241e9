// Owner references: how controllers mark and find what they own, after kube's
// controller_ref_manager (claim and adopt by selector, release when labels no
// longer match, never touch what another controller owns).

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Owned {
  metadata?: { ownerReferences?: OwnerReference[]; uid?: string; name?: string; deletionTimestamp?: string };
}

export function controllerRef(obj: Owned): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export function newControllerRef(owner: { apiVersion?: string; kind?: string; metadata?: { name?: string; uid?: string } }): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? '',
    kind: owner.kind ?? '',
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isControlledBy(obj: Owned, owner: { metadata?: { uid?: string } }): boolean {
  return controllerRef(obj)?.uid === owner.metadata?.uid;
}
