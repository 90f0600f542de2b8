import { GoogleUnauthenticatedError, UpstreamBadResponseError, UpstreamError, type GatewayError } from '@app/common';
import type { UpstreamBody } from './code-assist-http';
import { classifyGoogleError, parseGoogleErrorBody, type ClassifiedError, type GoogleErrorPayload } from './google-errors';
import { ValidationRequiredError } from './onboarding-errors';
import { MAX_COOLDOWN_MS } from './failover';

/** The most of an error body (or a non-streamed reply) the gateway reads; Google's are a few KB. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
export const MAX_REPLY_BYTES = 64 * 1024 * 1024;

/** Reads a body as UTF-8 text, stopping (and discarding the rest) past `maxBytes`. Decodes once, at the end. */
export async function readBoundedText(body: UpstreamBody, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    bytes += buffer.length;
    if (bytes > maxBytes) {
      body.destroy();
      return { text: '', truncated: true };
    }
    chunks.push(buffer);
  }
  return { text: (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytes)).toString('utf8'), truncated: false };
}

/**
 * A 2xx reply of a JSON RPC: must be a JSON object. Anything else (empty, not JSON, `null`, an
 * array, too large) is Google's fault, answered 502 with a fixed message — the body is never echoed.
 */
export async function readJsonObject(body: UpstreamBody, what: string): Promise<Record<string, unknown>> {
  const { text, truncated } = await readBoundedText(body, MAX_REPLY_BYTES);
  if (truncated) throw new UpstreamBadResponseError(`Code Assist answered ${what} with more than ${MAX_REPLY_BYTES / 1024 / 1024} MiB.`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UpstreamBadResponseError(`Code Assist answered ${what} with ${text.trim() === '' ? 'an empty body' : 'a body that is not JSON'}.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UpstreamBadResponseError(`Code Assist answered ${what} with JSON that is not an object.`);
  return value as Record<string, unknown>;
}

export interface GoogleFailure {
  error: GatewayError;
  payload: GoogleErrorPayload;
  classified: ClassifiedError;
}

/** A non-2xx answer from Code Assist → the named error the rest of the gateway understands. */
export function errorFromGoogle(httpStatus: number, text: string, credentialLabel: string): GoogleFailure {
  const payload = parseGoogleErrorBody(httpStatus, text);
  const classified = classifyGoogleError(payload);
  return { payload, classified, error: toGatewayError(payload, classified, credentialLabel) };
}

function toGatewayError(payload: GoogleErrorPayload, classified: ClassifiedError, label: string): GatewayError {
  if (classified.errorClass === 'auth') {
    return new GoogleUnauthenticatedError(`Google rejected the access token of credential "${label}" even after a refresh (${payload.message}).`, payload.details);
  }
  if (classified.errorClass === 'validation-required') return new ValidationRequiredError(label, classified.validationUrl, payload.details);
  const delayMs = classified.retryDelayMs === undefined ? undefined : Math.min(classified.retryDelayMs, MAX_COOLDOWN_MS);
  const retryAfterSeconds = delayMs !== undefined ? Math.max(1, Math.ceil(delayMs / 1000)) : payload.code === 429 || payload.code === 503 ? 1 : undefined;
  return new UpstreamError(payload, { retryAfterSeconds, reason: classified.reason, errorClass: classified.errorClass, retryDelayMs: delayMs });
}
