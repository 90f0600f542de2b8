import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export type Surface = 'openai' | 'gemini' | 'anthropic' | 'responses' | 'health' | 'other';

/** What a client key from the keys file may do (every field optional: absent = unlimited). */
export interface ClientKeyPolicy {
  /** Globs over the model name the client asked for. */
  models?: string[];
  requestsPerMinute?: number;
  tokensPerDay?: number;
  maxConcurrent?: number;
  /** Epoch ms. */
  expiresAt?: number;
}

/** What every log line and metric of one request needs to know, carried by AsyncLocalStorage. */
export interface RequestContext {
  requestId: string;
  surface: Surface;
  startedAt: number;
  /** Name of the client key that authenticated (never the key). */
  clientKeyName?: string;
  /** The key's limits and allowed models, when it came from the keys file. */
  clientPolicy?: ClientKeyPolicy;
  /** Headers every answer to this request carries (rate-limit state of a limited key…). */
  responseHeaders?: Record<string, string>;
  /** Time spent waiting on Google (headers and body) during this request, ms. */
  upstreamMs: number;
  /** Time to Google's first byte for the generation call, ms. */
  upstreamFirstByteMs?: number;
  model?: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequest(): RequestContext | undefined {
  return requestContext.getStore();
}

export function surfaceOf(url: string): Surface {
  if (url.startsWith('/v1/messages')) return 'anthropic';
  if (url.startsWith('/v1/responses')) return 'responses';
  if (url.startsWith('/v1/')) return 'openai';
  if (url.startsWith('/v1beta/')) return 'gemini';
  if (url === '/health' || url.startsWith('/health/') || url.startsWith('/health?')) return 'health';
  return 'other';
}

const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Adopts the caller's (or nginx's) X-Request-ID when it is sane, else makes one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && ACCEPTABLE_REQUEST_ID.test(value) ? value : randomUUID();
}

/** Milliseconds the gateway itself spent so far on a request: total minus waiting on Google. */
export function overheadMs(context: RequestContext, now = performance.now()): number {
  const upstream = context.upstreamMs === 0 && context.upstreamFirstByteMs !== undefined ? context.upstreamFirstByteMs : context.upstreamMs;
  return Math.max(0, now - context.startedAt - upstream);
}

export const OVERHEAD_HEADER = 'x-gateway-overhead-ms';
