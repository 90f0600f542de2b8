import { Inject, Injectable } from '@nestjs/common';
import { GaxiosError } from 'gaxios';
import { OAuth2Client } from 'google-auth-library';
import type { Dispatcher } from 'undici';
import { GATEWAY_CONFIG, OUTBOUND_DISPATCHER, ServiceUnavailableError, fetchVia, type GatewayConfig } from '@app/common';
import type { GoogleCredential } from './google-credentials';

export interface RefreshedToken {
  accessToken: string;
  expiryMs: number;
}

/** The side effect "exchange a refresh token for an access token", behind a port for unit tests. */
export abstract class TokenEndpoint {
  abstract refresh(credential: GoogleCredential): Promise<RefreshedToken>;
}

/** Google refused the refresh token: it was revoked, expired, or belongs to another client. */
export class CredentialRevokedError extends ServiceUnavailableError {
  constructor(credential: Pick<GoogleCredential, 'label' | 'source'>, readonly detail: string) {
    super(
      `Google rejected the refresh token of credential "${credential.label}" (${credential.source}): ${detail}. ` +
        'Log in again (`npx geminicli2api login`, or `gemini` then copy ~/.gemini/oauth_creds.json) and update the credential.',
      { code: 'google_credential_revoked' },
    );
  }
}

/**
 * Refresh through google-auth-library against GOOGLE_OAUTH_TOKEN_URL, over the same outbound
 * dispatcher as Code Assist (so HTTPS_PROXY/NO_PROXY and keep-alive apply to both).
 */
@Injectable()
export class GoogleAuthTokenEndpoint extends TokenEndpoint {
  private readonly fetchImplementation: typeof fetch;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig, @Inject(OUTBOUND_DISPATCHER) dispatcher: Dispatcher) {
    super();
    this.fetchImplementation = fetchVia(dispatcher);
  }

  async refresh(credential: GoogleCredential): Promise<RefreshedToken> {
    const client = new OAuth2Client({
      clientId: credential.clientId,
      clientSecret: credential.clientSecret,
      endpoints: { oauth2TokenUrl: this.config.google.oauthTokenUrl },
      transporterOptions: { timeout: this.config.upstream.oauthTimeoutMs, retry: false, fetchImplementation: this.fetchImplementation },
    });
    client.setCredentials({ refresh_token: credential.refreshToken });
    try {
      const { credentials } = await client.refreshAccessToken();
      if (!credentials.access_token) throw new Error('token endpoint answered without access_token');
      return { accessToken: credentials.access_token, expiryMs: credentials.expiry_date ?? Date.now() + 3_600_000 };
    } catch (error) {
      throw this.explain(credential, error);
    }
  }

  private explain(credential: GoogleCredential, error: unknown): Error {
    if (error instanceof GaxiosError && error.response) {
      const data = error.response.data as { error?: string; error_description?: string } | undefined;
      const code = data?.error;
      if (code === 'invalid_grant' || code === 'invalid_client' || code === 'unauthorized_client') {
        return new CredentialRevokedError(credential, `${code}${data?.error_description ? ` (${data.error_description})` : ''}`);
      }
      return new ServiceUnavailableError(`Refreshing the Google access token for credential "${credential.label}" failed: HTTP ${error.response.status}.`, { code: 'google_token_refresh_failed', retryAfterSeconds: 5 });
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new ServiceUnavailableError(`Refreshing the Google access token for credential "${credential.label}" failed: ${reason}. Check network access to the token endpoint (HTTPS_PROXY/NO_PROXY).`, { code: 'google_token_refresh_failed', retryAfterSeconds: 5, cause: error });
  }
}
