// The CronJob controller (with the Job controller running the Jobs it
// creates) against a real in-process API server, on "every 2 s" schedules.
// A test-local agent finishes pods by their `behavior` label: `succeed`,
// `fail`, or `run` (left running until a test finishes it by hand).
// The last suite drives the controller with a fake clock set ahead of the
// server's, to check missed schedules without waiting.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CronJob, Event, Job, Pod } from '../../../src/api/generated/index.js';
import type { Client } from '../../../src/client/index.js';
import { newCronJobController } from '../../../src/controller/cronjob/index.js';
import { newJobController } from '../../../src/controller/job/index.js';
import { FakeClock } from '../../../src/util/clock.js';
import { eventually, startControllerTest, type ControllerTest } from '../../support/controllers.js';

const EVERY_2S = '*/2 * * * * *';

function cronJob(ns: string, name: string, behavior: 'succeed' | 'fail' | 'run', spec: Partial<NonNullable<CronJob['spec']>> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: ns },
    spec: {
      schedule: EVERY_2S,
      jobTemplate: {
        metadata: { labels: { cronjob: name } },
        spec: {
          backoffLimit: 0,
          template: { metadata: { labels: { behavior, cronjob: name } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
        },
      },
      ...spec,
    },
  };
}

async function finishPod(client: Client, pod: Pod, phase: 'Succeeded' | 'Failed'): Promise<void> {
  const now = new Date().toISOString();
  await client.pods.namespace(pod.metadata!.namespace!).updateStatus({
    ...pod,
    status: {
      ...pod.status,
      phase,
      containerStatuses: [
        { name: 'main', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, finishedAt: now } } },
      ],
    },
  });
}

