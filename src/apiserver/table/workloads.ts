/**
 * Printers for the workload kinds: Deployment, ReplicaSet, DaemonSet (apps/v1), Job and
 * CronJob (batch/v1), after kube-apiserver 1.31's printers.go.
 */
import type { CronJob, DaemonSet, Deployment, Job, JobCondition, ReplicaSet } from '../../api/generated/index.js';
import { ageColumn, column, LABEL_SELECTOR_DESCRIPTION, nameColumn, templateColumns } from './columns.js';
import { formatLabels, formatLabelSelector, labelSelectorString, layoutContainerCells, printBool } from './format.js';
import { humanDuration, parseTime, translateTimestampSince } from './human-duration.js';
import type { KindPrinter, PrintedRow } from './types.js';

export const deploymentPrinter: KindPrinter = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageColumn(),
    ...templateColumns(LABEL_SELECTOR_DESCRIPTION),
  ],
  print(obj: object, now: number): PrintedRow {
    const d = obj as Deployment;
    const [names, images] = layoutContainerCells(d.spec?.template?.spec?.containers);
    return {
      cells: [
        d.metadata?.name ?? '',
        `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
        d.status?.updatedReplicas ?? 0,
        d.status?.availableReplicas ?? 0,
        translateTimestampSince(d.metadata?.creationTimestamp, now),
        names,
        images,
        labelSelectorString(d.spec?.selector),
      ],
    };
  },
};

export const replicaSetPrinter: KindPrinter = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
    ageColumn(),
    ...templateColumns('Selector is a label query over pods that should match the replica count.'),
  ],
  print(obj: object, now: number): PrintedRow {
    const rs = obj as ReplicaSet;
    const [names, images] = layoutContainerCells(rs.spec?.template?.spec?.containers);
    return {
      cells: [
        rs.metadata?.name ?? '',
        rs.spec?.replicas ?? 1,
        rs.status?.replicas ?? 0,
        rs.status?.readyReplicas ?? 0,
        translateTimestampSince(rs.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(rs.spec?.selector),
      ],
    };
  },
};

export const daemonSetPrinter: KindPrinter = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
    column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    column('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
    column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    column('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
    ageColumn(),
    ...templateColumns('A label query over pods that are managed by the daemon set. Must match in order to be controlled.'),
  ],
  print(obj: object, now: number): PrintedRow {
    const ds = obj as DaemonSet;
    const status = ds.status;
    const [names, images] = layoutContainerCells(ds.spec?.template?.spec?.containers);
    return {
      cells: [
        ds.metadata?.name ?? '',
        status?.desiredNumberScheduled ?? 0,
        status?.currentNumberScheduled ?? 0,
        status?.numberReady ?? 0,
        status?.updatedNumberScheduled ?? 0,
        status?.numberAvailable ?? 0,
        formatLabels(ds.spec?.template?.spec?.nodeSelector),
        translateTimestampSince(ds.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(ds.spec?.selector),
      ],
    };
  },
};

function hasJobCondition(conditions: readonly JobCondition[] | undefined, type: string): boolean {
  const found = (conditions ?? []).find((c) => c.type === type);
  return found?.status === 'True';
}

/** STATUS of a Job: Complete, Failed, Terminating, Suspended, FailureTarget or Running. */
export function jobStatus(job: Job): string {
  const conditions = job.status?.conditions;
  if (hasJobCondition(conditions, 'Complete')) return 'Complete';
  if (hasJobCondition(conditions, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasJobCondition(conditions, 'Suspended')) return 'Suspended';
  if (hasJobCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

export const jobPrinter: KindPrinter = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    ...templateColumns('A label query over pods that should match the pod count.'),
  ],
  print(obj: object, now: number): PrintedRow {
    const job = obj as Job;
    const succeeded = job.status?.succeeded ?? 0;
    let completions: string;
    if (job.spec?.completions !== undefined && job.spec.completions !== null) {
      completions = `${succeeded}/${job.spec.completions}`;
    } else {
      const parallelism = job.spec?.parallelism ?? 0;
      completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    const start = parseTime(job.status?.startTime);
    const completion = parseTime(job.status?.completionTime);
    const duration = start === undefined ? '' : humanDuration((completion ?? now) - start);
    const [names, images] = layoutContainerCells(job.spec?.template?.spec?.containers);
    return {
      cells: [
        job.metadata?.name ?? '',
        jobStatus(job),
        completions,
        duration,
        translateTimestampSince(job.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(job.spec?.selector),
      ],
    };
  },
};

export const cronJobPrinter: KindPrinter = {
  columns: [
    nameColumn(),
    column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn(),
    ...templateColumns('A label query over pods that should match the pod count.'),
  ],
  print(obj: object, now: number): PrintedRow {
    const cj = obj as CronJob;
    const lastSchedule = cj.status?.lastScheduleTime ? translateTimestampSince(cj.status.lastScheduleTime, now) : '<none>';
    const jobSpec = cj.spec?.jobTemplate?.spec;
    const [names, images] = layoutContainerCells(jobSpec?.template?.spec?.containers);
    return {
      cells: [
        cj.metadata?.name ?? '',
        cj.spec?.schedule ?? '',
        cj.spec?.timeZone ?? '<none>',
        // suspend defaults to false on the server, so a stored CronJob always has it.
        printBool(cj.spec?.suspend ?? false),
        (cj.status?.active ?? []).length,
        lastSchedule,
        translateTimestampSince(cj.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(jobSpec?.selector),
      ],
    };
  },
};
