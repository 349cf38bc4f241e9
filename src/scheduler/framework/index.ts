// The scheduling framework: statuses, cycle state, pod/node infos, plugin
// interfaces, profiles and snapshots.

export * from './status.js';
export * from './cycle-state.js';
export * from './types.js';
export * from './helpers.js';
export * from './interface.js';
export * from './snapshot.js';
export * from './profile.js';
