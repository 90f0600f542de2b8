import type { GatewayConfig } from '@app/common';
import type { GoogleCredential } from '@app/auth';
import type { ProjectService } from '../project.service';
import type { TokenRetry, TokenRetryHooks } from '../token-retry';
import { CodeAssistBackend } from './code-assist-backend';
import { GeminiApiBackend } from './gemini-api-backend';
import type { PublicApiHttp } from './public-api-http';
import { backendNameOf, type UpstreamBackend } from './upstream-backend';
import { VertexBackend, type VertexTokens } from './vertex-backend';

export interface BackendParts {
  codeAssist: TokenRetry;
  projects: Pick<ProjectService, 'projectFor'>;
  publicHttp: PublicApiHttp;
  vertexTokens: VertexTokens;
  config: GatewayConfig;
  hooks: TokenRetryHooks;
}

/** The three adapters behind the backend port; a credential's `backend` says which serves it. */
export class UpstreamBackends {
  private readonly byName: Readonly<Record<string, UpstreamBackend>>;

  constructor(parts: BackendParts) {
    this.byName = {
      code_assist: new CodeAssistBackend(parts.codeAssist, parts.projects),
      gemini_api: new GeminiApiBackend(parts.publicHttp, parts.config.google.geminiApiEndpoint, parts.hooks),
      vertex: new VertexBackend(parts.publicHttp, parts.vertexTokens, parts.config.google.vertexEndpoint, parts.hooks),
    };
  }

  for(credential: GoogleCredential): UpstreamBackend {
    return this.byName[backendNameOf(credential)];
  }
}
