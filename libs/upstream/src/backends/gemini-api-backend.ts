import type { GoogleCredential } from '@app/auth';
import type { GenerateContentResponse } from '@app/translation';
import type { UpstreamResponse } from '../code-assist-http';
import type { TokenRetryHooks } from '../token-retry';
import { acceptedOrThrow, methodSuffix, publicBodyOf, publicModelPath } from './public-api-call';
import type { PublicApiHttp } from './public-api-http';
import type { BackendOperation, UpstreamBackend } from './upstream-backend';

/**
 * The public Gemini API (AI Studio keys): `POST {GEMINI_API_ENDPOINT}/v1beta/models/{model}:{method}`
 * with `x-goog-api-key`. The body is the public request itself and the reply is the public response:
 * no envelope, no project, no onboarding (docs/wire/gemini-api-key.md).
 */
export class GeminiApiBackend implements UpstreamBackend {
  readonly name = 'gemini_api' as const;

  constructor(private readonly http: PublicApiHttp, private readonly endpoint: string, private readonly hooks: TokenRetryHooks = {}) {}

  async send(credential: GoogleCredential, operation: BackendOperation): Promise<UpstreamResponse> {
    if (!credential.apiKey) throw new Error(`credential "${credential.label}" has no API key`);
    const response = await this.http.post({
      url: `${this.endpoint}/v1beta/models/${publicModelPath(operation)}${methodSuffix(operation)}`,
      headers: { 'x-goog-api-key': credential.apiKey },
      body: publicBodyOf(operation),
      stream: operation.kind === 'streamGenerateContent',
      signal: operation.signal,
      what: `the Gemini API ${operation.kind}`,
    });
    return acceptedOrThrow(response, credential, this.name, operation, this.hooks);
  }

  unwrap(reply: Record<string, unknown>): GenerateContentResponse {
    return reply as GenerateContentResponse;
  }
}
