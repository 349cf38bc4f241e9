// The client package: how every component but the API server reaches the
// cluster — transports (HTTP, in-process, kubeconfig), typed clients,
// informers with indexed caches and listers, and work queues.

export * from './transport/types.js';
export { splitLines } from './transport/lines.js';
export { httpTransport, type HttpTransportOptions } from './transport/http.js';
export { inProcessTransport, type InProcessTransportOptions } from './transport/in-process.js';
export {
  defaultKubeconfigPath,
  loadKubeconfig,
  parseKubeconfig,
  type KubeconfigContext,
  type KubeconfigOptions,
  type LoadedKubeconfig,
} from './transport/kubeconfig.js';

export { Client, createClient, type ClientOptions, type RawRequestOptions } from './client.js';
export * from './resource-client.js';
export * from './watch.js';
export * from './errors.js';
export * from './selector.js';

export * from './cache.js';
export * from './informer.js';
export * from './informer-factory.js';
export { Backoff, sleep, type BackoffOptions } from './backoff.js';
export * from './workqueue.js';
export * from './events.js';
