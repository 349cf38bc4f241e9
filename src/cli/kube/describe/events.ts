// The Events section of describe: the object's events (listed by
// involvedObject name and namespace, then matched by kind and uid), oldest
// first, as `Type Reason Age From Message` with "(xN over M)" for repeats.

import type { Event } from '../../../api/generated/index.js';
import type { Client, KubeObject } from '../../../client/index.js';
import { since, type PrefixWriter } from './writer.js';

/** The events about `obj` (empty when events cannot be listed). */
export async function eventsFor(client: Client, obj: KubeObject): Promise<Event[]> {
  const name = obj.metadata?.name ?? '';
  const namespace = obj.metadata?.namespace;
  const fieldSelector = [`involvedObject.name=${name}`, ...(namespace ? [`involvedObject.namespace=${namespace}`] : [`involvedObject.kind=${obj.kind ?? ''}`])].join(',');
  let items: Event[];
  try {
    const events = client.events;
    items = (await (namespace ? events.namespace(namespace) : events).list({ fieldSelector, limit: 500 })).items;
  } catch {
    return [];
  }
  const uid = obj.metadata?.uid;
  return items.filter((e) => (!e.involvedObject.kind || e.involvedObject.kind === obj.kind) && (!e.involvedObject.uid || !uid || e.involvedObject.uid === uid));
}

function lastSeen(e: Event): string | undefined {
  return e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
}

function firstSeen(e: Event): string | undefined {
  return e.eventTime ?? e.firstTimestamp ?? e.lastTimestamp ?? e.metadata.creationTimestamp;
}

/** "5s", or "2m (x4 over 10m)" for an event seen several times. */
export function eventInterval(e: Event, now: number): string {
  const count = e.series?.count ?? e.count ?? 1;
  if (count > 1) return `${since(lastSeen(e), now)} (x${count} over ${since(firstSeen(e), now)})`;
  return since(firstSeen(e), now);
}

export function writeEvents(w: PrefixWriter, events: Event[], now: number): void {
  if (events.length === 0) return w.line(0, 'Events:', '<none>');
  const sorted = [...events].sort((a, b) => (Date.parse(lastSeen(a) ?? '') || 0) - (Date.parse(lastSeen(b) ?? '') || 0));
  w.line(0, 'Events:');
  w.line(1, 'Type', 'Reason', 'Age', 'From', 'Message');
  w.line(1, '----', '------', '----', '----', '-------');
  for (const e of sorted) {
    const from = e.source?.component ? `${e.source.component}${e.source.host ? `, ${e.source.host}` : ''}` : (e.reportingComponent ?? '');
    w.line(1, e.type ?? '', e.reason ?? '', eventInterval(e, now), from, (e.message ?? '').trim().replace(/\s*\n\s*/g, ' '));
  }
}
