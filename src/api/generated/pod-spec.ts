/* Generated from schemas/ by npm run gen. Do not edit. */

import type {
  IntOrString,
  KeyToPath,
  LabelSelector,
  LocalObjectReference,
  ObjectMeta,
  Quantity,
  ResourceList,
} from "./common.js";

/**
 * Data that pods created from a template have.
 */
export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}
/**
 * Specification of a pod.
 */
export interface PodSpec {
  /**
   * Volumes that can be mounted by containers of this pod.
   */
  volumes?: Volume[];
  /**
   * Containers run in order, each to successful completion, before the app containers start.
   */
  initContainers?: Container[];
  /**
   * Containers belonging to the pod. There must be at least one.
   *
   * @minItems 1
   */
  containers: Container[];
  /**
   * Restart policy for all containers within the pod.
   *
   * @default "Always"
   */
  restartPolicy?: "Always" | "OnFailure" | "Never";
  /**
   * Seconds between the termination signal and the kill signal. 0 means kill immediately.
   *
   * @default 30
   */
  terminationGracePeriodSeconds?: number;
  /**
   * Seconds the pod may be active on the node, relative to startTime, before the system marks it failed.
   */
  activeDeadlineSeconds?: number;
  /**
   * DNS policy for the pod.
   *
   * @default "ClusterFirst"
   */
  dnsPolicy?: "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" | "None";
  /**
   * Labels a node must have for the pod to fit on it.
   */
  nodeSelector?: {
    [k: string]: string;
  };
  /**
   * Name of the ServiceAccount to run this pod as.
   */
  serviceAccountName?: string;
  /**
   * Deprecated alias for serviceAccountName.
   */
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  /**
   * Request to schedule this pod onto a specific node; set by the scheduler when it binds the pod.
   */
  nodeName?: string;
  /**
   * Use the host's network namespace.
   */
  hostNetwork?: boolean;
  /**
   * Use the host's pid namespace.
   */
  hostPID?: boolean;
  /**
   * Use the host's ipc namespace.
   */
  hostIPC?: boolean;
  shareProcessNamespace?: boolean;
  securityContext?: PodSecurityContext;
  imagePullSecrets?: LocalObjectReference[];
  /**
   * Hostname of the pod; defaults to the pod name.
   */
  hostname?: string;
  /**
   * If set, the FQDN is "<hostname>.<subdomain>.<namespace>.svc.<cluster domain>".
   */
  subdomain?: string;
  affinity?: Affinity;
  /**
   * The scheduler that dispatches this pod.
   *
   * @default "default-scheduler"
   */
  schedulerName?: string;
  tolerations?: Toleration[];
  /**
   * Entries added to the pod's hosts file.
   */
  hostAliases?: HostAlias[];
  priorityClassName?: string;
  /**
   * Priority value, populated from priorityClassName by the admission controller.
   */
  priority?: number;
  preemptionPolicy?: "Never" | "PreemptLowerPriority";
  dnsConfig?: PodDNSConfig;
  readinessGates?: PodReadinessGate[];
  runtimeClassName?: string;
  /**
   * Whether information about services is injected into the pod's environment variables.
   *
   * @default true
   */
  enableServiceLinks?: boolean;
  /**
   * How a group of pods ought to spread across topology domains.
   */
  topologySpreadConstraints?: TopologySpreadConstraint[];
  setHostnameAsFQDN?: boolean;
}
/**
 * A named volume in a pod that may be accessed by any container in the pod. Exactly one source should be set.
 */
export interface Volume {
  /**
   * DNS-1123 label, unique within the pod.
   */
  name: string;
  emptyDir?: EmptyDirVolumeSource;
  hostPath?: HostPathVolumeSource;
  configMap?: ConfigMapVolumeSource;
  secret?: SecretVolumeSource;
  downwardAPI?: DownwardAPIVolumeSource;
  projected?: ProjectedVolumeSource;
  persistentVolumeClaim?: PersistentVolumeClaimVolumeSource;
}
/**
 * A temporary directory that shares the pod's lifetime.
 */
export interface EmptyDirVolumeSource {
  /**
   * "" (node's default medium) or "Memory" (tmpfs).
   */
  medium?: "" | "Memory" | "HugePages";
  sizeLimit?: Quantity;
}
/**
 * A pre-existing file or directory on the host machine.
 */
