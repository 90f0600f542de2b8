import {
  GoogleUnauthenticatedError, InvalidRequestError, RequestEncodingError, ServiceUnavailableError, TokenRefreshFailedError, UpstreamBadResponseError,
  UpstreamTimeoutError, UpstreamUnreachableError,
} from '@app/common';
import { CredentialRevokedError } from '@app/auth';
import { MAX_COOLDOWN_MS, assessFailure, untilPacificMidnight, type FailoverDecision } from './failover';
import { classifyFailure, metricClassFor, type FailureClass } from './failure-class';
import { IneligibleTierError, OnboardingTimeoutError, ProjectRequiredError, ValidationRequiredError } from './onboarding-errors';
import { errorFromGoogle } from './upstream-reply';

const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';
const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
const options = { serverErrorCooldownMs: 2_000, now: Date.UTC(2026, 0, 1, 20, 0, 0) };
const google = (code: number, status: string, message: string, details: Array<Record<string, unknown>> = []) =>
  errorFromGoogle(code, JSON.stringify({ error: { code, status, message, details } }), 'acct').error;
const info = (reason: string, metadata: Record<string, string> = {}, domain = 'cloudcode-pa.googleapis.com') => ({ '@type': ERROR_INFO, reason, domain, metadata });
const credential = { label: 'acct', source: 'test' };

type Expected = Pick<FailoverDecision, 'reason' | 'retry' | 'scope'> & { cooldown?: { class: string; durationMs?: number; soft?: boolean; disabled?: boolean } };

