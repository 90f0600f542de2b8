import type { GatewayAnswer } from '../gateway-client';
import { explainGenerationFailure, failureCodesOf, type FailureCodes } from './failure-explanation';

function answer(status: number, body: unknown, headers: Record<string, string> = {}): GatewayAnswer {
  const text = JSON.stringify(body);
  return { status, headers: new Headers(headers), text, json: body as Record<string, unknown>, elapsedMs: 1 };
}

/** The same English message on every row: only the status and the codes may change the verdict. */
const MESSAGE = 'Something went wrong; maybe revoked, maybe onboarding, maybe capacity, maybe a limiter queue.';
const openai = (status: number, code: string, headers?: Record<string, string>) => answer(status, { error: { message: MESSAGE, type: 'api_error', code } }, headers);
const google = (status: number, googleStatus: string, reason?: string, headers?: Record<string, string>) =>
  answer(status, { error: { code: status, message: MESSAGE, status: googleStatus, ...(reason ? { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'cloudcode-pa.googleapis.com' }] } : {}) } }, headers);

describe('explainGenerationFailure decides from codes, never from the message', () => {
  const rows: Array<[string, GatewayAnswer, FailureCodes | undefined, { status: string; doc: string }]> = [
    ['revoked credential', openai(503, 'google_credential_revoked'), undefined, { status: 'FAIL', doc: 'oauth-expired-or-revoked' }],
    ['no usable credential, readiness 0 of 2 usable', openai(503, 'no_usable_credential'), { code: 'no_usable_credential', credentials: { usable: 0, total: 2 } }, { status: 'FAIL', doc: 'oauth-expired-or-revoked' }],
    ['no usable credential, readiness unknown', openai(503, 'no_usable_credential'), undefined, { status: 'FAIL', doc: 'no-usable-credential' }],
    ['no credential configured', openai(503, 'no_google_credentials'), undefined, { status: 'FAIL', doc: 'no-usable-credential' }],
    ['token endpoint failing', openai(503, 'google_token_refresh_failed'), undefined, { status: 'FAIL', doc: 'refresh-failures' }],
    ['onboarding pending', openai(503, 'google_onboarding_pending'), undefined, { status: 'WARN', doc: 'project-required' }],
    ['shutting down', openai(503, 'server_shutting_down'), undefined, { status: 'WARN', doc: 'drain-on-rollout' }],
    ['Google capacity (OpenAI dialect)', openai(503, 'upstream_error'), undefined, { status: 'WARN', doc: 'slow-answers' }],
    ['Google capacity (Gemini dialect)', google(503, 'UNAVAILABLE', 'MODEL_CAPACITY_EXHAUSTED'), undefined, { status: 'WARN', doc: 'slow-answers' }],
    ['validation required', google(403, 'PERMISSION_DENIED', 'VALIDATION_REQUIRED'), undefined, { status: 'FAIL', doc: 'project-required' }],
    ['project required', openai(403, 'google_project_required'), undefined, { status: 'FAIL', doc: 'project-required' }],
    ['limiter queue full', openai(429, 'gateway_queue_full', { 'retry-after': '1' }), undefined, { status: 'WARN', doc: 'limiter-429' }],
    ['limiter, no Retry-After', openai(429, 'gateway_queue_timeout'), undefined, { status: 'WARN', doc: 'limiter-429' }],
    ['per-minute limit', google(429, 'RESOURCE_EXHAUSTED', 'RATE_LIMIT_EXCEEDED', { 'retry-after': '7' }), undefined, { status: 'WARN', doc: 'credential-cooling-down' }],
    ['daily quota, short Retry-After', google(429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXHAUSTED', { 'retry-after': '7' }), undefined, { status: 'FAIL', doc: 'credential-cooling-down' }],
    ['daily quota (OpenAI dialect)', openai(429, 'insufficient_quota', { 'retry-after': '40000' }), undefined, { status: 'FAIL', doc: 'credential-cooling-down' }],
    ['unknown 503 from the gateway', google(503, 'UNAVAILABLE'), undefined, { status: 'FAIL', doc: 'high-error-rate' }],
  ];

  it.each(rows)('%s', (_name, failed, codes, expected) => {
    const verdict = explainGenerationFailure(failed, 'POST /probe', codes ?? failureCodesOf(failed));
    expect({ status: verdict.status, doc: verdict.doc }).toEqual({ status: expected.status, doc: `docs/troubleshooting.md#${expected.doc}` });
    expect(verdict.detail).toContain(`HTTP ${failed.status}`);
  });

  it('reads the ErrorInfo reason out of a JSON-array stream error too', () => {
    const wrapped = answer(429, [{ error: { code: 429, message: MESSAGE, status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'QUOTA_EXHAUSTED' }] } }]);
    expect(failureCodesOf(wrapped)).toEqual({ code: undefined, reason: 'QUOTA_EXHAUSTED' });
  });
});
