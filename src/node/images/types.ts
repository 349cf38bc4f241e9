/** The runtime part of an image's config (docker/OCI `config` section). */
export interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string> | null;
}

export interface ResolvedImage {
  /** The normalized reference asked for (e.g. "busybox:latest"), or the builtin's when falling back. */
  ref: string;
  /** sha256 hex of the image config. */
  id: string;
  /** The unpacked rootfs (read-only: containers get their own copy/overlay). */
  rootfs: string;
  config: ImageConfig;
  /** Runtimes bind the host's /usr read-only over the image's (the builtin, or label io.gitplane.host-usr=true). */
  hostUsr: boolean;
  /** Set when the ref was not in the store and the builtin stands in for it. */
  note?: string;
}

export interface PreparedRootfs {
  path: string;
  mode: 'overlay' | 'copy';
}
