// The kubectl-like verbs: `gitplane get | describe | apply | delete | logs |
// scale | rollout …`, speaking to the API server through the client as kubectl
// does (server-side Tables, discovery for resource names, Status errors).
// Usage errors in any of them exit 2 (the exit callback is set on each).

import type { Command } from 'commander';
import { usageExit } from '../command.js';
import { registerApply } from './apply.js';
import { registerDelete } from './delete.js';
import { registerDescribe } from './describe/index.js';
import { registerGet } from './get.js';
import { registerLogs } from './logs.js';
import { registerRollout } from './rollout.js';
import { registerScale } from './scale.js';

const VERBS = ['get', 'describe', 'apply', 'delete', 'logs', 'scale', 'rollout'];

export function registerKube(program: Command): void {
  registerGet(program);
  registerDescribe(program);
  registerApply(program);
  registerDelete(program);
  registerLogs(program);
  registerScale(program);
  registerRollout(program);
  for (const cmd of program.commands) {
    if (!VERBS.includes(cmd.name())) continue;
    cmd.exitOverride(usageExit);
    for (const sub of cmd.commands) sub.exitOverride(usageExit);
  }
}
