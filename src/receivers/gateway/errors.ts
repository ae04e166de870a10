import type { ServerResponse } from 'node:http';

/** OpenAI-style error types the gateway answers with. */
export type GatewayErrorType = 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'upstream_error' | 'timeout_error' | 'server_error';

/** An OpenAI-style error body: `{"error": {"message", "type", "param", "code"}}`. */
export function errorBody(message: string, type: GatewayErrorType, code: string | null = null): string {
  return JSON.stringify({ error: { message, type, param: null, code } });
}

/** Sends an OpenAI-style error unless headers already went out. */
export function sendError(res: ServerResponse, status: number, message: string, type: GatewayErrorType, code: string | null = null, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const body = errorBody(message, type, code);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** The error event that ends a stream the upstream broke off: clients see an error, not a silent end. */
export function streamErrorEvent(message: string, code: string): string {
  return `data: ${errorBody(message, 'upstream_error', code)}\n\n`;
}
