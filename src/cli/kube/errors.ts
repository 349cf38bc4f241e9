// The error a kubectl-like verb reports itself (not the API server's): printed
// as kubectl does, `error: <message>`, with its exit code (1, or 2 for usage).

import { EXIT } from '../output.js';

export class KubeError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FAILURE,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}
