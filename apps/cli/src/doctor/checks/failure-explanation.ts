import { doc } from '../docs';
import { errorOf, short, type GatewayAnswer } from '../gateway-client';
import type { Verdict } from '../types';

/**
 * What doctor decides from: stable identifiers only, never the English message.
 * - `code`: the gateway's error code (the OpenAI dialect's `error.code`: google_credential_revoked, no_usable_credential,
 *   gateway_queue_full, google_project_required, …; see libs/common/src/errors and the errors the libs throw);
 * - `reason`: Google's ErrorInfo reason, kept in the Gemini dialect's `details` (RATE_LIMIT_EXCEEDED, QUOTA_EXHAUSTED,
 *   MODEL_CAPACITY_EXHAUSTED, VALIDATION_REQUIRED, …);
 * - `credentials`: the readiness indicator's counts (usable 0 of N > 0 = every refresh token was refused).
 */
export interface FailureCodes {
  code?: string;
  reason?: string;
  credentials?: { usable?: number; total?: number };
}

export function failureCodesOf(answer: GatewayAnswer): FailureCodes {
  const { code, reason } = errorOf(answer);
  return { code, reason };
}

/** Turns a failed generation (either dialect) into cause and fix, from the HTTP status and the stable codes. */
export function explainGenerationFailure(answer: GatewayAnswer, surface: string, codes: FailureCodes = failureCodesOf(answer)): Verdict {
  const said = short(errorOf(answer).message, 200);
  const detail = `${surface} answered HTTP ${answer.status}${said ? `: ${said}` : ''}`;
  const { code, reason } = codes;
  const requestId = answer.headers.get('x-request-id');
  const logHint = requestId ? ` (request id ${requestId})` : '';
  const retryAfter = answer.headers.get('retry-after');
  const everyCredentialRefused = code === 'no_usable_credential' && codes.credentials?.usable === 0 && (codes.credentials.total ?? 0) > 0;
  switch (true) {
    case answer.status === 401:
      return { status: 'FAIL', detail, cause: 'the client key was not accepted, or Google refused the access token (401 upstream)', fix: 'check the auth check above; if it passed, run `npx geminicli2api login` for the account and restart', doc: doc('401-unauthorized') };
    case code === 'google_credential_revoked' || everyCredentialRefused:
      return { status: 'FAIL', detail, cause: 'credential revoked: Google refused the refresh token (invalid_grant: signed out, password changed, access removed, or unused for months)', fix: 'credential revoked: run `npx geminicli2api login`, replace the credential (GOOGLE_APPLICATION_CREDENTIALS file, GEMINI_CREDENTIALS_DIR or the Kubernetes Secret) and restart', doc: doc('oauth-expired-or-revoked') };
    case code === 'no_google_credentials' || code === 'no_usable_credential':
      return { status: 'FAIL', detail, cause: code === 'no_google_credentials' ? 'the gateway has no Google credential' : 'every Google account of the gateway is disabled (unverified, ineligible or revoked)', fix: 'run `npx geminicli2api login` and give the file to the gateway (GOOGLE_APPLICATION_CREDENTIALS / GEMINI_CREDENTIALS_DIR / Helm google.existingSecret); see /admin/status', doc: doc('no-usable-credential') };
    case code === 'google_token_refresh_failed':
      return { status: 'FAIL', detail, cause: 'the gateway cannot refresh access tokens: the token endpoint (oauth2.googleapis.com) is unreachable or failing', fix: 'allow egress to oauth2.googleapis.com:443 or set HTTPS_PROXY/NO_PROXY on the gateway', doc: doc('refresh-failures') };
    case code === 'google_onboarding_pending':
      return { status: 'WARN', detail, cause: 'Code Assist onboarding of the account has not finished yet', fix: `retry in a minute${retryAfter ? ` (Retry-After ${retryAfter} s)` : ''}; if it persists set GOOGLE_CLOUD_PROJECT`, doc: doc('project-required') };
    case code === 'server_shutting_down':
      return { status: 'WARN', detail, cause: 'this replica is shutting down (rollout, scale-down, node drain)', fix: 'retry: another replica answers; if it keeps happening, check why pods stop (`kubectl describe pod`)', doc: doc('drain-on-rollout') };
    case reason === 'MODEL_CAPACITY_EXHAUSTED' || (answer.status === 503 && code === 'upstream_error'):
      return { status: 'WARN', detail, cause: 'Google has no capacity for this model right now', fix: 'retry later or use another model (--model gemini-2.5-flash-lite)', doc: doc('slow-answers') };
    case code === 'google_validation_required' || reason === 'VALIDATION_REQUIRED':
      return { status: 'FAIL', detail, cause: 'Google wants the account verified before it may use Code Assist', fix: 'open the link in the message while signed in to that account (or sign in with Gemini CLI once), then retry', doc: doc('project-required') };
    case code === 'google_project_required' || code === 'google_tier_ineligible':
      return { status: 'FAIL', detail, cause: 'the account needs a Google Cloud project for Code Assist (Workspace / Standard / Enterprise), or is not eligible', fix: 'set GOOGLE_CLOUD_PROJECT=<project id> (not the number) with the Gemini for Google Cloud API enabled, and restart', doc: doc('project-required') };
    case answer.status === 403:
      return { status: 'FAIL', detail, cause: 'Google denied the call (permission)', fix: 'check that the account/project may use Gemini Code Assist; set GOOGLE_CLOUD_PROJECT', doc: doc('project-required') };
    case answer.status === 429:
      return explainRateLimit(detail, codes, retryAfter);
    case answer.status === 404:
      return { status: 'FAIL', detail, cause: 'the model is not served (not in the catalog, or Google does not offer it to this account)', fix: 'pick a model from GET /v1beta/models (doctor: --model)', doc: doc('model-not-found') };
    case answer.status === 502 || answer.status === 504:
      return {
        status: 'FAIL',
        detail,
        cause: answer.status === 504 ? 'Google did not answer in time (UPSTREAM_FIRST_BYTE_TIMEOUT_MS), or the egress path is blocked' : 'the gateway cannot reach Google (cloudcode-pa.googleapis.com): DNS, firewall or a required proxy',
        fix: 'allow egress to cloudcode-pa.googleapis.com and oauth2.googleapis.com:443, or set HTTPS_PROXY (and NO_PROXY) on the gateway',
        doc: doc('google-unreachable-proxy'),
      };
    case answer.status === 400:
      return { status: 'FAIL', detail, cause: 'the gateway or Google rejected doctor\'s minimal request', fix: `look at the gateway logs${logHint}; try another --model`, doc: doc('high-error-rate') };
    default:
      return { status: 'FAIL', detail, cause: 'an error inside the gateway', fix: `look at the gateway logs${logHint}`, doc: doc('high-error-rate') };
  }
}

