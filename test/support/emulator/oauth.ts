/**
 * Google OAuth endpoints as Gemini CLI / google-auth-library use them (code-assist-wire.md §4):
 * POST /token (refresh_token and authorization_code grants), POST|GET /tokeninfo,
 * GET /o/oauth2/v2/auth (auto-consenting authorize page), GET /oauth2/v2/userinfo, POST /revoke.
 */
import { createHash } from 'node:crypto';
import { invalidClient, invalidGrantRevoked, invalidTokenInfo, oauthError, type OAuthError } from './error-bodies';
import { bearerToken, parseForm, sendJson, sendText, sleep, type RequestContext } from './http-utils';
import { OAUTH_SCOPES, randomId, type AccountState } from './state';
import { JWT_BEARER_GRANT, handleJwtBearerGrant } from './service-accounts';

function sendOAuthError(context: RequestContext, error: OAuthError): void {
  sendJson(context, error.httpStatus, error.body, { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate', pragma: 'no-cache' });
}

function fakeIdToken(account: AccountState, lifetimeSeconds: number): string {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = { alg: 'RS256', kid: 'emulator', typ: 'JWT' };
  const payload = {
    iss: 'https://accounts.google.com',
    azp: account.clientId,
    aud: account.clientId,
    sub: account.subject,
    email: account.email,
    email_verified: true,
    at_hash: randomId(16),
    iat: nowSeconds,
    exp: nowSeconds + lifetimeSeconds,
  };
  return `${encode(header)}.${encode(payload)}.${randomId(64)}`;
}

function tokenResponse(context: RequestContext, account: AccountState, includeRefreshToken: boolean): Record<string, unknown> {
  const lifetime = context.state.accessTokenTtlSeconds;
  const accessToken = context.state.issueAccessToken(account.refreshToken, lifetime);
  return {
    access_token: accessToken,
    expires_in: lifetime,
    ...(includeRefreshToken ? { refresh_token: account.refreshToken } : {}),
    scope: OAUTH_SCOPES,
    token_type: 'Bearer',
    id_token: fakeIdToken(account, lifetime),
  };
}

/** Checks `client_id` (and `client_secret` when the account was given one). */
function clientProblem(account: AccountState, form: Record<string, string>): OAuthError | undefined {
  if (form.client_id !== account.clientId) return invalidClient();
  if (account.clientSecret !== undefined && form.client_secret !== account.clientSecret) return invalidClient();
  return undefined;
}

export async function handleToken(context: RequestContext): Promise<void> {
  const form = parseForm(context.rawBody, context.request.headers['content-type']);
  context.record.body = form;
  context.record.method = 'token';
  const grantType = form.grant_type;
  if (grantType === 'refresh_token' && form.refresh_token) {
    context.state.countRefresh(form.refresh_token);
    context.record.accountRefreshToken = form.refresh_token;
  }
  if (grantType === 'authorization_code') context.state.counterState.codeExchanges += 1;
  if (!(await sleep(context.state.tokenDelayMs, context.signal))) return;

  if (context.request.method !== 'POST') return sendOAuthError(context, oauthError(405, 'invalid_request', 'Method not allowed.'));
  // A service account's signed assertion names no client (service-accounts.ts).
  if (grantType === JWT_BEARER_GRANT) return handleJwtBearerGrant(context, form);
  if (!form.client_id) return sendOAuthError(context, oauthError(400, 'invalid_request', 'Could not determine client ID from request.'));
  if (grantType === 'refresh_token') return handleRefreshGrant(context, form);
  if (grantType === 'authorization_code') return handleCodeGrant(context, form);
  if (!grantType) return sendOAuthError(context, oauthError(400, 'invalid_request', 'Required parameter is missing: grant_type'));
  return sendOAuthError(context, oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`));
}

function handleRefreshGrant(context: RequestContext, form: Record<string, string>): void {
  if (!form.refresh_token) return sendOAuthError(context, oauthError(400, 'invalid_request', 'Missing required parameter: refresh_token'));
  const account = context.state.accounts.get(form.refresh_token);
  if (!account) return sendOAuthError(context, invalidGrantRevoked());
  const problem = clientProblem(account, form);
  if (problem) return sendOAuthError(context, problem);
  if (account.revoked) return sendOAuthError(context, invalidGrantRevoked());
  sendJson(context, 200, tokenResponse(context, account, false), { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate' });
}

function pkceMatches(verifier: string, challenge: string, method: 'S256' | 'plain'): boolean {
  if (method === 'plain') return verifier === challenge;
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

function handleCodeGrant(context: RequestContext, form: Record<string, string>): void {
  const grant = form.code ? context.state.authorizationCodes.get(form.code) : undefined;
  if (!form.code) return sendOAuthError(context, oauthError(400, 'invalid_request', 'Missing required parameter: code'));
  if (!grant) return sendOAuthError(context, oauthError(400, 'invalid_grant', 'Malformed auth code.'));
  const account = context.state.accounts.get(grant.refreshToken);
  if (!account) return sendOAuthError(context, oauthError(400, 'invalid_grant', 'Malformed auth code.'));
  context.record.accountRefreshToken = account.refreshToken;
  const problem = clientProblem(account, form);
  if (problem) return sendOAuthError(context, problem);
  if (form.redirect_uri !== grant.redirectUri) return sendOAuthError(context, oauthError(400, 'redirect_uri_mismatch', 'Bad Request'));
  if (grant.codeChallenge !== undefined) {
    if (!form.code_verifier) return sendOAuthError(context, oauthError(400, 'invalid_grant', 'Missing code verifier.'));
    if (!pkceMatches(form.code_verifier, grant.codeChallenge, grant.codeChallengeMethod ?? 'S256')) {
      return sendOAuthError(context, oauthError(400, 'invalid_grant', 'Invalid code verifier.'));
    }
  }
  // Codes are single-use; a fresh login also restores a revoked account.
  context.state.authorizationCodes.delete(form.code);
  account.revoked = false;
  sendJson(context, 200, tokenResponse(context, account, true), { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate' });
}

/** POST /tokeninfo with a Bearer header (§4.6); also `?access_token=` / form field like the older GET form. */
export function handleTokenInfo(context: RequestContext): void {
  context.record.method = 'tokeninfo';
  const form = parseForm(context.rawBody, context.request.headers['content-type']);
  context.record.body = form;
  const token = bearerToken(context.request) ?? form.access_token ?? context.url.searchParams.get('access_token') ?? undefined;
  const tokenState = token ? context.state.accessTokens.get(token) : undefined;
  const account = token ? context.state.accountForAccessToken(token) : undefined;
  if (!account || !tokenState) return sendOAuthError(context, invalidTokenInfo());
  context.record.accountRefreshToken = account.refreshToken;
  const expiresIn = Math.max(0, Math.floor((tokenState.expiresAtMs - Date.now()) / 1000));
  sendJson(context, 200, {
    azp: account.clientId,
    aud: account.clientId,
    sub: account.subject,
    scope: OAUTH_SCOPES,
    exp: String(Math.floor(tokenState.expiresAtMs / 1000)),
    expires_in: expiresIn,
    email: account.email,
    email_verified: 'true',
    access_type: 'offline',
  });
}

/** GET /oauth2/v2/userinfo (§4.6). */
export function handleUserInfo(context: RequestContext): void {
  context.record.method = 'userinfo';
  const token = bearerToken(context.request);
  const account = token ? context.state.accountForAccessToken(token) : undefined;
  if (!account) {
    return sendJson(
      context,
      401,
      { error: { code: 401, message: 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.', status: 'UNAUTHENTICATED' } },
      { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' },
    );
  }
  context.record.accountRefreshToken = account.refreshToken;
  const name = account.email.split('@')[0] ?? 'Emulator User';
  sendJson(context, 200, { id: account.subject, email: account.email, verified_email: true, name, given_name: name, family_name: 'Emulator', picture: 'https://lh3.googleusercontent.com/a/emulator' });
}

/** POST /revoke?token=... (refresh token: revokes the account's refresh token; access token: invalidates it). */
export function handleRevoke(context: RequestContext): void {
  context.record.method = 'revoke';
  const form = parseForm(context.rawBody, context.request.headers['content-type']);
  context.record.body = form;
  const token = form.token ?? context.url.searchParams.get('token') ?? '';
  const account = context.state.accounts.get(token);
  if (account) {
    account.revoked = true;
    return sendJson(context, 200, {});
  }
  if (context.state.accessTokens.delete(token)) return sendJson(context, 200, {});
  sendOAuthError(context, oauthError(400, 'invalid_token', 'Token expired or revoked'));
}

/**
 * GET /o/oauth2/v2/auth: consents at once and 302-redirects to `redirect_uri` with `code` and `state`,
 * for the account chosen with setAuthorizeAccount() (default: the first account added).
 */
export function handleAuthorize(context: RequestContext): void {
  context.record.method = 'authorize';
  const params = context.url.searchParams;
  const clientId = params.get('client_id');
  const redirectUri = params.get('redirect_uri');
  const refreshToken = context.state.authorizeAccount ?? context.state.accounts.keys().next().value;
  const account = refreshToken === undefined ? undefined : context.state.accounts.get(refreshToken);
  if (!clientId || !redirectUri) return sendText(context, 400, '<html><body>Error 400: invalid_request. Missing required parameter: client_id or redirect_uri</body></html>');
  if (!account) return sendText(context, 400, '<html><body>Emulator: no account to sign in with (addAccount first)</body></html>');
  if (clientId !== account.clientId) return sendText(context, 401, '<html><body>Error 401: invalid_client. The OAuth client was not found.</body></html>');
  if (params.get('response_type') !== null && params.get('response_type') !== 'code') {
    return sendText(context, 400, '<html><body>Error 400: unsupported_response_type</body></html>');
  }
  context.record.accountRefreshToken = account.refreshToken;
  const challenge = params.get('code_challenge') ?? undefined;
  const method = params.get('code_challenge_method') === 'plain' ? 'plain' : 'S256';
  const code = context.state.createAuthorizationCode(account.refreshToken, { redirectUri, codeChallenge: challenge, codeChallengeMethod: challenge ? method : undefined });
  const target = new URL(redirectUri);
  const state = params.get('state');
  if (state !== null) target.searchParams.set('state', state);
  target.searchParams.set('code', code);
  target.searchParams.set('scope', params.get('scope') ?? OAUTH_SCOPES);
  context.record.status = 302;
  context.response.writeHead(302, { location: target.toString(), 'content-length': '0' });
  context.response.end();
}
