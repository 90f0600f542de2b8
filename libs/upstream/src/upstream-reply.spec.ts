import { GoogleUnauthenticatedError, UpstreamError } from '@app/common';
import { bodyOf } from './__fixtures__/twins';
import { ValidationRequiredError } from './onboarding-errors';
import { errorFromGoogle, readBoundedText } from './upstream-reply';

const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';
const body = (code: number, status: string, details: Array<Record<string, unknown>> = []) => JSON.stringify({ error: { code, status, message: 'm', details } });

describe('readBoundedText', () => {
  it('reads a body split into chunks, multi-byte characters included', async () => {
    expect(await readBoundedText(bodyOf({ status: 200, chunks: ['{"t":"h\u00e9', 'llo"}'] }), 100)).toEqual({ text: '{"t":"héllo"}', truncated: false });
  });

  it('stops past the limit and discards the rest', async () => {
    const stream = bodyOf({ status: 200, chunks: ['x'.repeat(60), 'y'.repeat(60), 'z'.repeat(60)] });
    expect(await readBoundedText(stream, 100)).toEqual({ text: '', truncated: true });
    expect(stream.destroyed).toBe(true);
  });
});

describe('errorFromGoogle: Google\'s answer → a named error', () => {
  it.each<[string, number, string, unknown, Record<string, unknown>]>([
    ['401', 401, body(401, 'UNAUTHENTICATED'), GoogleUnauthenticatedError, { httpStatus: 503, openaiCode: 'google_unauthenticated' }],
    ['403 VALIDATION_REQUIRED', 403, body(403, 'PERMISSION_DENIED', [{ '@type': ERROR_INFO, reason: 'VALIDATION_REQUIRED', metadata: { validation_link: 'https://v' } }]), ValidationRequiredError, { validationUrl: 'https://v' }],
    ['403 about the request', 403, body(403, 'PERMISSION_DENIED'), UpstreamError, { httpStatus: 403, errorClass: 'forbidden', googleStatus: 'PERMISSION_DENIED' }],
    ['429 with RetryInfo beyond a day', 429, body(429, 'RESOURCE_EXHAUSTED', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '99999999999s' }]), UpstreamError, { retryAfterSeconds: 86_400, retryDelayMs: 86_400_000 }],
    ['503 without hints: Retry-After 1', 503, body(503, 'UNAVAILABLE'), UpstreamError, { httpStatus: 503, retryAfterSeconds: 1 }],
  ])('%s', (_name, status, text, type, fields) => {
    const { error } = errorFromGoogle(status, text, 'acct');
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject(fields);
  });
});
