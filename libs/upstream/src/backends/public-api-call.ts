import type { BackendName, GoogleCredential } from '@app/auth';
import { publicModelName } from '@app/translation';
import type { UpstreamResponse } from '../code-assist-http';
import type { TokenRetryHooks } from '../token-retry';
import { MAX_ERROR_BODY_BYTES, errorFromGoogle, readBoundedText } from '../upstream-reply';
import { rejectionOf } from './credential-rejected';
import type { BackendOperation } from './upstream-backend';

/** The body the public APIs (Gemini API, Vertex AI) take: the request itself, no Code Assist envelope. */
export function publicBodyOf(operation: BackendOperation): unknown {
  if (operation.kind === 'countTokens') return { contents: operation.contents };
  // The path names the model; the public API also accepts it in the body, but nothing is gained.
  const { model: _ignored, ...request } = operation.request as typeof operation.request & { model?: unknown };
  return request;
}

/** The model segment of a public API path: the public id (`gemini-3.5-flash`, not Code Assist's `gemini-3-flash`). */
export function publicModelPath(operation: BackendOperation): string {
  return encodeURIComponent(publicModelName(operation.model));
}

/** `:generateContent`, `:streamGenerateContent?alt=sse`, `:countTokens`. */
export function methodSuffix(operation: BackendOperation): string {
  return operation.kind === 'streamGenerateContent' ? ':streamGenerateContent?alt=sse' : `:${operation.kind}`;
}

/**
 * A public API's answer: a 2xx is returned; anything else becomes the named error — a rejection of
 * the credential (disabled) or Google's error, judged by the same failure policy as Code Assist.
 */
export async function acceptedOrThrow(response: UpstreamResponse, credential: GoogleCredential, backend: BackendName, operation: BackendOperation, hooks: TokenRetryHooks): Promise<UpstreamResponse> {
  if (response.status >= 200 && response.status < 300) return response;
  const { text } = await readBoundedText(response.body, MAX_ERROR_BODY_BYTES).catch(() => ({ text: '' }));
  const failure = errorFromGoogle(response.status, text, credential.label);
  hooks.onGoogleError?.(failure, credential, { method: operation.kind, model: operation.model });
  throw rejectionOf(failure, credential, backend) ?? failure.error;
}