export interface HostPathVolumeSource {
  path: string;
  /**
   * @default ""
   */
  type?: "" | "DirectoryOrCreate" | "Directory" | "FileOrCreate" | "File" | "Socket" | "CharDevice" | "BlockDevice";
}
/**
 * Populates a volume with the keys of a ConfigMap.
 */
export interface ConfigMapVolumeSource {
  name?: string;
  items?: KeyToPath[];
  /**
   * @default 420
   */
  defaultMode?: number;
  optional?: boolean;
}
/**
 * Populates a volume with the keys of a Secret.
 */
export interface SecretVolumeSource {
  secretName?: string;
  items?: KeyToPath[];
  /**
   * @default 420
   */
  defaultMode?: number;
  optional?: boolean;
}
/**
 * Pod information exposed as files.
 */
export interface DownwardAPIVolumeSource {
  items?: DownwardAPIVolumeFile[];
  /**
   * @default 420
   */
  defaultMode?: number;
}
/**
 * Information to create the file containing the pod field.
 */
export interface DownwardAPIVolumeFile {
  path: string;
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  mode?: number;
}
/**
 * Selects a field of the pod, e.g. metadata.name, metadata.labels['<KEY>'], spec.nodeName, status.podIP.
 */
export interface ObjectFieldSelector {
  /**
   * @default "v1"
   */
  apiVersion?: string;
  fieldPath: string;
}
/**
 * Selects a container resource (limits.cpu, requests.memory, ...).
 */
export interface ResourceFieldSelector {
  containerName?: string;
  resource: string;
  divisor?: Quantity;
}
/**
 * Several volume sources projected into one directory.
 */
export interface ProjectedVolumeSource {
  sources?: VolumeProjection[];
  /**
   * @default 420
   */
  defaultMode?: number;
}
/**
 * A projection that may be projected along with other supported volume types. Exactly one field must be set.
 */
export interface VolumeProjection {
  secret?: SecretProjection;
  configMap?: ConfigMapProjection;
  downwardAPI?: DownwardAPIProjection;
  serviceAccountToken?: ServiceAccountTokenProjection;
}
export interface SecretProjection {
  name?: string;
  items?: KeyToPath[];
  optional?: boolean;
}
export interface ConfigMapProjection {
  name?: string;
  items?: KeyToPath[];
  optional?: boolean;
}
export interface DownwardAPIProjection {
  items?: DownwardAPIVolumeFile[];
}
export interface ServiceAccountTokenProjection {
  audience?: string;
  /**
   * @default 3600
   */
  expirationSeconds?: number;
  path: string;
}
/**
 * A reference to a PersistentVolumeClaim in the same namespace.
 */
export interface PersistentVolumeClaimVolumeSource {
  claimName: string;
  readOnly?: boolean;
}
/**
 * A single application container to run within a pod.
 */
