import { classifyGoogleError, parseDuration, parseGoogleErrorBody } from './google-errors';

const errorInfo = (reason: string, metadata: Record<string, string> = {}) => ({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'cloudcode-pa.googleapis.com', metadata });
const retryInfo = (delay: string) => ({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay });

describe('parseGoogleErrorBody', () => {
  it('unwraps the array form Code Assist uses on streams', () => {
    const body = JSON.stringify([{ error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED', details: [retryInfo('3s')] } }]);
    expect(parseGoogleErrorBody(429, body)).toEqual({ code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED', details: [retryInfo('3s')] });
  });

  it('survives non-JSON bodies without echoing them', () => {
    expect(parseGoogleErrorBody(502, '<html>bad gateway at 10.0.0.7</html>')).toEqual({ code: 502, message: 'Code Assist answered HTTP 502 without a Google error body.', status: 'INTERNAL' });
  });

  it.each([
    ['details: null', { error: { code: 429, message: 'x', status: 'RESOURCE_EXHAUSTED', details: null } }, { code: 429, details: undefined }],
    ['error: null', { error: null }, { code: 503, message: 'Code Assist answered HTTP 503 without a Google error body.' }],
    ['a code that is not an HTTP error', { error: { code: 'boom', message: 'x' } }, { code: 503, status: 'UNAVAILABLE' }],
    ['details with junk entries', { error: { code: 400, message: 'x', details: [null, 3, { '@type': 'x' }] } }, { details: [{ '@type': 'x' }] }],
  ])('tolerates %s', (_name, body, expected) => {
    expect(parseGoogleErrorBody(503, JSON.stringify(body))).toMatchObject(expected);
  });

  it('keeps Google\'s own message but caps its length', () => {
    const parsed = parseGoogleErrorBody(400, JSON.stringify({ error: { code: 400, message: 'y'.repeat(50_000), status: 'INVALID_ARGUMENT' } }));
    expect(parsed.message.length).toBeLessThanOrEqual(1_001);
  });

  it('classifies junk QuotaFailure and Help entries without throwing', () => {
    const details = [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: 'x' }, { '@type': 'type.googleapis.com/google.rpc.Help', links: [null] }];
    expect(classifyGoogleError({ code: 429, message: 'x', status: 'RESOURCE_EXHAUSTED', details }).errorClass).toBe('rate-limited');
  });
});

describe('classifyGoogleError (Gemini CLI\'s order, docs/upstream.md)', () => {
  it.each([
    ['per-minute with RetryInfo', { code: 429, message: 'x', status: 'RESOURCE_EXHAUSTED', details: [errorInfo('RATE_LIMIT_EXCEEDED'), retryInfo('39.477544s')] }, 'rate-limited', 39478],
    ['daily (QUOTA_EXHAUSTED)', { code: 429, message: 'x', status: 'RESOURCE_EXHAUSTED', details: [errorInfo('QUOTA_EXHAUSTED'), retryInfo('51820.6s')] }, 'daily-quota', 51820600],
    ['daily (QuotaFailure PerDay)', { code: 429, message: 'x', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }] }] }, 'daily-quota', undefined],
    ['rate limit without RetryInfo is terminal', { code: 429, message: 'x', status: 'RESOURCE_EXHAUSTED', details: [errorInfo('RATE_LIMIT_EXCEEDED')] }, 'daily-quota', undefined],
    ['capacity', { code: 429, message: 'No capacity available', status: 'RESOURCE_EXHAUSTED', details: [errorInfo('MODEL_CAPACITY_EXHAUSTED')] }, 'capacity', undefined],
    ['capacity wording without details', { code: 503, message: 'You have exhausted your capacity on this model.', status: 'UNAVAILABLE' }, 'capacity', undefined],
    ['generic overload', { code: 429, message: 'Resource exhausted. Please try again later.', status: 'RESOURCE_EXHAUSTED' }, 'rate-limited', undefined],
    ['retry hint in the message', { code: 429, message: 'Please retry in 56.185908122s.', status: 'RESOURCE_EXHAUSTED' }, 'rate-limited', 56186],
    ['validation required', { code: 403, message: 'Validation required', status: 'PERMISSION_DENIED', details: [errorInfo('VALIDATION_REQUIRED', { validation_link: 'https://accounts.google.com/v' })] }, 'validation-required', undefined],
    ['unauthenticated', { code: 401, message: 'x', status: 'UNAUTHENTICATED' }, 'auth', undefined],
    ['not found', { code: 404, message: 'x', status: 'NOT_FOUND' }, 'not-found', undefined],
    ['server', { code: 500, message: 'x', status: 'INTERNAL' }, 'server', undefined],
    ['bad request', { code: 400, message: 'x', status: 'INVALID_ARGUMENT' }, 'invalid-request', undefined],
    ['403 about the account', { code: 403, message: 'x', status: 'PERMISSION_DENIED', details: [errorInfo('SERVICE_DISABLED')] }, 'permission', undefined],
    ['403 about the request', { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' }, 'forbidden', undefined],
  ])('%s', (_name, payload, errorClass, retryDelayMs) => {
    const classified = classifyGoogleError(payload);
    expect(classified.errorClass).toBe(errorClass);
    expect(classified.retryDelayMs).toBe(retryDelayMs);
  });

  it('takes the validation link from Help first', () => {
    const classified = classifyGoogleError({ code: 403, message: 'x', status: 'PERMISSION_DENIED', details: [errorInfo('VALIDATION_REQUIRED', { validation_link: 'https://b' }), { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ url: 'https://a' }] }] });
    expect(classified.validationUrl).toBe('https://a');
  });

  it('parses durations', () => {
    expect(parseDuration('900ms')).toBe(900);
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('1'.repeat(400) + 's')).toBeUndefined();
  });
});
