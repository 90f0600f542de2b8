import type { GoogleCredential } from '@app/auth';
import type { GenerateContentResponse } from '@app/translation';
import type { UpstreamResponse } from '../code-assist-http';
import type { TokenRetryHooks } from '../token-retry';
import { acceptedOrThrow, methodSuffix, publicBodyOf, publicModelPath } from './public-api-call';
import type { PublicApiHttp } from './public-api-http';
import type { BackendOperation, UpstreamBackend } from './upstream-backend';

/** Access tokens for Vertex AI credentials (a service account or the ambient identity). */
export abstract class VertexTokens {
  /** `replacing`: the token Google just refused (401); a fresh one is fetched. */
  abstract accessToken(credential: GoogleCredential, options?: { replacing?: string }): Promise<string>;
}

/** https://{location}-aiplatform.googleapis.com, or https://aiplatform.googleapis.com for `global`. */
export function vertexEndpointFor(location: string, configured?: string): string {
  if (configured) return configured;
  return location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`;
}

/**
 * Vertex AI: `POST {VERTEX_ENDPOINT}/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:{method}`
 * with a Bearer token. Same request and response shapes as the Gemini API (docs/wire/vertex.md).
 */
export class VertexBackend implements UpstreamBackend {
  readonly name = 'vertex' as const;

  constructor(private readonly http: PublicApiHttp, private readonly tokens: VertexTokens, private readonly configuredEndpoint: string | undefined, private readonly hooks: TokenRetryHooks = {}) {}

  async send(credential: GoogleCredential, operation: BackendOperation): Promise<UpstreamResponse> {
    const target = credential.vertex;
    if (!target) throw new Error(`credential "${credential.label}" has no Vertex AI project`);
    const base = vertexEndpointFor(target.location, this.configuredEndpoint);
    const path = `/v1/projects/${encodeURIComponent(target.project)}/locations/${encodeURIComponent(target.location)}/publishers/google/models/${publicModelPath(operation)}`;
    const call = (token: string) => this.http.post({
      url: `${base}${path}${methodSuffix(operation)}`,
      headers: { authorization: `Bearer ${token}` },
      body: publicBodyOf(operation),
      stream: operation.kind === 'streamGenerateContent',
      signal: operation.signal,
      what: `Vertex AI ${operation.kind}`,
    });
    let token = await this.tokens.accessToken(credential);
    let response = await call(token);
    if (response.status === 401) {
      await response.body.dump();
      this.hooks.onRefreshRetry?.(credential);
      token = await this.tokens.accessToken(credential, { replacing: token });
      response = await call(token);
    }
    return acceptedOrThrow(response, credential, this.name, operation, this.hooks);
  }

  unwrap(reply: Record<string, unknown>): GenerateContentResponse {
    return reply as GenerateContentResponse;
  }
}