function startAgent(client: Client, ns: string): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        for (const pod of (await client.pods.namespace(ns).list()).items) {
          if (pod.status?.phase !== 'Pending' || pod.metadata?.deletionTimestamp) continue;
          const behavior = pod.metadata?.labels?.behavior;
          if (behavior === 'succeed') await finishPod(client, pod, 'Succeeded').catch(() => undefined);
          if (behavior === 'fail') await finishPod(client, pod, 'Failed').catch(() => undefined);
        }
      } catch {
        // retried next round
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

function isFinished(job: Job, type?: string): boolean {
  return job.status?.conditions?.some((c) => (type ? c.type === type : c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') ?? false;
}

describe('CronJob controller', () => {
  let t: ControllerTest;
  let client: Client;
  let stopAgent: () => Promise<void>;
  const ns = 'crons';

  beforeAll(async () => {
    t = await startControllerTest();
    client = t.client;
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await t.run(newJobController(t.ctx, { backoffBaseMs: 100 }), newCronJobController(t.ctx));
    stopAgent = startAgent(client, ns);
  });

  afterAll(async () => {
    await stopAgent?.();
    await t?.close();
  });

  const jobsOf = async (name: string): Promise<Job[]> =>
    (await client.jobs.namespace(ns).list()).items
      .filter((j) => j.metadata?.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === name && r.controller))
      .sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
  const eventsOf = async (name: string): Promise<Event[]> => (await client.events.namespace(ns).list()).items.filter((e) => e.involvedObject?.name === name);
  const eventCount = async (name: string, reason: string): Promise<number> =>
    (await eventsOf(name)).filter((e) => e.reason === reason).reduce((n, e) => n + (e.count ?? 1), 0);
  const getCronJob = (name: string): Promise<CronJob> => client.cronJobs.namespace(ns).get(name);

  describe.concurrent('on an every-2s schedule', () => {
    it('creates Jobs and, with Forbid, never runs two at once', async ({ expect }) => {
      await client.cronJobs.namespace(ns).create(cronJob(ns, 'forbid', 'run', { concurrencyPolicy: 'Forbid' }));
      const [first] = await eventually(async () => {
        const jobs = await jobsOf('forbid');
        return jobs.length > 0 ? jobs : undefined;
      }, 'a first job');
      // The Job is named after its scheduled time (seconds, for a 6-field schedule) and annotated with it.
      const stamp = first.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'];
      expect(stamp).toBeTruthy();
      expect(first.metadata?.name).toBe(`forbid-${Date.parse(stamp!) / 1000}`);
      expect(first.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'forbid', controller: true });
      expect(first.metadata?.labels?.cronjob).toBe('forbid');
      const cj = await eventually(async () => {
        const c = await getCronJob('forbid');
        return c.status?.active?.length === 1 ? c : undefined;
      }, 'the job to be listed as active');
      expect(cj.status?.active?.[0]).toMatchObject({ kind: 'Job', name: first.metadata?.name, uid: first.metadata?.uid });
      expect(cj.status?.lastScheduleTime).toBe(stamp);

      // Two more scheduled times pass while the first Job runs: both are skipped.
      await eventually(async () => (await eventCount('forbid', 'JobAlreadyActive')) >= 2, 'two skipped runs');
      expect((await jobsOf('forbid')).map((j) => j.metadata?.name)).toEqual([first.metadata?.name]);

      // Once it completes, the next run starts.
      const pod = await eventually(async () => (await client.pods.namespace(ns).list({ labelSelector: `batch.kubernetes.io/job-name=${first.metadata?.name}` })).items[0], 'the first job pod');
      await finishPod(client, pod, 'Succeeded');
      const jobs = await eventually(async () => {
        const j = await jobsOf('forbid');
        return j.length === 2 ? j : undefined;
      }, 'a second job after the first completed');
      const done = jobs.find((j) => j.metadata?.name === first.metadata?.name)!;
      const second = jobs.find((j) => j.metadata?.name !== first.metadata?.name)!;
      expect(isFinished(done, 'Complete')).toBe(true);
      expect(Date.parse(second.metadata!.creationTimestamp!)).toBeGreaterThanOrEqual(Date.parse(done.status!.completionTime!));
      await eventually(async () => (await getCronJob('forbid')).status?.lastSuccessfulTime === done.status?.completionTime, 'lastSuccessfulTime');
      await client.cronJobs.namespace(ns).patch('forbid', { spec: { suspend: true } });
    });

    it('with Replace, deletes the running Job and starts the next', async ({ expect }) => {
      await client.cronJobs.namespace(ns).create(cronJob(ns, 'replace', 'run', { concurrencyPolicy: 'Replace' }));
      const [first] = await eventually(async () => {
        const jobs = await jobsOf('replace');
        return jobs.length > 0 ? jobs : undefined;
      }, 'a first job');
      const [second] = await eventually(async () => {
        const jobs = await jobsOf('replace');
        return jobs.length === 1 && jobs[0].metadata?.name !== first.metadata?.name ? jobs : undefined;
      }, 'the first job to be replaced');
      expect(isFinished(second)).toBe(false);
      await eventually(async () => (await eventsOf('replace')).some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job ${first.metadata?.name}`), 'a SuccessfulDelete event');
      await eventually(async () => {
        const c = await getCronJob('replace');
        return c.status?.active?.length === 1 && c.status.active[0].uid !== first.metadata?.uid;
      }, 'only the new job to be active');
      await client.cronJobs.namespace(ns).patch('replace', { spec: { suspend: true } });
    });

    it('stops creating Jobs while suspended', async ({ expect }) => {
      await client.cronJobs.namespace(ns).create(cronJob(ns, 'pausable', 'succeed'));
      await client.cronJobs.namespace(ns).create(cronJob(ns, 'witness', 'succeed'));
      await eventually(async () => (await jobsOf('pausable')).length >= 1, 'a first job');
      await client.cronJobs.namespace(ns).patch('pausable', { spec: { suspend: true } });
      const suspendedAt = Date.now();
      const scheduled = async (name: string): Promise<number[]> =>
        (await jobsOf(name)).map((j) => Date.parse(j.metadata!.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp']));
      // The witness, on the same schedule, runs for two scheduled times after the suspension.
      await eventually(async () => (await scheduled('witness')).filter((at) => at > suspendedAt).length >= 2, 'two witness runs after the suspension');
      expect((await scheduled('pausable')).every((at) => at <= suspendedAt)).toBe(true);
      expect(Date.parse((await getCronJob('pausable')).status!.lastScheduleTime!)).toBeLessThanOrEqual(suspendedAt);
      await client.cronJobs.namespace(ns).patch('pausable', { spec: { suspend: false } });
      const resumedAt = Date.now();
      await eventually(async () => (await scheduled('pausable')).some((at) => at > resumedAt), 'runs to resume');
      await client.cronJobs.namespace(ns).patch('pausable', { spec: { suspend: true } });
      await client.cronJobs.namespace(ns).patch('witness', { spec: { suspend: true } });
    });

    it('prunes finished Jobs beyond the history limits', async ({ expect }) => {
      await client.cronJobs.namespace(ns).create(cronJob(ns, 'history', 'succeed', { successfulJobsHistoryLimit: 1 }));
      await client.cronJobs.namespace(ns).create(cronJob(ns, 'history-fail', 'fail', { failedJobsHistoryLimit: 1 }));
      await eventually(
        async () => {
          const ok = await jobsOf('history');
          const pruned = await eventCount('history', 'SuccessfulDelete');
          return (await eventCount('history', 'SuccessfulCreate')) >= 3 && pruned >= 2 && ok.filter((j) => isFinished(j, 'Complete')).length === 1;
        },
        'three runs with one successful job kept',
        20_000,
      );
      await eventually(
        async () => {
          const failed = await jobsOf('history-fail');
          const pruned = await eventCount('history-fail', 'SuccessfulDelete');
          return (await eventCount('history-fail', 'SuccessfulCreate')) >= 3 && pruned >= 2 && failed.filter((j) => isFinished(j, 'Failed')).length === 1;
        },
        'three failed runs with one failed job kept',
        20_000,
      );
      expect((await getCronJob('history')).status?.lastSuccessfulTime).toBeTruthy();
      expect((await getCronJob('history-fail')).status?.lastSuccessfulTime).toBeUndefined();
      await client.cronJobs.namespace(ns).patch('history', { spec: { suspend: true } });
      await client.cronJobs.namespace(ns).patch('history-fail', { spec: { suspend: true } });
    });

    it('runs in the given timeZone, and refuses an unknown one', async ({ expect }) => {
      await client.cronJobs.namespace(ns).create(cronJob(ns, 'kolkata', 'succeed', { timeZone: 'Asia/Kolkata' }));
      await client.cronJobs.namespace(ns).create(cronJob(ns, 'nowhere', 'succeed', { timeZone: 'Mars/Olympus_Mons' }));
      const [job] = await eventually(async () => {
        const jobs = await jobsOf('kolkata');
        return jobs.length > 0 ? jobs : undefined;
      }, 'a job in Asia/Kolkata');
      expect(job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toMatch(/\+05:30$/);
      await eventually(async () => (await eventsOf('nowhere')).some((e) => e.reason === 'UnknownTimeZone' && e.type === 'Warning'), 'an UnknownTimeZone warning');
      expect(await jobsOf('nowhere')).toHaveLength(0);
      await client.cronJobs.namespace(ns).patch('kolkata', { spec: { suspend: true } });
    });
  });
});

describe('CronJob controller with a clock ahead of the server', () => {
  let t: ControllerTest;
  let client: Client;
  const ns = 'missed';
  // Ten minutes ahead: 300 scheduled times of an every-2s schedule were missed.
  const clock = new FakeClock(Math.ceil(Date.now() / 1000) * 1000 + 600_000 + 500);

  beforeAll(async () => {
    t = await startControllerTest({ clock });
    client = t.client;
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await t.run(newCronJobController(t.ctx));
  });

  afterAll(async () => {
    await t?.close();
  });

  const jobNames = async (name: string): Promise<string[]> =>
    (await client.jobs.namespace(ns).list()).items.filter((j) => j.metadata?.ownerReferences?.[0]?.name === name).map((j) => j.metadata!.name!).sort();

  it('warns after more than 100 missed runs and starts only the most recent', async () => {
    await client.cronJobs.namespace(ns).create(cronJob(ns, 'late', 'run'));
    const names = await eventually(async () => {
      const n = await jobNames('late');
      return n.length > 0 ? n : undefined;
    }, 'a job');
    const mostRecent = Math.floor(clock.now() / 2000) * 2;
    expect(names).toEqual([`late-${mostRecent}`]);
    await eventually(
      async () => (await client.events.namespace(ns).list()).items.some((e) => e.involvedObject?.name === 'late' && e.reason === 'TooManyMissedTimes' && e.type === 'Warning'),
      'a TooManyMissedTimes warning',
    );
    // The next scheduled time comes when the (fake) clock reaches it.
    clock.advance(2000);
    await eventually(async () => (await jobNames('late')).length === 2, 'the next run');
    expect(await jobNames('late')).toEqual([`late-${mostRecent}`, `late-${mostRecent + 2}`]);
  });

  it('with startingDeadlineSeconds, looks back no further than the deadline and does not warn', async () => {
    await client.cronJobs.namespace(ns).create(cronJob(ns, 'bounded', 'run', { startingDeadlineSeconds: 10 }));
    await eventually(async () => (await jobNames('bounded')).length === 1, 'a job');
    expect(
      (await client.events.namespace(ns).list()).items.some((e) => e.involvedObject?.name === 'bounded' && e.reason === 'TooManyMissedTimes'),
    ).toBe(false);
  });
});
