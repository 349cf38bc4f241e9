// gitops/diff: desired vs live, three-way as kubectl apply computes it, normalized, with
// ignoreDifferences, and rendered as unified YAML diffs with Secret values redacted.
// Knows nothing of Git: it compares objects.

export { prepareForApply, stableStringify, type AppRef } from './prepare.js';
export { diffResource, patchTypeFor, type DiffOptions, type ResourceDiff } from './diff-resource.js';
export { normalize } from './normalize.js';
export { ignoreStripperFor, validateIgnoreRules, type IgnoreRule, type IgnoreStripper } from './ignore.js';
export { redactSecret, type RedactionTable } from './redact.js';
export { formatDiff, type FormatOptions, type PruneDiff } from './format.js';
export { threeWayPatch } from './three-way.js';
