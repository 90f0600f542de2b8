/**
 * Service-account and ambient identities as Google serves them:
 * - `POST /token` with `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`: the assertion is an
 *   RS256 JWT signed with the service account's private key; the signature is checked against the
 *   registered public key (node:crypto), `aud` must be Google's token endpoint, a `scope` is required
 *   (without one, google-auth-library would not call the endpoint at all), `exp` at most 1 h ahead.
 * - the metadata server (`/computeMetadata/v1/…`, header `Metadata-Flavor: Google` both ways), as GCE
 *   and GKE Workload Identity serve it.
 */
import { createVerify } from 'node:crypto';
import { oauthError, type OAuthError } from './error-bodies';
import { sendJson, sendText, type RequestContext } from './http-utils';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const GOOGLE_TOKEN_AUDIENCES = new Set(['https://oauth2.googleapis.com/token', 'https://www.googleapis.com/oauth2/v4/token']);
const NO_STORE = { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate' };

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  if (!part) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The identity the assertion proves, or Google's OAuth error. */
function checkAssertion(context: RequestContext, assertion: string | undefined): { email: string } | OAuthError {
  const parts = (assertion ?? '').split('.');
  const header = decodePart(parts[0]);
  const claims = decodePart(parts[1]);
  if (parts.length !== 3 || !header || !claims) return oauthError(400, 'invalid_request', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
  if (header.alg !== 'RS256') return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
  const email = typeof claims.iss === 'string' ? claims.iss : '';
  const identity = context.state.identities.get(email);
  if (!identity?.publicKeyPem) return oauthError(400, 'invalid_grant', 'Invalid grant: account not found');
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${parts[0]}.${parts[1]}`);
  if (!verifier.verify(identity.publicKeyPem, Buffer.from(parts[2], 'base64url'))) return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
  if (typeof claims.aud !== 'string' || !GOOGLE_TOKEN_AUDIENCES.has(claims.aud)) return oauthError(400, 'invalid_grant', 'Invalid JWT: Failed audience check.');
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.exp < now || claims.exp - claims.iat > 3600 || claims.iat > now + 300) {
    return oauthError(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
  }
  if (typeof claims.scope !== 'string' || claims.scope.trim() === '') return oauthError(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
  return { email };
}

export function handleJwtBearerGrant(context: RequestContext, form: Record<string, string>): void {
  const checked = checkAssertion(context, form.assertion);
  if ('httpStatus' in checked) return sendJson(context, checked.httpStatus, checked.body, NO_STORE);
  context.record.accountRefreshToken = checked.email;
  const lifetime = context.state.accessTokenTtlSeconds;
  sendJson(context, 200, { access_token: context.state.issueIdentityToken(checked.email), expires_in: lifetime, token_type: 'Bearer' }, NO_STORE);
}

/** GET /computeMetadata/v1/…: the instance probe and the default service account's token. */
export function handleMetadata(context: RequestContext): void {
  const flavor = { 'metadata-flavor': 'Google' };
  const email = context.state.metadataIdentity;
  if (!email) return sendText(context, 404, 'Not Found');
  if (context.request.headers['metadata-flavor'] !== 'Google') return sendText(context, 403, 'Missing Metadata-Flavor:Google header.', flavor);
  const path = context.url.pathname.replace(/\/+$/, '');
  if (path === '/computeMetadata/v1/instance') return sendText(context, 200, 'attributes/\nhostname\nid\nservice-accounts/\nzone\n', flavor);
  if (path === '/computeMetadata/v1/instance/service-accounts/default/email') return sendText(context, 200, email, flavor);
  if (path === '/computeMetadata/v1/instance/service-accounts/default/token') {
    context.record.accountRefreshToken = email;
    return sendJson(context, 200, { access_token: context.state.issueIdentityToken(email), expires_in: context.state.accessTokenTtlSeconds, token_type: 'Bearer' }, flavor);
  }
  return sendText(context, 404, 'Not Found', flavor);
}