export interface Container {
  /**
   * DNS-1123 label, unique within the pod.
   */
  name: string;
  /**
   * Container image name.
   */
  image: string;
  /**
   * Entrypoint array, not executed within a shell. $(VAR_NAME) references are expanded.
   */
  command?: string[];
  /**
   * Arguments to the entrypoint. $(VAR_NAME) references are expanded.
   */
  args?: string[];
  workingDir?: string;
  /**
   * Ports to expose from the container (informational).
   */
  ports?: ContainerPort[];
  /**
   * Sources to populate environment variables in the container.
   */
  envFrom?: EnvFromSource[];
  /**
   * Environment variables to set in the container.
   */
  env?: EnvVar[];
  resources?: ResourceRequirements;
  /**
   * Only "Always" is allowed, on init containers, to make them sidecars.
   */
  restartPolicy?: "Always";
  volumeMounts?: VolumeMount[];
  volumeDevices?: VolumeDevice[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: Lifecycle;
  /**
   * @default "/dev/termination-log"
   */
  terminationMessagePath?: string;
  /**
   * @default "File"
   */
  terminationMessagePolicy?: "File" | "FallbackToLogsOnError";
  /**
   * Defaults to Always if the :latest tag (or no tag) is used, IfNotPresent otherwise.
   */
  imagePullPolicy?: "Always" | "Never" | "IfNotPresent";
  securityContext?: SecurityContext;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
}
/**
 * A network port in a single container.
 */
export interface ContainerPort {
  /**
   * IANA_SVC_NAME, unique within the pod; referred to by services.
   */
  name?: string;
  hostPort?: number;
  containerPort: number;
  /**
   * @default "TCP"
   */
  protocol?: "TCP" | "UDP" | "SCTP";
  hostIP?: string;
}
/**
 * A source of a set of environment variables (all keys of a ConfigMap or Secret).
 */
export interface EnvFromSource {
  /**
   * Prepended to each key.
   */
  prefix?: string;
  configMapRef?: ConfigMapEnvSource;
  secretRef?: SecretEnvSource;
}
export interface ConfigMapEnvSource {
  name?: string;
  optional?: boolean;
}
export interface SecretEnvSource {
  name?: string;
  optional?: boolean;
}
/**
 * An environment variable present in a container.
 */
export interface EnvVar {
  name: string;
  /**
   * Variable value; $(VAR_NAME) references to earlier variables are expanded.
   */
  value?: string;
  valueFrom?: EnvVarSource;
}
/**
 * A source for the value of an EnvVar.
 */
export interface EnvVarSource {
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  configMapKeyRef?: ConfigMapKeySelector;
  secretKeyRef?: SecretKeySelector;
}
/**
 * Selects a key from a ConfigMap.
 */
export interface ConfigMapKeySelector {
  name?: string;
  key: string;
  optional?: boolean;
}
/**
 * Selects a key of a Secret in the pod's namespace.
 */
export interface SecretKeySelector {
  name?: string;
  key: string;
  optional?: boolean;
}
/**
 * Compute resource requirements.
 */
export interface ResourceRequirements {
  limits?: ResourceList;
  requests?: ResourceList;
  claims?: ResourceClaim[];
}
export interface ResourceClaim {
  name: string;
  request?: string;
}
/**
 * Mounting of a volume within a container.
 */
export interface VolumeMount {
  /**
   * Must match the name of a volume.
   */
  name: string;
  readOnly?: boolean;
  recursiveReadOnly?: "Disabled" | "IfPossible" | "Enabled";
  /**
   * Path within the container; must not contain ':'.
   */
  mountPath: string;
  /**
   * Path within the volume to mount instead of its root.
   */
  subPath?: string;
  mountPropagation?: "None" | "HostToContainer" | "Bidirectional";
  subPathExpr?: string;
}
export interface VolumeDevice {
  name: string;
  devicePath: string;
}
/**
 * A health check to be performed against a container.
 */
export interface Probe {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
  /**
   * Seconds after the container has started before probes are initiated.
   */
  initialDelaySeconds?: number;
  /**
   * Seconds after which the probe times out.
   *
   * @default 1
   */
  timeoutSeconds?: number;
  /**
   * How often (in seconds) to perform the probe.
   *
   * @default 10
   */
  periodSeconds?: number;
  /**
   * Minimum consecutive successes to be considered successful after having failed. Must be 1 for liveness and startup.
   *
   * @default 1
   */
  successThreshold?: number;
  /**
   * Minimum consecutive failures to be considered failed after having succeeded.
   *
   * @default 3
   */
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}
/**
 * Run a command in the container; exit status 0 is healthy.
 */
export interface ExecAction {
  command?: string[];
}
/**
 * An HTTP GET request; any code >= 200 and < 400 is success.
 */
export interface HTTPGetAction {
  /**
   * @default "/"
   */
  path?: string;
  port: IntOrString;
  /**
   * Defaults to the pod IP.
   */
  host?: string;
  /**
   * @default "HTTP"
   */
  scheme?: "HTTP" | "HTTPS";
  httpHeaders?: HTTPHeader[];
}
export interface HTTPHeader {
  name: string;
  value: string;
}
/**
 * Open a TCP connection; success if it can be established.
 */
export interface TCPSocketAction {
  port: IntOrString;
  host?: string;
}
/**
 * A gRPC health check (grpc.health.v1.Health/Check).
 */
export interface GRPCAction {
  port: number;
  service?: string;
}
/**
 * Actions the system takes in response to container lifecycle events.
 */
export interface Lifecycle {
  postStart?: LifecycleHandler;
  preStop?: LifecycleHandler;
  stopSignal?: string;
}
/**
 * A specific action to take in a lifecycle hook. Exactly one of the fields must be set.
 */
export interface LifecycleHandler {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  sleep?: SleepAction;
}
export interface SleepAction {
  seconds: number;
}
/**
 * Container-level security configuration; overrides PodSecurityContext.
 */
export interface SecurityContext {
  capabilities?: Capabilities;
  privileged?: boolean;
  seLinuxOptions?: SELinuxOptions;
  windowsOptions?: WindowsSecurityContextOptions;
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  procMount?: "Default" | "Unmasked";
  seccompProfile?: SeccompProfile;
  appArmorProfile?: AppArmorProfile;
}
export interface Capabilities {
  add?: string[];
  drop?: string[];
}
export interface SELinuxOptions {
  user?: string;
  role?: string;
  type?: string;
  level?: string;
}
export interface WindowsSecurityContextOptions {
  gmsaCredentialSpecName?: string;
  gmsaCredentialSpec?: string;
  runAsUserName?: string;
  hostProcess?: boolean;
}
export interface SeccompProfile {
  type: "Localhost" | "RuntimeDefault" | "Unconfined";
  localhostProfile?: string;
}
export interface AppArmorProfile {
  type: "Localhost" | "RuntimeDefault" | "Unconfined";
  localhostProfile?: string;
}
/**
 * Pod-level security attributes and common container settings.
 */
export interface PodSecurityContext {
  seLinuxOptions?: SELinuxOptions;
  windowsOptions?: WindowsSecurityContextOptions;
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  supplementalGroups?: number[];
  supplementalGroupsPolicy?: "Merge" | "Strict";
  fsGroup?: number;
  fsGroupChangePolicy?: "OnRootMismatch" | "Always";
  sysctls?: Sysctl[];
  seccompProfile?: SeccompProfile;
  appArmorProfile?: AppArmorProfile;
  seLinuxChangePolicy?: string;
}
export interface Sysctl {
  name: string;
  value: string;
}
/**
 * A group of affinity scheduling rules.
 */
export interface Affinity {
  nodeAffinity?: NodeAffinity;
  podAffinity?: PodAffinity;
  podAntiAffinity?: PodAntiAffinity;
}
export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
}
/**
 * The union (ORed) of the results of one or more label queries over nodes.
 */
