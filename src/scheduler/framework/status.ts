// The result of running a plugin, after kube-scheduler's framework.Status:
// plugins return one (never throw) and the framework aggregates them. A
// rejected node carries human-readable reasons ("Insufficient cpu") that
// end up, counted per reason, in the FailedScheduling message.

export type Code =
  /** The plugin ran and accepted the pod. */
  | 'Success'
  /** Something went wrong that is not about the pod fitting (a bug, a failed API call). */
  | 'Error'
  /** The node does not fit now, but could after preemption or other pods leaving. */
  | 'Unschedulable'
  /** The node does not fit and preemption would not help (taints, affinity, node name). */
  | 'UnschedulableAndUnresolvable'
  /** PreFilter/PreScore: nothing to do for this pod; skip the matching Filter/Score. Bind: let the next binder decide. */
  | 'Skip';

export class Status {
  private constructor(
    readonly code: Code,
    readonly reasons: readonly string[],
    /** The plugin that produced the status (set by the plugin or the framework). */
    readonly plugin: string,
    readonly error: unknown,
  ) {
    Object.freeze(this);
  }

  static readonly SUCCESS: Status = new Status('Success', [], '', undefined);
  static readonly SKIP: Status = new Status('Skip', [], '', undefined);

  static success(): Status {
    return Status.SUCCESS;
  }

  static skip(): Status {
    return Status.SKIP;
  }

  static unschedulable(...reasons: string[]): Status {
    return new Status('Unschedulable', reasons, '', undefined);
  }

  static unschedulableAndUnresolvable(...reasons: string[]): Status {
    return new Status('UnschedulableAndUnresolvable', reasons, '', undefined);
  }

  static error(err: unknown): Status {
    const message = err instanceof Error ? err.message : String(err);
    return new Status('Error', [message], '', err);
  }

  /** The same status attributed to a plugin. */
  withPlugin(plugin: string): Status {
    return plugin === this.plugin ? this : new Status(this.code, this.reasons, plugin, this.error);
  }

  isSuccess(): boolean {
    return this.code === 'Success';
  }

  isSkip(): boolean {
    return this.code === 'Skip';
  }

  /** Unschedulable or UnschedulableAndUnresolvable: the pod does not fit. */
  isRejected(): boolean {
    return this.code === 'Unschedulable' || this.code === 'UnschedulableAndUnresolvable';
  }

  /** The reasons joined with ", " (framework.Status.Message()). */
  message(): string {
    return this.reasons.join(', ');
  }

  toString(): string {
    return this.reasons.length ? `${this.code}: ${this.message()}` : this.code;
  }
}
