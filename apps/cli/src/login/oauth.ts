import { createHash, randomBytes } from 'node:crypto';
import { describeNetworkError, parseJsonObject, type FetchLike } from '../net';

/** Google's installed-app endpoints and Gemini CLI's scopes (docs/wire/oauth.md). */
export const GOOGLE_AUTHORIZE_URL = 'https://accounts.google.com/o/oauth2/v2/auth';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const OAUTH_SCOPES = [
  'https://www.googleapis.com/auth/cloud-platform',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile',
];
/** Where Google shows the code to copy in the no-browser flow (Gemini CLI's user-code redirect, §4.2). */
export const MANUAL_REDIRECT_URI = 'https://codeassist.google.com/authcode';
export const CALLBACK_PATH = '/oauth2callback';

export interface PkcePair {
  verifier: string;
  challenge: string;
}

/** RFC 7636 S256: a 43..128-char verifier from 32 random bytes, challenge = base64url(sha256(verifier)). */
export function createPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function createState(): string {
  return randomBytes(24).toString('base64url');
}

export interface AuthorizeUrlOptions {
  authUrl: string;
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
}

export function buildAuthorizeUrl(options: AuthorizeUrlOptions): string {
  const url = new URL(options.authUrl);
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('redirect_uri', options.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', OAUTH_SCOPES.join(' '));
  url.searchParams.set('access_type', 'offline');
  // Forces a refresh_token even when this client was approved before.
  url.searchParams.set('prompt', 'consent');
  url.searchParams.set('state', options.state);
  url.searchParams.set('code_challenge', options.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms. */
  expiryDate: number;
  scope?: string;
  idToken?: string;
}

export interface ExchangeOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  code: string;
  redirectUri: string;
  codeVerifier: string;
  fetch: FetchLike;
  signal?: AbortSignal;
}

/** A token-endpoint refusal, with Google's `error` code kept for the explanation. */
export class TokenEndpointError extends Error {
  constructor(message: string, readonly errorCode?: string) {
    super(message);
    this.name = 'TokenEndpointError';
  }
}

export async function exchangeAuthorizationCode(options: ExchangeOptions): Promise<TokenSet> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: options.code,
    client_id: options.clientId,
    client_secret: options.clientSecret,
    redirect_uri: options.redirectUri,
    code_verifier: options.codeVerifier,
  });
  let response: Response;
  try {
    response = await options.fetch(options.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: options.signal ?? AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new TokenEndpointError(`could not reach the token endpoint ${options.tokenUrl}: ${describeNetworkError(error)} (behind a proxy? set HTTPS_PROXY)`);
  }
  const text = await response.text();
  const body = parseJsonObject(text);
  if (!response.ok) {
    const code = typeof body?.error === 'string' ? body.error : undefined;
    const description = typeof body?.error_description === 'string' ? body.error_description : undefined;
    throw new TokenEndpointError(`the token endpoint refused the code: HTTP ${response.status}${code ? ` ${code}` : ''}${description ? ` (${description})` : ''}${explainTokenError(code)}`, code);
  }
  const accessToken = typeof body?.access_token === 'string' ? body.access_token : undefined;
  const refreshToken = typeof body?.refresh_token === 'string' ? body.refresh_token : undefined;
  if (!accessToken) throw new TokenEndpointError('the token endpoint answered without an access_token');
  if (!refreshToken) {
    throw new TokenEndpointError('Google returned no refresh_token, so the login would expire within the hour. Remove the app\'s access at https://myaccount.google.com/permissions and run login again.');
  }
  const expiresIn = typeof body?.expires_in === 'number' ? body.expires_in : Number(body?.expires_in ?? 3599);
  return {
    accessToken,
    refreshToken,
    expiryDate: Date.now() + (Number.isFinite(expiresIn) ? expiresIn : 3599) * 1000,
    scope: typeof body?.scope === 'string' ? body.scope : undefined,
    idToken: typeof body?.id_token === 'string' ? body.id_token : undefined,
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
