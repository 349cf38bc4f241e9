/* Generated from schemas/ by npm run gen. Do not edit. */

import type { ObjectMeta } from "./common.js";

/**
 * Secret data of a certain type. The total size must be less than 1 MiB.
 */
export interface Secret {
  apiVersion: "v1";
  kind: "Secret";
  metadata: ObjectMeta;
  /**
   * Secret data, base64 encoded. Keys must consist of alphanumeric characters, '-', '_' or '.'.
   */
  data?: {
    [k: string]: string;
  };
  /**
   * Write-only convenience: non-binary values merged into data on write, overwriting it. Never output when reading.
   */
  stringData?: {
    [k: string]: string;
  };
  /**
   * Used to facilitate programmatic handling of secret data, e.g. Opaque, kubernetes.io/tls, kubernetes.io/dockerconfigjson.
   *
   * @default "Opaque"
   */
  type?: string;
  immutable?: boolean;
}