/** 429: the gateway's own limiter (gateway_* codes), Google's daily quota (QUOTA_EXHAUSTED / insufficient_quota), or per-minute limits. */
function explainRateLimit(detail: string, { code, reason }: FailureCodes, retryAfter: string | null): Verdict {
  const seconds = retryAfter ? Number(retryAfter) : undefined;
  const limiter = code === 'gateway_queue_full' || code === 'gateway_queue_timeout';
  const daily = code === 'insufficient_quota' || reason === 'QUOTA_EXHAUSTED';
  const long = daily || seconds === undefined || !Number.isFinite(seconds) || seconds > 300;
  return {
    status: long && !limiter ? 'FAIL' : 'WARN',
    detail: `${detail}${retryAfter ? ` (Retry-After ${retryAfter} s)` : ''}`,
    cause: limiter ? 'the gateway\'s own limiter is full (too many concurrent requests for the configured limits)' : long ? 'Google\'s quota for this account is exhausted (daily limit)' : 'Google rate-limited the account (per-minute quota)',
    fix: limiter ? 'retry after Retry-After; raise the limiter settings or add replicas/credentials if this is normal load' : long ? 'wait for the quota reset, add credentials to the pool, or use a lighter model' : `retry after ${retryAfter} s; add credentials to spread the load`,
    doc: limiter ? doc('limiter-429') : doc('credential-cooling-down'),
  };
}
