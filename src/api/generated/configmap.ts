/* Generated from schemas/ by npm run gen. Do not edit. */

import type { ObjectMeta } from "./common.js";

/**
 * Configuration data for pods to consume.
 */
export interface ConfigMap {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: ObjectMeta;
  /**
   * UTF-8 configuration data. Keys must consist of alphanumeric characters, '-', '_' or '.'.
   */
  data?: {
    [k: string]: string;
  };
  /**
   * Binary data, base64 encoded. Keys must not overlap with data.
   */
  binaryData?: {
    [k: string]: string;
  };
  /**
   * If true, data cannot be updated, only the object deleted and recreated.
   */
  immutable?: boolean;
}
