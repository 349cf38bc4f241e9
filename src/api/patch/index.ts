/** The patch formats kube-apiserver accepts: JSON patch, JSON merge patch and strategic merge patch. */
export { applyJsonPatch, formatJsonPointer, parseJsonPointer, type JsonPatchOperation } from './json-patch.js';
export { applyMergePatch, createMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch, applyStrategicMergePatchWithMeta } from './strategic-merge.js';
export { mergeKeysFor, patchMetaFor, type FieldPatchMeta, type PatchFieldInfo, type PatchMeta } from './patch-meta.js';
export { deepClone, deepEqual, isJsonObject, type JsonObject, type JsonValue } from './json.js';
export { diffStrategicMerge, diffStrategicMergeWithMeta } from './strategic-diff.js';
