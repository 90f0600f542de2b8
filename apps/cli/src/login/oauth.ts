import { randomBytes } from 'node:crypto';
import { CodeChallengeMethod, type OAuth2Client } from 'google-auth-library';
import { oauthErrorOf } from '@app/auth';
import { describeNetworkError } from '../net';

/** Gemini CLI's scopes (docs/wire/oauth.md). The endpoints come from the config (GOOGLE_OAUTH_AUTH_URL, GOOGLE_OAUTH_TOKEN_URL). */
export const OAUTH_SCOPES = [
  'https://www.googleapis.com/auth/cloud-platform',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile',
];
/** Where Google shows the code to copy in the no-browser flow (Gemini CLI's user-code redirect). */
export const MANUAL_REDIRECT_URI = 'https://codeassist.google.com/authcode';
export const CALLBACK_PATH = '/oauth2callback';

export function createState(): string {
  return randomBytes(24).toString('base64url');
}

/** One sign-in attempt: the PKCE verifier stays here, the consent URL carries its S256 challenge. */
export interface AuthorizationRequest {
  url: string;
  codeVerifier: string;
}

/** PKCE (RFC 7636 S256) and the consent URL, both by google-auth-library. */
export async function authorizationRequest(client: OAuth2Client, redirectUri: string, state: string): Promise<AuthorizationRequest> {
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const url = client.generateAuthUrl({
    redirect_uri: redirectUri,
    scope: OAUTH_SCOPES,
    access_type: 'offline',
    // Forces a refresh_token even when this client was approved before.
    prompt: 'consent',
    state,
    code_challenge_method: CodeChallengeMethod.S256,
    code_challenge: codeChallenge,
  });
  return { url, codeVerifier };
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms. */
  expiryDate: number;
  scope?: string;
  idToken?: string;
}

/** A token-endpoint refusal, with Google's OAuth `error` code kept for the explanation. */
export class TokenEndpointError extends Error {
  constructor(message: string, readonly errorCode?: string) {
    super(message);
    this.name = 'TokenEndpointError';
  }
}

/** The code exchange (`authorization_code` grant with the PKCE verifier), by google-auth-library. */
export async function exchangeAuthorizationCode(client: OAuth2Client, options: { code: string; codeVerifier: string; redirectUri: string; tokenUrl: string }): Promise<TokenSet> {
  let tokens;
  try {
    ({ tokens } = await client.getToken({ code: options.code, codeVerifier: options.codeVerifier, redirect_uri: options.redirectUri }));
  } catch (error) {
    const answer = oauthErrorOf(error);
    if (!answer) throw new TokenEndpointError(`could not reach the token endpoint ${options.tokenUrl}: ${describeNetworkError(error)} (behind a proxy? set HTTPS_PROXY)`);
    const { httpStatus, error: code, description } = answer;
    throw new TokenEndpointError(`the token endpoint refused the code: HTTP ${httpStatus}${code ? ` ${code}` : ''}${description ? ` (${description})` : ''}${explainTokenError(code)}`, code);
  }
  if (!tokens.access_token) throw new TokenEndpointError('the token endpoint answered without an access_token');
  if (!tokens.refresh_token) {
    throw new TokenEndpointError('Google returned no refresh_token, so the login would expire within the hour. Remove the app\'s access at https://myaccount.google.com/permissions and run login again.');
  }
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiryDate: tokens.expiry_date ?? Date.now() + 3_599_000,
    scope: tokens.scope ?? undefined,
    idToken: tokens.id_token ?? undefined,
  };
}

function explainTokenError(code: string | undefined): string {
  switch (code) {
    case 'redirect_uri_mismatch':
      return '. The redirect URI must be exactly the one used for the consent page; do not edit the URL.';
    case 'invalid_grant':
      return '. The code was already used, expired (codes live a few minutes) or the PKCE verifier did not match; run login again.';
    case 'invalid_client':
      return '. Check --client-id/--client-secret (the defaults are Gemini CLI\'s public client).';
    default:
      return '';
  }
}

/** The signed-in e-mail from the ID token's payload, for the message only (not verified, never stored). */
export function emailFromIdToken(idToken: string | undefined): string | undefined {
  const payload = idToken?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { email?: unknown };
    return typeof claims.email === 'string' ? claims.email : undefined;
  } catch {
    return undefined;
  }
}
