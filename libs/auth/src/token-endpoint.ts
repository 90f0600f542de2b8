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
  /**
   * @param oauthError Google's OAuth `error` code (invalid_grant, invalid_client, unauthorized_client),
   *   when known: callers decide from it, never from the message.
   */
  constructor(credential: Pick<GoogleCredential, 'label' | 'source'>, readonly detail: string, readonly oauthError?: string) {
    super(
      `Google rejected the refresh token of credential "${credential.label}" (${credential.source}): ${detail}. ` +
        'Log in again (`npx geminicli2api login`, or `gemini` then copy ~/.gemini/oauth_creds.json) and update the credential.',
      { code: 'google_credential_revoked' },
    );
  }
}

/** The token endpoint failed for another reason: an HTTP error (`tokenEndpointStatus`) or no answer at all (`cause`). */
export class TokenRefreshFailedError extends ServiceUnavailableError {
  constructor(message: string, readonly tokenEndpointStatus?: number, cause?: unknown) {
    super(message, { code: 'google_token_refresh_failed', retryAfterSeconds: 5, cause });
  }
}

export interface OAuthClientOptions {
  clientId: string;
  clientSecret: string;
  /** GOOGLE_OAUTH_TOKEN_URL (config.google.oauthTokenUrl). */
  tokenUrl: string;
  /** GOOGLE_OAUTH_AUTH_URL (config.google.oauthAuthUrl); only the login opens it. */
  authUrl?: string;
  redirectUri?: string;
  timeoutMs: number;
  /** A fetch bound to the outbound dispatcher (fetchVia), so proxies and keep-alive apply. */
  fetchImplementation: typeof fetch;
}

/**
 * google-auth-library's OAuth2Client pointed at the configured endpoints (the emulator in tests) and
 * sending through our dispatcher. The gateway refreshes with it; `geminicli2api login` runs PKCE,
 * the consent URL and the code exchange with it; `doctor` refreshes with it.
 */
export function createOAuthClient(options: OAuthClientOptions): OAuth2Client {
  return new OAuth2Client({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: options.redirectUri,
    endpoints: { oauth2TokenUrl: options.tokenUrl, ...(options.authUrl ? { oauth2AuthBaseUrl: options.authUrl } : {}) },
    transporterOptions: { timeout: options.timeoutMs, retry: false, fetchImplementation: options.fetchImplementation },
  });
}

/** Google's OAuth answer to a failed call: `{error, error_description}` and the HTTP status, if it answered. */
export function oauthErrorOf(error: unknown): { httpStatus: number; error?: string; description?: string } | undefined {
  if (!(error instanceof GaxiosError) || !error.response) return undefined;
  const data = error.response.data as { error?: unknown; error_description?: unknown } | undefined;
  return {
    httpStatus: error.response.status,
    error: typeof data?.error === 'string' ? data.error : undefined,
    description: typeof data?.error_description === 'string' ? data.error_description : undefined,
  };
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
    const client = createOAuthClient({
      clientId: credential.clientId,
      clientSecret: credential.clientSecret,
      tokenUrl: this.config.google.oauthTokenUrl,
      timeoutMs: this.config.upstream.oauthTimeoutMs,
      fetchImplementation: this.fetchImplementation,
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
    const answer = oauthErrorOf(error);
    if (answer) {
      const code = answer.error;
      if (code === 'invalid_grant' || code === 'invalid_client' || code === 'unauthorized_client') {
        return new CredentialRevokedError(credential, `${code}${answer.description ? ` (${answer.description})` : ''}`, code);
      }
      return new TokenRefreshFailedError(`Refreshing the Google access token for credential "${credential.label}" failed: HTTP ${answer.httpStatus}.`, answer.httpStatus);
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new TokenRefreshFailedError(`Refreshing the Google access token for credential "${credential.label}" failed: ${reason}. Check network access to the token endpoint (HTTPS_PROXY/NO_PROXY).`, undefined, error);
  }
}
