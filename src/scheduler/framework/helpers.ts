// Matching shared by several plugins: node selector terms (required and
// preferred node affinity, nodeSelector) and taints against tolerations, as
// k8s.io/component-helpers/scheduling/corev1 does them.

import type { Labels } from '../../api/labels.js';
import type { NodeSelectorRequirement, NodeSelectorTerm, Pod, Taint, Toleration } from '../../api/generated/index.js';
import type { NodeInfo } from './types.js';

/** A compiled node selector term: all its requirements must hold. */
export type NodeMatcher = (labels: Labels, nodeName: string) => boolean;

const NEVER: NodeMatcher = () => false;
const INTEGER_RE = /^[+-]?[0-9]+$/;

function compileRequirement(r: NodeSelectorRequirement, field: boolean): NodeMatcher {
  const key = r.key;
  const values = r.values ?? [];
  if (field) {
    // Only metadata.name is a supported field, with In and NotIn.
    if (key !== 'metadata.name') return NEVER;
    if (r.operator === 'In') return (_l, name) => values.includes(name);
    if (r.operator === 'NotIn') return (_l, name) => !values.includes(name);
    return NEVER;
  }
  switch (r.operator) {
    case 'In':
      if (values.length === 1) {
        const v = values[0];
        return (l) => l[key] === v;
      }
      return (l) => Object.prototype.hasOwnProperty.call(l, key) && values.includes(l[key]);
    case 'NotIn':
      return (l) => !Object.prototype.hasOwnProperty.call(l, key) || !values.includes(l[key]);
    case 'Exists':
      return (l) => Object.prototype.hasOwnProperty.call(l, key);
    case 'DoesNotExist':
      return (l) => !Object.prototype.hasOwnProperty.call(l, key);
    case 'Gt':
    case 'Lt': {
      if (values.length !== 1 || !INTEGER_RE.test(values[0])) return NEVER;
      const bound = Number(values[0]);
      const gt = r.operator === 'Gt';
      return (l) => {
        const v = l[key];
        if (v === undefined || !INTEGER_RE.test(v)) return false;
        const n = Number(v);
        return gt ? n > bound : n < bound;
      };
    }
    default:
      return NEVER;
  }
}

/** A term with no requirements matches no node (as in kube). */
export function compileNodeSelectorTerm(term: NodeSelectorTerm | undefined | null): NodeMatcher {
  if (!term) return NEVER;
  const parts: NodeMatcher[] = [
    ...(term.matchExpressions ?? []).map((r) => compileRequirement(r, false)),
    ...(term.matchFields ?? []).map((r) => compileRequirement(r, true)),
  ];
  if (parts.length === 0) return NEVER;
  if (parts.length === 1) return parts[0];
  return (l, n) => {
    for (const p of parts) if (!p(l, n)) return false;
    return true;
  };
}

/** Terms are ORed. */
export function compileNodeSelectorTerms(terms: readonly NodeSelectorTerm[]): NodeMatcher {
  const compiled = terms.map(compileNodeSelectorTerm);
  if (compiled.length === 0) return NEVER;
  if (compiled.length === 1) return compiled[0];
  return (l, n) => {
    for (const c of compiled) if (c(l, n)) return true;
    return false;
  };
}

/**
 * The pod's hard node constraints: spec.nodeSelector AND the required node affinity
 * (nodeaffinity.GetRequiredNodeAffinity). Undefined when the pod has none.
 */
export function requiredNodeAffinity(pod: Pod): NodeMatcher | undefined {
  const selector = pod.spec?.nodeSelector;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const entries = selector ? Object.entries(selector) : [];
  const terms = required ? compileNodeSelectorTerms(required.nodeSelectorTerms ?? []) : undefined;
  if (entries.length === 0 && !terms) return undefined;
  return (l, n) => {
    for (const [k, v] of entries) if (l[k] !== v) return false;
    return terms ? terms(l, n) : true;
  };
}

export function nodeMatches(matcher: NodeMatcher | undefined, ni: NodeInfo): boolean {
  return matcher === undefined || matcher(ni.labels, ni.name);
}

/** Whether a toleration tolerates a taint (v1.Toleration.ToleratesTaint). */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first NoSchedule/NoExecute taint the tolerations do not tolerate. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  for (const taint of taints) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}
