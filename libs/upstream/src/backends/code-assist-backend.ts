import type { GoogleCredential } from '@app/auth';
import { buildCountTokensEnvelope, buildGenerateEnvelope, unwrapGenerateResponse, type CodeAssistGenerateResponse, type GenerateContentResponse } from '@app/translation';
import type { UpstreamResponse } from '../code-assist-http';
import type { ProjectService } from '../project.service';
import type { TokenRetry } from '../token-retry';
import { readJsonObject } from '../upstream-reply';
import type { BackendOperation, UpstreamBackend } from './upstream-backend';

/**
 * Code Assist (`v1internal`), as Gemini CLI calls it with a user login: the account's project
 * (found or onboarded), the request wrapped in `{model, project, request}`, a refresh on 401.
 */
export class CodeAssistBackend implements UpstreamBackend {
  readonly name = 'code_assist' as const;

  constructor(private readonly tokenRetry: TokenRetry, private readonly projects: Pick<ProjectService, 'projectFor'>) {}

  async send(credential: GoogleCredential, operation: BackendOperation): Promise<UpstreamResponse> {
    const { model, signal } = operation;
    if (operation.kind === 'countTokens') {
      return this.tokenRetry.send(credential, { method: 'countTokens', body: buildCountTokensEnvelope({ model, contents: operation.contents }), model, signal });
    }
    const project = await this.projects.projectFor(credential, async (rpcMethod, body, options) => {
      const response = await this.tokenRetry.send(credential, { method: rpcMethod, body, httpMethod: options?.httpMethod, signal });
      return readJsonObject(response.body, rpcMethod);
    });
    const body = buildGenerateEnvelope({ model, project, request: operation.request });
    const stream = operation.kind === 'streamGenerateContent';
    return this.tokenRetry.send(credential, { method: operation.kind, body, model, stream, signal });
  }

  unwrap(reply: Record<string, unknown>): GenerateContentResponse {
    return unwrapGenerateResponse(reply as CodeAssistGenerateResponse);
  }
}