describe('assessFailure: every failure class → action', () => {
  it.each<[string, unknown, Expected]>([
    ['429 RATE_LIMIT_EXCEEDED + RetryInfo 7s', google(429, 'RESOURCE_EXHAUSTED', 'x', [info('RATE_LIMIT_EXCEEDED'), { '@type': RETRY_INFO, retryDelay: '7s' }]),
      { reason: 'rate_limited', retry: true, scope: 'model', cooldown: { class: 'rate_limited', durationMs: 7_000 } }],
    ['429 without hints', google(429, 'RESOURCE_EXHAUSTED', 'Resource exhausted. Please try again later.'),
      { reason: 'rate_limited', retry: true, scope: 'model', cooldown: { class: 'rate_limited', durationMs: 60_000 } }],
    ['429 QUOTA_EXHAUSTED + RetryInfo 1h', google(429, 'RESOURCE_EXHAUSTED', 'x', [info('QUOTA_EXHAUSTED'), { '@type': RETRY_INFO, retryDelay: '3600s' }]),
      { reason: 'daily_quota', retry: true, scope: 'model', cooldown: { class: 'daily_quota', durationMs: 3_600_000 } }],
    ['429 QUOTA_EXHAUSTED + RetryInfo 99999999999s (capped)', google(429, 'RESOURCE_EXHAUSTED', 'x', [info('QUOTA_EXHAUSTED'), { '@type': RETRY_INFO, retryDelay: '99999999999s' }]),
      { reason: 'daily_quota', retry: true, scope: 'model', cooldown: { class: 'daily_quota', durationMs: MAX_COOLDOWN_MS } }],
    ['429 QUOTA_EXHAUSTED without delay: until Pacific midnight', google(429, 'RESOURCE_EXHAUSTED', 'x', [info('QUOTA_EXHAUSTED')]),
      { reason: 'daily_quota', retry: true, scope: 'model', cooldown: { class: 'daily_quota', durationMs: untilPacificMidnight(options.now) } }],
    ['429 MODEL_CAPACITY_EXHAUSTED', google(429, 'RESOURCE_EXHAUSTED', 'No capacity available', [info('MODEL_CAPACITY_EXHAUSTED')]),
      { reason: 'capacity', retry: true, scope: 'model', cooldown: { class: 'capacity', durationMs: 5_000, soft: true } }],
    ['500 INTERNAL', google(500, 'INTERNAL', 'Internal error encountered.'), { reason: 'server', retry: true, scope: 'model', cooldown: { class: 'server', durationMs: 2_000, soft: true } }],
    ['503 UNAVAILABLE', google(503, 'UNAVAILABLE', 'The service is currently unavailable.'), { reason: 'server', retry: true, scope: 'model', cooldown: { class: 'server', soft: true } }],
    ['401 after a refresh', new GoogleUnauthenticatedError('refused'), { reason: 'auth', retry: true, scope: 'account', cooldown: { class: 'auth', durationMs: 30_000, soft: true } }],
    ['403 SUBSCRIPTION_REQUIRED', google(403, 'PERMISSION_DENIED', 'no licence', [info('SUBSCRIPTION_REQUIRED', {}, 'cloudaicompanion.googleapis.com')]),
      { reason: 'permission', retry: true, scope: 'account', cooldown: { class: 'permission', durationMs: 300_000 } }],
    ['403 SERVICE_DISABLED', google(403, 'PERMISSION_DENIED', 'API not enabled', [info('SERVICE_DISABLED', {}, 'googleapis.com')]), { reason: 'permission', retry: true, scope: 'account', cooldown: { class: 'permission' } }],
    ['403 CONSUMER_INVALID', google(403, 'PERMISSION_DENIED', 'Permission denied on resource project default.', [info('CONSUMER_INVALID', {}, 'googleapis.com')]),
      { reason: 'permission', retry: true, scope: 'account', cooldown: { class: 'permission' } }],
    ['403 ACCESS_TOKEN_SCOPE_INSUFFICIENT', google(403, 'PERMISSION_DENIED', 'scopes', [info('ACCESS_TOKEN_SCOPE_INSUFFICIENT', {}, 'googleapis.com')]), { reason: 'permission', retry: true, scope: 'account', cooldown: { class: 'permission' } }],
    ['403 IAM_PERMISSION_DENIED on the project', google(403, 'PERMISSION_DENIED', 'denied', [info('IAM_PERMISSION_DENIED', { permission: 'cloudaicompanion.companions.generateCode' }, 'googleapis.com')]),
      { reason: 'permission', retry: true, scope: 'account', cooldown: { class: 'permission' } }],
    ['403 named-user wording without ErrorInfo', google(403, 'PERMISSION_DENIED', "You must be a named user on your organization's Gemini Code Assist Standard edition subscription"), { reason: 'permission', retry: true, scope: 'account', cooldown: { class: 'permission' } }],
    ['403 IAM_PERMISSION_DENIED on a resource the request named', google(403, 'PERMISSION_DENIED', 'denied', [info('IAM_PERMISSION_DENIED', { resource: 'projects/p/buckets/b/objects/o', permission: 'storage.objects.get' }, 'googleapis.com')]),
      { reason: 'forbidden', retry: false, scope: 'request' }],
    ['403 without ErrorInfo about a file', google(403, 'PERMISSION_DENIED', 'You do not have permission to access the File abc or it may not exist.'), { reason: 'forbidden', retry: false, scope: 'request' }],
    ['403 VALIDATION_REQUIRED', google(403, 'PERMISSION_DENIED', 'Validation required to continue.', [info('VALIDATION_REQUIRED', { validation_link: 'https://accounts.google.com/v' })]),
      { reason: 'validation_required', retry: true, scope: 'account', cooldown: { class: 'validation_required', disabled: true } }],
    ['400 INVALID_ARGUMENT', google(400, 'INVALID_ARGUMENT', 'bad'), { reason: 'invalid_request', retry: false, scope: 'request' }],
    ['404 NOT_FOUND', google(404, 'NOT_FOUND', 'Requested entity was not found.'), { reason: 'not_found', retry: false, scope: 'request' }],
    ['our request cannot be encoded', new RequestEncodingError('deep'), { reason: 'local', retry: false, scope: 'request' }],
    ['a broken reply', new UpstreamBadResponseError('not JSON'), { reason: 'bad_response', retry: false, scope: 'request' }],
    ['revoked refresh token', new CredentialRevokedError(credential, 'invalid_grant'), { reason: 'revoked', retry: true, scope: 'account', cooldown: { class: 'revoked', disabled: true } }],
    ['validation required at onboarding', new ValidationRequiredError('acct', 'https://v'), { reason: 'validation_required', retry: true, scope: 'account', cooldown: { class: 'validation_required', disabled: true } }],
    ['project required', new ProjectRequiredError('acct'), { reason: 'ineligible', retry: true, scope: 'account', cooldown: { class: 'ineligible', disabled: true } }],
    ['ineligible tier', new IneligibleTierError('acct', ['location']), { reason: 'ineligible', retry: true, scope: 'account', cooldown: { class: 'ineligible', disabled: true } }],
    ['onboarding timeout', new OnboardingTimeoutError('acct', 1_000), { reason: 'onboarding', retry: true, scope: 'account', cooldown: { class: 'server', durationMs: 30_000 } }],
    ['first-byte timeout', new UpstreamTimeoutError('slow'), { reason: 'timeout', retry: true, scope: 'request' }],
    ['network error', new UpstreamUnreachableError('ECONNRESET'), { reason: 'network', retry: true, scope: 'request' }],
    ['token refresh failed (named)', new TokenRefreshFailedError('HTTP 500'), { reason: 'token_refresh', retry: true, scope: 'request' }],
    ['token refresh failed (libs/auth today)', new ServiceUnavailableError('HTTP 500', { code: 'google_token_refresh_failed' }), { reason: 'token_refresh', retry: true, scope: 'request' }],
    ['client gone', Object.assign(new Error('aborted'), { name: 'AbortError' }), { reason: 'cancelled', retry: false, scope: 'request' }],
    ['our own 400', new InvalidRequestError('bad'), { reason: 'invalid_request', retry: false, scope: 'request' }],
    ['a bug', new TypeError('x is undefined'), { reason: 'other', retry: false, scope: 'request' }],
  ])('%s', (_name, error, expected) => {
    const decision = assessFailure(error, options);
    expect(decision).toMatchObject(expected);
    if (!expected.cooldown) expect(decision.cooldown).toBeUndefined();
  });

  it('covers every failure class (the vocabulary has no class without a rule)', () => {
    const classes: FailureClass[] = ['rate_limited', 'daily_quota', 'capacity', 'server', 'auth', 'permission', 'validation_required', 'revoked', 'ineligible', 'onboarding',
      'forbidden', 'not_found', 'invalid_request', 'local', 'timeout', 'network', 'token_refresh', 'bad_response', 'cancelled', 'other'];
    for (const failure of classes) expect(typeof metricClassFor(failure)).toBe('string');
    expect(classifyFailure(new Error('x'))).toBe('other');
  });

  it('keeps the metric labels dashboards know', () => {
    expect([metricClassFor('not_found'), metricClassFor('forbidden'), metricClassFor('permission'), metricClassFor('rate_limited')]).toEqual(['invalid_request', 'invalid_request', 'other', 'rate_limited']);
  });

  it('counts Pacific midnight from hours, minutes and seconds', () => {
    // 2026-01-01 20:00 UTC = 12:00 PST: 12 h to midnight.
    expect(untilPacificMidnight(Date.UTC(2026, 0, 1, 20, 0, 0))).toBe(12 * 3_600_000);
    expect(untilPacificMidnight(Date.UTC(2026, 0, 1, 20, 45, 30))).toBe(12 * 3_600_000 - (45 * 60 + 30) * 1000);
  });
});