export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}
/**
 * Requirements that are ANDed. A null or empty term matches no objects.
 */
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}
export interface NodeSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  values?: string[];
}
export interface PreferredSchedulingTerm {
  /**
   * In the range 1-100.
   */
  weight: number;
  preference: NodeSelectorTerm;
}
/**
 * Co-locate this pod in the same topology domain as other pods.
 */
export interface PodAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
}
/**
 * Pods matching labelSelector in namespaces must (anti-)co-locate with this pod within topologyKey.
 */
export interface PodAffinityTerm {
  labelSelector?: LabelSelector;
  namespaces?: string[];
  /**
   * Node label key whose value defines the topology domain. Empty is not allowed.
   */
  topologyKey: string;
  namespaceSelector?: LabelSelector;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}
export interface WeightedPodAffinityTerm {
  weight: number;
  podAffinityTerm: PodAffinityTerm;
}
/**
 * Avoid putting this pod in the same topology domain as other pods.
 */
export interface PodAntiAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
}
/**
 * Tolerates any taint that matches the triple <key,value,effect> using the operator.
 */
export interface Toleration {
  /**
   * Empty means match all taint keys (operator must be Exists).
   */
  key?: string;
  /**
   * Empty means Equal.
   */
  operator?: "Exists" | "Equal";
  value?: string;
  /**
   * Empty means match all taint effects.
   */
  effect?: "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  /**
   * For NoExecute: how long the pod stays bound after the taint is added.
   */
  tolerationSeconds?: number;
}
export interface HostAlias {
  ip: string;
  hostnames?: string[];
}
export interface PodDNSConfig {
  nameservers?: string[];
  searches?: string[];
  options?: PodDNSConfigOption[];
}
export interface PodDNSConfigOption {
  name?: string;
  value?: string;
}
export interface PodReadinessGate {
  conditionType: string;
}
/**
 * How to spread matching pods among the given topology.
 */
export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
  labelSelector?: LabelSelector;
  minDomains?: number;
  nodeAffinityPolicy?: "Honor" | "Ignore";
  nodeTaintsPolicy?: "Honor" | "Ignore";
  matchLabelKeys?: string[];
}
