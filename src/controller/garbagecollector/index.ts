// The garbage collector: cascading deletion through ownerReferences (background, foreground, orphan).

export { GarbageCollector, newGarbageCollectorController, resolveKind, type Classification, type GarbageCollectorOptions } from './garbage-collector.js';
export { DependencyGraph, FOREGROUND_FINALIZER, nodeFor, ORPHAN_FINALIZER, type GraphChange, type GraphNode, type GraphObject, type ObjectIdentity } from './graph.js';
