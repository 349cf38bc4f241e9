// The order kinds apply in within one wave, as Argo CD (after Helm's kind sorter) applies
// them: namespaces and policies first, then config, RBAC, CRDs, services, workloads;
// kinds not listed come last. Prunes of a wave run in the reverse order.

const KINDS = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

const RANK = new Map(KINDS.map((k, i) => [k, i]));

/** Lower applies first; unknown kinds (custom resources, Applications) share the last rank. */
export function kindRank(kind: string): number {
  return RANK.get(kind) ?? KINDS.length;
}
