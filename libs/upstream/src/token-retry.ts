import type { AccessTokenService, GoogleCredential } from '@app/auth';
import type { CodeAssistHttp, UpstreamCall, UpstreamResponse } from './code-assist-http';
import { MAX_ERROR_BODY_BYTES, errorFromGoogle, readBoundedText, type GoogleFailure } from './upstream-reply';

export interface TokenRetryHooks {
  /** A 401 made us refresh the token and try once more. */
  onRefreshRetry?(credential: GoogleCredential): void;
  /** Google answered an error (after the retry, if any). */
  onGoogleError?(failure: GoogleFailure, credential: GoogleCredential, call: Omit<UpstreamCall, 'accessToken'>): void;
}

/**
 * One call with the account's access token. A 401 refreshes the token once (only the first caller
 * holding the rejected token refreshes; see AccessTokenService) and retries once; a second 401 is
 * Google's answer. Resolves with a 2xx response, else throws the named error for Google's answer.
 */
export class TokenRetry {
  constructor(
    private readonly http: CodeAssistHttp,
    private readonly tokens: Pick<AccessTokenService, 'getAccessToken'>,
    private readonly hooks: TokenRetryHooks = {},
  ) {}

  async send(credential: GoogleCredential, call: Omit<UpstreamCall, 'accessToken'>): Promise<UpstreamResponse> {
    let accessToken = await this.tokens.getAccessToken(credential);
    let response = await this.http.call({ ...call, accessToken });
    if (response.status === 401) {
      await response.body.dump();
      this.hooks.onRefreshRetry?.(credential);
      accessToken = await this.tokens.getAccessToken(credential, { replacing: accessToken });
      response = await this.http.call({ ...call, accessToken });
    }
    if (response.status >= 200 && response.status < 300) return response;
    const { text } = await readBoundedText(response.body, MAX_ERROR_BODY_BYTES).catch(() => ({ text: '' }));
    const failure = errorFromGoogle(response.status, text, credential.label);
    this.hooks.onGoogleError?.(failure, credential, call);
    throw failure.error;
  }
}
