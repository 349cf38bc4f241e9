// Prometheus metrics of the GitOps controller, in the text exposition format:
// sync counts by outcome, sync durations (histogram), reconcile durations, and
// each app's current sync and health status as 0/1 gauges, as Argo CD exports.

const BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

function observe(h: Histogram, seconds: number): void {
  for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]!++;
  h.sum += seconds;
  h.count++;
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',')}}`;
}

export class GitOpsMetrics {
  private readonly syncs = new Map<string, number>();
  private readonly syncDurations = new Map<string, Histogram>();
  private readonly reconciles = new Map<string, Histogram>();
  private readonly state = new Map<string, { namespace: string; name: string; sync: string; health: string }>();

  recordSync(app: { namespace: string; name: string }, phase: string, seconds: number): void {
    const key = JSON.stringify([app.namespace, app.name, phase]);
    this.syncs.set(key, (this.syncs.get(key) ?? 0) + 1);
    const hk = JSON.stringify([app.namespace, app.name]);
    let h = this.syncDurations.get(hk);
    if (!h) this.syncDurations.set(hk, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    observe(h, seconds);
  }

  recordReconcile(app: { namespace: string; name: string }, seconds: number): void {
    const hk = JSON.stringify([app.namespace, app.name]);
    let h = this.reconciles.get(hk);
    if (!h) this.reconciles.set(hk, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    observe(h, seconds);
  }

  setStatus(app: { namespace: string; name: string }, sync: string, health: string): void {
    this.state.set(`${app.namespace}/${app.name}`, { ...app, sync, health });
  }

  forget(app: { namespace: string; name: string }): void {
    this.state.delete(`${app.namespace}/${app.name}`);
  }

  /** The metrics as Prometheus text (version 0.0.4). */
  render(): string {
    const out: string[] = [];
    out.push('# HELP gitplane_app_sync_total Sync operations by outcome phase.', '# TYPE gitplane_app_sync_total counter');
    for (const [key, n] of this.syncs) {
      const [namespace, name, phase] = JSON.parse(key) as string[];
      out.push(`gitplane_app_sync_total${labels({ namespace: namespace!, name: name!, phase: phase! })} ${n}`);
    }
    histogram(out, 'gitplane_app_sync_duration_seconds', 'Time a sync operation took.', this.syncDurations);
    histogram(out, 'gitplane_app_reconcile_duration_seconds', 'Time a reconcile (compare, and sync when needed) took.', this.reconciles);
    out.push('# HELP gitplane_app_info Current sync and health status of each Application.', '# TYPE gitplane_app_info gauge');
    for (const s of this.state.values()) {
      out.push(`gitplane_app_info${labels({ namespace: s.namespace, name: s.name, sync_status: s.sync, health_status: s.health })} 1`);
    }
    out.push('# HELP gitplane_app_health_status Health of each Application, one series per status (1 for the current one).', '# TYPE gitplane_app_health_status gauge');
    for (const s of this.state.values()) {
      for (const h of ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown']) {
        out.push(`gitplane_app_health_status${labels({ namespace: s.namespace, name: s.name, health_status: h })} ${s.health === h ? 1 : 0}`);
      }
    }
    return out.join('\n') + '\n';
  }
}

function histogram(out: string[], name: string, help: string, series: Map<string, Histogram>): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  for (const [key, h] of series) {
    const [namespace, app] = JSON.parse(key) as string[];
    const base = { namespace: namespace!, name: app! };
    BUCKETS.forEach((le, i) => out.push(`${name}_bucket${labels({ ...base, le: String(le) })} ${h.counts[i]}`));
    out.push(`${name}_bucket${labels({ ...base, le: '+Inf' })} ${h.count}`);
    out.push(`${name}_sum${labels(base)} ${h.sum}`);
    out.push(`${name}_count${labels(base)} ${h.count}`);
  }
}
