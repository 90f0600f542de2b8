import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorState } from './state';
import type { EmulatorRequestRecord } from './types';

/** Everything a route handler needs for one request. */
export interface RequestContext {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  readonly record: EmulatorRequestRecord;
  readonly rawBody: string;
  /** Aborted when the client goes away or the emulator closes. */
  readonly signal: AbortSignal;
  readonly state: EmulatorState;
}

/** Google front ends answer JSON pretty-printed with two spaces; SSE events are compact. */
export function sendJson(context: RequestContext, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const { response } = context;
  if (response.headersSent || response.destroyed) return;
  const text = `${JSON.stringify(body, null, 2)}\n`;
  context.record.status = status;
  response.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': String(Buffer.byteLength(text)),
    vary: 'Origin, X-Origin, Referer',
    ...headers,
  });
  response.end(text);
}

export function sendText(context: RequestContext, status: number, text: string, headers: Record<string, string> = {}): void {
  const { response } = context;
  if (response.headersSent || response.destroyed) return;
  context.record.status = status;
  response.writeHead(status, { 'content-type': 'text/html; charset=UTF-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  response.end(text);
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. Never blocks the event loop. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
    request.on('close', () => reject(new Error('request closed before its body was read')));
  });
}

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; message: string };

export function parseJson(text: string): JsonParseResult {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Form bodies (what google-auth-library sends); JSON bodies are accepted too, as Google does. */
export function parseForm(text: string, contentType: string | undefined): Record<string, string> {
  if (contentType?.includes('application/json')) {
    const parsed = parseJson(text);
    if (parsed.ok && isRecord(parsed.value)) {
      return Object.fromEntries(Object.entries(parsed.value).map(([key, value]) => [key, String(value)]));
    }
    return {};
  }
  return Object.fromEntries(new URLSearchParams(text));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The bearer token of the Authorization header, if any. */
export function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Sends a Google error; stream methods wrap the body in a one-element array (§3.1). */
export function sendError(context: RequestContext, error: { httpStatus: number; body: unknown; headers?: Record<string, string> }, arrayWrapped = false): void {
  sendJson(context, error.httpStatus, arrayWrapped ? [error.body] : error.body, error.headers);
}
