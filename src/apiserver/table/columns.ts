/**
 * Column definitions, with the descriptions kube-apiserver takes from the API's Swagger docs.
 */
import type { TableColumnDefinition, TableColumnType } from './types.js';

export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

export const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** A column; `priority: 1` marks a `-o wide` column. */
export function column(name: string, type: TableColumnType, description: string, options: { priority?: number; format?: string } = {}): TableColumnDefinition {
  return { name, type, format: options.format ?? '', description, priority: options.priority ?? 0 };
}

export const nameColumn = (priority = 0): TableColumnDefinition => column('Name', 'string', NAME_DESCRIPTION, { format: 'name', priority });
export const ageColumn = (): TableColumnDefinition => column('Age', 'string', CREATION_TIMESTAMP_DESCRIPTION);

/** The Containers, Images, Selector wide columns of the workload printers. */
export function templateColumns(selectorDescription: string): TableColumnDefinition[] {
  return [
    column('Containers', 'string', 'Names of each container in the template.', { priority: 1 }),
    column('Images', 'string', 'Images referenced by each container in the template.', { priority: 1 }),
    column('Selector', 'string', selectorDescription, { priority: 1 }),
  ];
}

export const LABEL_SELECTOR_DESCRIPTION =
  'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template\'s labels.';
