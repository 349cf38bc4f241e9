// `gitplane describe TYPE [NAME_PREFIX] | TYPE/NAME`: a readable summary of
// objects — metadata, spec highlights, status, conditions and the object's
// Events — with dedicated layouts for Pods, Deployments, ReplicaSets,
// Services, Nodes and Namespaces and kubectl's generic one for everything else.

import type { Command } from 'commander';
import type { Deployment, Endpoints, Event, Lease, Namespace, Node, Pod, ReplicaSet, Service } from '../../../api/generated/index.js';
import type { KindInfo } from '../../../api/schemas.js';
import { isStatusError } from '../../../api/status.js';
import { isNotFound, type Client, type KubeObject } from '../../../client/index.js';
import { examples, usageError } from '../../command.js';
import { CliExit, EXIT } from '../../output.js';
import { addKubeConnectionFlags, boolOption, formatApiError, withKube, type KubeContext, type KubeFlags } from '../common.js';
import { KubeError } from '../errors.js';
import { noResourcesMessage } from '../get.js';
import { parseResourceArgs, resolveRequests, resourceClient } from '../resources.js';
import { describeGeneric, describeNamespace, describeNode, describeService } from './core.js';
import { eventsFor } from './events.js';
import { describePod } from './pod.js';
import { describeDeployment, describeReplicaSet, ownedBy } from './workloads.js';

interface DescribeFlags extends KubeFlags {
  allNamespaces?: boolean;
  selector?: string;
  showEvents: boolean;
}

export function registerDescribe(program: Command): void {
  const cmd = addKubeConnectionFlags(
    program
      .command('describe')
      .argument('[resources...]', 'TYPE [NAME_PREFIX] or TYPE/NAME')
      .description('show details of objects: metadata, spec, status, conditions and their events'),
  )
    .option('-A, --all-namespaces', 'describe matching objects in every namespace')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web')
    .addOption(boolOption('show-events', 'include the events about each object', true))
    .action((args: string[], flags: DescribeFlags) => withKube(flags, (ctx) => runDescribe(ctx, cmd, args, flags)));
  examples(cmd, [
    'gitplane describe pod web-5d8f7c-x2x9z',
    '# Every pod whose name starts with "web-":',
    'gitplane describe pods web-',
    'gitplane describe deployment/web',
    'gitplane describe svc web -n shop',
    'gitplane describe nodes',
  ]);
}

async function runDescribe(ctx: KubeContext, cmd: Command, args: string[], flags: DescribeFlags): Promise<void> {
  if (args.length === 0) usageError(cmd, 'you must specify the type of resource to describe (e.g. pods, deployments, svc)');
  let parsed: ReturnType<typeof parseResourceArgs>;
  try {
    parsed = parseResourceArgs(args, 'describe');
  } catch (err) {
    if (err instanceof KubeError && err.exitCode === EXIT.USAGE) usageError(cmd, err.message);
    throw err;
  }
  const requests = await resolveRequests(ctx.resolver, parsed);
  if (flags.allNamespaces && requests.some((r) => r.names.length > 0 && r.info.namespaced)) usageError(cmd, 'a resource cannot be retrieved by name across all namespaces');
  const namespace = flags.allNamespaces ? undefined : ctx.namespace;
  const errors: string[] = [];
  const texts: string[] = [];
  const now = Date.now();
  for (const req of requests) {
    const rc = resourceClient(ctx.client, req.info, namespace);
    const objects: KubeObject[] = [];
    if (req.names.length === 0) {
      objects.push(...(await rc.listAll(flags.selector ? { labelSelector: flags.selector } : {})).items);
    } else {
      for (const name of req.names) {
        try {
          objects.push(await rc.get(name));
        } catch (err) {
          if (!isNotFound(err)) throw err;
          // kubectl describe takes a name prefix when no object has the exact name.
          const matches = (await rc.listAll(flags.selector ? { labelSelector: flags.selector } : {})).items.filter((o) => o.metadata?.name?.startsWith(name));
          if (matches.length === 0 && isStatusError(err)) errors.push(formatApiError(err));
          objects.push(...matches);
        }
      }
    }
    for (const obj of objects) texts.push(await describeObject(ctx.client, req.info, obj, { showEvents: flags.showEvents, now }));
  }
  if (texts.length > 0) ctx.term.out(texts.join('\n\n\n'));
  else if (errors.length === 0) ctx.term.err(noResourcesMessage(requests, namespace));
  for (const e of errors) ctx.term.err(e);
  if (errors.length > 0) throw new CliExit(EXIT.FAILURE, errors[0]!);
}

/** The describe text of one object, reading what its layout needs (events, ReplicaSets, pods, endpoints, lease). */
export async function describeObject(client: Client, info: KindInfo, obj: KubeObject, opts: { showEvents?: boolean; now?: number } = {}): Promise<string> {
  const now = opts.now ?? Date.now();
  const events: Event[] = opts.showEvents === false ? [] : await eventsFor(client, obj);
  const ns = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  const uid = obj.metadata?.uid;
  const key = `${info.group}/${info.kind}`;
  switch (key) {
    case '/Pod':
      return describePod(obj as unknown as Pod, events, now);
    case 'apps/Deployment': {
      const d = obj as unknown as Deployment;
      const rss = await listOrEmpty(() => client.replicaSets.namespace(ns).list(d.spec?.selector ? { labelSelector: d.spec.selector } : {}));
      return describeDeployment(d, ownedBy(rss, uid), events, now);
    }
    case 'apps/ReplicaSet': {
      const rs = obj as unknown as ReplicaSet;
      const pods = await listOrEmpty(() => client.pods.namespace(ns).list(rs.spec?.selector ? { labelSelector: rs.spec.selector } : {}));
      return describeReplicaSet(rs, ownedBy(pods, uid), events, now);
    }
    case '/Service': {
      let endpoints: Endpoints | undefined;
      try {
        endpoints = await client.endpoints.namespace(ns).get(name);
      } catch {
        endpoints = undefined;
      }
      return describeService(obj as unknown as Service, endpoints, events, now);
    }
    case '/Node': {
      const pods = await listOrEmpty(() => client.pods.list({ fieldSelector: `spec.nodeName=${name}` }));
      let lease: Lease | undefined;
      try {
        lease = await client.leases.namespace('kube-node-lease').get(name);
      } catch {
        lease = undefined;
      }
      return describeNode(obj as unknown as Node, pods, lease, events, now);
    }
    case '/Namespace':
      return describeNamespace(obj as unknown as Namespace, events, now);
    default:
      return describeGeneric(obj, events, now);
  }
}

async function listOrEmpty<T>(fn: () => Promise<{ items: T[] }>): Promise<T[]> {
  try {
    return (await fn()).items;
  } catch {
    return [];
  }
}
