// The contract between the API server and its transports. The HTTP server
// adapts node's request/response to it, and the client's in-process
// transport calls the very same handler without a socket, so both paths run
// identical code.

export interface ApiRequest {
  method: string;
  /** Path and query, e.g. "/api/v1/namespaces/default/pods?watch=true". */
  url: string;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** The whole body (the HTTP adapter enforces the size limit before calling). */
  body?: Buffer;
  /** Aborted when the client goes away (ends watches and log follows). */
  signal: AbortSignal;
  /** For logs and audit. */
  remoteAddress?: string;
}

export interface ApiResponse {
  /** Send status and headers now (watches flush them at once). */
  writeHead(status: number, headers: Record<string, string>): void;
  /** Write a chunk of a streamed body; resolves when it may write more (backpressure). */
  write(chunk: string | Buffer): Promise<void>;
  end(chunk?: string | Buffer): void;
}

export type ApiHandler = (req: ApiRequest, res: ApiResponse) => Promise<void>;
