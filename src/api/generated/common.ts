/* Generated from schemas/ by npm run gen. Do not edit. */

/**
 * RFC 3339 date and time, serialized as a string, e.g. "2024-01-02T15:04:05Z".
 */
export type Time = string;
/**
 * RFC 3339 date and time with microsecond precision, e.g. "2024-01-02T15:04:05.000001Z".
 */
export type MicroTime = string;
/**
 * A fixed-point number with an optional suffix: binary SI (Ki, Mi, Gi, Ti, Pi, Ei), decimal SI (n, u, m, "", k, M, G, T, P, E) or a decimal exponent (e3). Examples: "100m", "1.5Gi", 2.
 */
export type Quantity = string | number;
/**
 * An int32 or a string, e.g. a port number or name, or a percentage like "25%".
 */
export type IntOrString = number | string;
/**
 * Resource name (cpu, memory, ephemeral-storage, ...) to quantity.
 */
export interface ResourceList {
  [k: string]: Quantity;
}
/**
 * Metadata that all persisted resources must have.
 */
export interface ObjectMeta {
  /**
   * Unique within a namespace. Required when creating resources, unless generateName is set.
   */
  name?: string;
  /**
   * Prefix the server uses to generate a unique name when name is not set.
   */
  generateName?: string;
  /**
   * The namespace the object lives in; empty for cluster-scoped kinds. Must be a DNS-1123 label.
   */
  namespace?: string;
  /**
   * Deprecated. Not set by the server.
   */
  selfLink?: string;
  /**
   * Unique in time and space; set by the server on create, read-only.
   */
  uid?: string;
  /**
   * Opaque version of the object used for optimistic concurrency and watch; set by the server.
   */
  resourceVersion?: string;
  /**
   * Sequence number of a specific generation of the desired state; set by the server.
   */
  generation?: number;
  creationTimestamp?: Time;
  deletionTimestamp?: Time;
  /**
   * Seconds allowed for graceful termination before the object is removed; set with deletionTimestamp.
   */
  deletionGracePeriodSeconds?: number;
  /**
   * Map of string keys and values used to organize and select objects.
   */
  labels?: {
    [k: string]: string;
  };
  /**
   * Unstructured key value map set by external tools to store arbitrary metadata.
   */
  annotations?: {
    [k: string]: string;
  };
  /**
   * Objects this object depends on; when all owners are deleted the garbage collector deletes this object.
   */
  ownerReferences?: OwnerReference[];
  /**
   * Must be empty before the object is deleted from the registry.
   */
  finalizers?: string[];
  /**
   * Field ownership for server-side apply.
   */
  managedFields?: ManagedFieldsEntry[];
}
/**
 * Identifies an owning object. The owner must be in the same namespace as the dependent, or cluster-scoped.
 */
export interface OwnerReference {
  /**
   * API version of the referent.
   */
  apiVersion: string;
  /**
   * Kind of the referent.
   */
  kind: string;
  /**
   * Name of the referent.
   */
  name: string;
  /**
   * UID of the referent.
   */
  uid: string;
  /**
   * If true, this reference points to the managing controller.
   */
  controller?: boolean;
  /**
   * If true, the owner cannot be deleted from the key-value store until this reference is removed (foreground deletion).
   */
  blockOwnerDeletion?: boolean;
}
/**
 * A workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.
 */
export interface ManagedFieldsEntry {
  /**
   * Identifier of the workflow managing these fields.
   */
  manager?: string;
  /**
   * Type of operation which lead to this entry.
   */
  operation?: "Apply" | "Update";
  apiVersion?: string;
  time?: Time;
  /**
   * The only valid value is "FieldsV1".
   */
  fieldsType?: string;
  /**
   * Set of fields in the FieldsV1 trie format.
   */
  fieldsV1?: {
    [k: string]: unknown;
  };
  subresource?: string;
}
/**
 * Metadata that synthetic resources (lists) must have.
 */
export interface ListMeta {
  /**
   * Deprecated.
   */
  selfLink?: string;
  /**
   * The store revision the list was read at; start a watch from here.
   */
  resourceVersion?: string;
  /**
   * Set when more results are available; pass as the continue parameter of the next list call.
   */
  continue?: string;
  /**
   * Number of items not included in this list response (may be an estimate).
   */
  remainingItemCount?: number;
}
/**
 * A label query over a set of resources. The requirements are ANDed; an empty selector matches all objects, a null one matches none.
 */
export interface LabelSelector {
  /**
   * Each {key,value} pair is equivalent to an element of matchExpressions with operator In and a single value.
   */
  matchLabels?: {
    [k: string]: string;
  };
  matchExpressions?: LabelSelectorRequirement[];
}
/**
 * A selector that contains values, a key, and an operator that relates the key and values.
 */
export interface LabelSelectorRequirement {
  /**
   * The label key that the selector applies to.
   */
  key: string;
  /**
   * A key's relationship to a set of values.
   */
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  /**
   * Non-empty for In and NotIn, empty for Exists and DoesNotExist.
   */
  values?: string[];
}
/**
 * One aspect of the current state of a resource (meta/v1 Condition).
 */
export interface Condition {
  /**
   * Type of condition in CamelCase.
   */
  type: string;
  status: "True" | "False" | "Unknown";
  /**
   * The metadata.generation the condition was set based upon.
   */
  observedGeneration?: number;
  lastTransitionTime: Time;
  /**
   * Programmatic identifier for the last transition, in CamelCase.
   */
  reason: string;
  /**
   * Human readable message about the transition.
   */
  message: string;
}
/**
 * Enough information to inspect or modify the referred object.
 */
export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  /**
   * A piece of an object instead of the whole, e.g. "spec.containers{name}".
   */
  fieldPath?: string;
}
/**
 * Enough information to locate the referenced object inside the same namespace.
 */
export interface LocalObjectReference {
  /**
   * Name of the referent.
   */
  name?: string;
}
/**
 * Maps a string key to a path within a volume.
 */
export interface KeyToPath {
  /**
   * The key to project.
   */
  key: string;
  /**
   * Relative path of the file to map the key to. May not contain '..' nor start with '/'.
   */
  path: string;
  /**
   * Mode bits for this file, 0000 to 0777 (octal) or 0 to 511 (decimal).
   */
  mode?: number;
}
/**
 * Return value for calls that don't return other objects, and the body of every API error.
 */
export interface Status {
  apiVersion?: "v1";
  kind?: "Status";
  metadata?: ListMeta;
  /**
   * "Success" or "Failure".
   */
  status?: "Success" | "Failure";
  /**
   * Human-readable description of the status of this operation.
   */
  message?: string;
  /**
   * Machine-readable description of why this operation failed, e.g. NotFound, AlreadyExists, Conflict, Invalid, Gone.
   */
  reason?: string;
  details?: StatusDetails;
  /**
   * Suggested HTTP return code for this status.
   */
  code?: number;
}
/**
 * Extended data associated with the reason.
 */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}
/**
 * More information about a failure, e.g. the field that was invalid.
 */
export interface StatusCause {
  /**
   * Machine-readable description of the cause, e.g. FieldValueRequired, FieldValueInvalid.
   */
  reason?: string;
  message?: string;
  /**
   * The field of the resource that caused this error, e.g. "spec.containers[0].image".
   */
  field?: string;
}
