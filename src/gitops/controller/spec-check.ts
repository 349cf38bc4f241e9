// Checks of an Application's spec that Git cannot fix: unknown sync options,
// ignoreDifferences the diff cannot compile, a bad poll schedule, a preview
// namespace template that cannot make a namespace name. Each problem becomes
// an InvalidSpecError condition and the app is neither compared nor synced.

import type { Application } from '../../api/generated/index.js';
import { validateIgnoreRules, type IgnoreRule } from '../diff/index.js';
import { validatePoll } from '../source/index.js';
import { previewNamespace } from './previews.js';

const SYNC_OPTIONS = new Set(['CreateNamespace=true', 'CreateNamespace=false', 'PruneLast=true', 'PruneLast=false', 'Validate=false', 'Validate=true', 'ApplyOutOfSyncOnly=true', 'ApplyOutOfSyncOnly=false']);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Every problem with the spec, as messages naming the field. */
export function checkSpec(app: Application): string[] {
  const problems: string[] = [];
  for (const option of app.spec.syncPolicy?.syncOptions ?? []) {
    if (!SYNC_OPTIONS.has(option.replace(/\s+/g, ''))) problems.push(`spec.syncPolicy.syncOptions: unsupported option "${option}" (supported: ${[...SYNC_OPTIONS].filter((o) => o.endsWith('=true') || o === 'Validate=false').join(', ')})`);
  }
  try {
    validateIgnoreRules((app.spec.ignoreDifferences ?? []) as IgnoreRule[]);
  } catch (err) {
    problems.push(`spec.ignoreDifferences: ${(err as Error).message}`);
  }
  if (app.spec.source.pollInterval) {
    try {
      validatePoll(app.spec.source.pollInterval);
    } catch (err) {
      problems.push(`spec.source.pollInterval: ${(err as Error).message}`);
    }
  }
  if (app.spec.previews?.branches?.length) {
    const sample = previewNamespace(app, 'feature/example');
    if (!DNS_LABEL.test(sample)) problems.push(`spec.previews.namespaceTemplate: "${app.spec.previews.namespaceTemplate}" makes "${sample}", not a valid namespace name (lower-case letters, digits and "-")`);
  }
  const destination = app.spec.destination.namespace;
  if (destination !== undefined && !DNS_LABEL.test(destination)) problems.push(`spec.destination.namespace: "${destination}" is not a valid namespace name`);
  return problems;
}
