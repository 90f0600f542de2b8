import { anthropicErrorBody, anthropicErrorFor } from '@app/translation';
import { GatewayError, UpstreamError } from './gateway-error';

export type Dialect = 'openai' | 'google' | 'anthropic';

export interface EncodedError {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/**
 * Picks the caller's dialect from the route: Anthropic for /v1/messages*, OpenAI under /v1/,
 * Google everywhere else. Looks at the path only, with repeated slashes folded and case ignored,
 * so `//v1/models` and `/V1/MODELS` (404s) still answer an OpenAI client in its own shape.
 */
export function dialectForUrl(url: string): Dialect {
  const path = normalizedPath(url);
  if (/^\/v1\/messages(?:\/|$)/.test(path)) return 'anthropic';
  return path.startsWith('/v1/') || path === '/v1' ? 'openai' : 'google';
}

/** The path without query or fragment, repeated slashes folded, lower-cased. */
export function normalizedPath(url: string): string {
  const end = url.search(/[?#]/);
  return (end >= 0 ? url.slice(0, end) : url).replace(/\/{2,}/g, '/').toLowerCase();
}

export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('Internal gateway error.', { httpStatus: 500, googleStatus: 'INTERNAL', openaiType: 'api_error', openaiCode: 'internal_error', cause: error });
}

export function encodeError(error: GatewayError, dialect: Dialect): EncodedError {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  if (error.httpStatus === 401) headers['www-authenticate'] = dialect === 'google' ? 'Bearer, Basic realm="geminicli2api"' : 'Bearer';
  if (dialect === 'anthropic') {
    const { status, type } = anthropicErrorFor(error.httpStatus, error instanceof UpstreamError ? error.errorClass : undefined);
    return { status, headers, body: { ...anthropicErrorBody(type, error.message) } };
  }
  return { status: error.httpStatus, headers, body: dialect === 'openai' ? openaiErrorBody(error) : googleErrorBody(error) };
}

export function openaiErrorBody(error: GatewayError): Record<string, unknown> {
  return { error: { message: error.message, type: error.openaiType, param: error.param, code: error.openaiCode } };
}

export function googleErrorBody(error: GatewayError): Record<string, unknown> {
  const body: Record<string, unknown> = { code: error.httpStatus, message: error.message, status: error.googleStatus };
  if (error.details && error.details.length > 0) body.details = error.details;
  return { error: body };
}
