// A ContainerRuntime whose containers "run" in memory: the test decides when
// they exit (and with what), what exec answers, whether SIGTERM is ignored
// (then SIGKILL comes at the grace deadline, on the injected clock), and can
// write to a container's log as its process would. Every call is recorded in
// order so tests can assert lifecycle ordering.

import fs from 'node:fs';
import type { ContainerConfig, ContainerRuntime, ContainerState, ExecResult, PodSandbox, RuntimeInfo } from '../../../../src/node/runtime/types.js';
import type { Clock } from '../../../../src/util/clock.js';

export interface FakeContainer {
  id: string;
  config: ContainerConfig;
  sandbox: PodSandbox;
  state: ContainerState;
  removed: boolean;
}

export class FakeRuntime implements ContainerRuntime {
  version = 'fake://1.0.0';
  enforcesLimits = true;
  /** "start pod/container", "stop pod/container <graceMs>", "exec pod/container <argv>", ... */
  readonly calls: string[] = [];
  readonly containers = new Map<string, FakeContainer>();
  readonly sandboxes = new Map<string, PodSandbox>();
  private readonly listeners: Array<(id: string) => void> = [];
  private nextPid = 1000;
  /** Called once a container is running (e.g. to make it exit at once). */
  onStart: ((c: FakeContainer) => void) | undefined;
  /** What exec returns (default: exit 0). */
  execHandler: (c: FakeContainer, argv: string[]) => ExecResult | Promise<ExecResult> = () => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false });
  /** Container names that ignore SIGTERM: they exit with SIGKILL once the grace period is over. */
  readonly ignoreTerm = new Set<string>();
  /** startContainer throws this when set. */
  startError: Error | undefined;

  constructor(private readonly clock: Clock) {}

  private label(c: FakeContainer): string {
    return `${c.sandbox.name}/${c.config.name}`;
  }

  async info(): Promise<RuntimeInfo> {
    return { version: this.version, enforcesLimits: this.enforcesLimits };
  }

  async createSandbox(sandbox: PodSandbox): Promise<void> {
    this.calls.push(`createSandbox ${sandbox.name}`);
    this.sandboxes.set(sandbox.id, sandbox);
  }

  async removeSandbox(sandbox: PodSandbox): Promise<void> {
    this.calls.push(`removeSandbox ${sandbox.name}`);
    this.sandboxes.delete(sandbox.id);
  }

  async startContainer(sandbox: PodSandbox, config: ContainerConfig): Promise<void> {
    this.calls.push(`start ${sandbox.name}/${config.name}`);
    if (this.startError) throw this.startError;
    const c: FakeContainer = { id: config.id, config, sandbox, state: { state: 'running', pid: this.nextPid++, startedAt: this.clock.now() }, removed: false };
    this.containers.set(config.id, c);
    this.onStart?.(c);
  }

  async stopContainer(id: string, graceMs: number): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.calls.push(`stop ${this.label(c)} ${graceMs}`);
    if (c.state.state !== 'running') return;
    if (!this.ignoreTerm.has(c.config.name)) {
      this.exit(id, 143, { signal: 'SIGTERM' });
      return;
    }
    await new Promise<void>((resolve) => {
      this.clock.setTimeout(resolve, graceMs);
      const check = (changed: string) => {
        if (changed === id && c.state.state !== 'running') resolve();
      };
      this.listeners.push(check);
    });
    if (c.state.state === 'running') this.exit(id, 137, { signal: 'SIGKILL' });
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.calls.push(`remove ${this.label(c)}`);
    c.removed = true;
    this.containers.delete(id);
  }

  status(id: string): ContainerState {
    return this.containers.get(id)?.state ?? { state: 'unknown' };
  }

  onChange(listener: (id: string) => void): void {
    this.listeners.push(listener);
  }

  async exec(id: string, argv: string[], timeoutMs: number): Promise<ExecResult> {
    void timeoutMs;
    const c = this.containers.get(id);
    if (!c || c.state.state !== 'running') return { exitCode: 126, stdout: '', stderr: 'container not running', timedOut: false };
    this.calls.push(`exec ${this.label(c)} ${argv.join(' ')}`);
    return this.execHandler(c, argv);
  }

  list(): string[] {
    return [...this.containers.keys()];
  }

  async close(): Promise<void> {}

  // ---------------------------------------------------------------------------
  // Test controls.

  /** End a running container. */
  exit(id: string, exitCode: number, opts: { signal?: string; reason?: 'Completed' | 'Error' | 'OOMKilled' } = {}): void {
    const c = this.containers.get(id);
    if (!c || c.state.state !== 'running') throw new Error(`container ${id} is not running`);
    c.state = {
      state: 'exited',
      exitCode,
      ...(opts.signal ? { signal: opts.signal } : {}),
      reason: opts.reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
      startedAt: c.state.startedAt,
      finishedAt: this.clock.now(),
    };
    for (const l of [...this.listeners]) l(id);
  }

  /** Containers of a pod's container name, oldest first. */
  all(pod: string, container: string): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.sandbox.name === pod && c.config.name === container);
  }

  /** The newest container for pod/container (throws if none). */
  get(pod: string, container: string): FakeContainer {
    const all = this.all(pod, container);
    if (all.length === 0) throw new Error(`no container ${pod}/${container}`);
    return all[all.length - 1];
  }

  running(pod: string, container: string): FakeContainer | undefined {
    return this.all(pod, container).find((c) => c.state.state === 'running');
  }

  /** Write to the container's stdout (the runtime's raw log file). */
  write(id: string, text: string): void {
    const c = this.containers.get(id);
    if (!c) throw new Error(`no container ${id}`);
    fs.appendFileSync(c.config.logPath, text);
  }

  starts(pod: string, container?: string): number {
    return this.calls.filter((x) => x === `start ${pod}/${container}` || (container === undefined && x.startsWith(`start ${pod}/`))).length;
  }
}
