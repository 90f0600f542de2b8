import type { BackendName, GoogleCredential } from '@app/auth';
import type { GeminiContent, GenerateContentRequest, GenerateContentResponse } from '@app/translation';
import type { UpstreamResponse } from '../code-assist-http';

/** One call the gateway makes to Google, whatever the service behind the credential. */
export type BackendOperation =
  | { kind: 'generateContent' | 'streamGenerateContent'; model: string; request: GenerateContentRequest; signal?: AbortSignal }
  | { kind: 'countTokens'; model: string; contents: GeminiContent[]; signal?: AbortSignal };

/**
 * The port every Google service sits behind (Code Assist, the Gemini API, Vertex AI). The pool,
 * limiter, cooldowns and failover are the same for all; a backend only knows its wire format and
 * how it authenticates. `send` resolves once Google accepted the call (2xx), else throws the named
 * error for Google's answer (judged by the failure policy like any other).
 */
export interface UpstreamBackend {
  readonly name: BackendName;
  send(credential: GoogleCredential, operation: BackendOperation): Promise<UpstreamResponse>;
  /** A 2xx generateContent reply (or one stream event) → the public GenerateContentResponse. */
  unwrap(reply: Record<string, unknown>): GenerateContentResponse;
}

export function backendNameOf(credential: GoogleCredential): BackendName {
  return credential.backend ?? 'code_assist';
}
