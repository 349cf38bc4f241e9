// The container runtime interface the node agent drives, after the CRI's
// shape but for one process: a runtime runs a pod's containers inside a
// sandbox (namespaces, network, cgroup parent) it is handed, and reports
// their state. Implementations: process (default), runc, simulated.

/** Where the pod's network lives: a netns path (root mode) or just an IP (loopback mode). */
export interface PodNetwork {
  ip: string;
  /** /run/netns/<name> when the pod has its own network namespace. */
  netnsPath?: string;
  /** Files to mount at /etc/resolv.conf and /etc/hosts, when the node made them. */
  resolvConf?: string;
  hostsFile?: string;
}

export interface PodSandbox {
  /** Stable id for the pod's runtime state (the pod uid). */
  id: string;
  namespace: string;
  name: string;
  uid: string;
  hostname: string;
  network: PodNetwork;
  /** cgroup path (relative, e.g. "gitplane/pod-<uid>") for the pod's limits, when cgroups are in use. */
  cgroupParent?: string;
}

export interface Mount {
  /** Absolute path on the host (a file or a directory). */
  hostPath: string;
  /** Absolute path inside the container. */
  containerPath: string;
  readOnly: boolean;
}

export interface ContainerConfig {
  /** Unique per attempt, e.g. "<pod uid>-<container name>-<restart count>". */
  id: string;
  name: string;
  image: string;
  /** Fully resolved argv (command + args, $(VAR) already expanded). */
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: Mount[];
  /** Where stdout and stderr go (the agent owns rotation). */
  logPath: string;
  resources: {
    /** Bytes; undefined = unlimited. */
    memoryLimit?: number;
    /** Millicores; undefined = unlimited. */
    cpuLimitMillis?: number;
    cpuRequestMillis?: number;
  };
  /** Container-level securityContext subset. */
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
}

export type ContainerState =
  | { state: 'created' }
  | { state: 'running'; pid: number; startedAt: number }
  | {
      state: 'exited';
      exitCode: number;
      /** Set when a signal ended it (e.g. "SIGKILL"). */
      signal?: string;
      /** "OOMKilled" when the memory limit killed it, else "Completed" (0) or "Error". */
      reason: 'Completed' | 'Error' | 'OOMKilled';
      startedAt: number;
      finishedAt: number;
    }
  | { state: 'unknown' };

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RuntimeInfo {
  /** As node.status.nodeInfo.containerRuntimeVersion, e.g. "process://0.1.0", "runc://1.1.5". */
  version: string;
  /** What limits are really enforced (false: reported as not enforced). */
  enforcesLimits: boolean;
}

export interface ContainerRuntime {
  info(): Promise<RuntimeInfo>;
  /** Prepare whatever a pod's containers share (nothing for some runtimes). */
  createSandbox(sandbox: PodSandbox): Promise<void>;
  removeSandbox(sandbox: PodSandbox): Promise<void>;
  /** Create and start one container; resolves once it is running (or failed to start). */
  startContainer(sandbox: PodSandbox, config: ContainerConfig): Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs; resolves when it has exited. */
  stopContainer(id: string, graceMs: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  status(id: string): ContainerState;
  /** Notified whenever a container changes state (exits, mostly). */
  onChange(listener: (id: string) => void): void;
  /** Run a command inside a running container (exec probes, hooks). */
  exec(id: string, argv: string[], timeoutMs: number): Promise<ExecResult>;
  /** Containers this runtime knows (after an agent restart: the ones it adopted from its state dir). */
  list(): string[];
  close(): Promise<void>;
}
