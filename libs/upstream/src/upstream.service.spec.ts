import { Logger } from '@nestjs/common';
import { RequestEncodingError, UpstreamBadResponseError, UpstreamError, UpstreamUnreachableError, type GatewayError } from '@app/common';
import type { GenerateContentResponse } from '@app/translation';
import { collectStream, counterValue, defaultReply, googleError, upstreamRig, type ScriptedReply, type UpstreamRig } from './__fixtures__/twins';

const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';
const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
const request = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
const fileDenied = googleError(403, 'PERMISSION_DENIED', 'You do not have permission to access the File abc or it may not exist.');
const licence = googleError(403, 'PERMISSION_DENIED', 'lack a Gemini Code Assist license', [{ '@type': ERROR_INFO, reason: 'SUBSCRIPTION_REQUIRED', domain: 'cloudaicompanion.googleapis.com' }]);
const rateLimited = googleError(429, 'RESOURCE_EXHAUSTED', 'slow down', [{ '@type': ERROR_INFO, reason: 'RATE_LIMIT_EXCEEDED', domain: 'cloudcode-pa.googleapis.com' }, { '@type': RETRY_INFO, retryDelay: '30s' }]);

/** Account `a` answers `reply` to generation calls; every other account answers normally. */
function failOnA(rig: UpstreamRig, reply: ScriptedReply | Error): void {
  rig.http.script = (account, method) => (account === 'a' && method !== 'loadCodeAssist' ? reply : defaultReply(method));
}

describe('UpstreamService on in-memory twins: every failure before the first byte → action', () => {
  it.each<[string, ScriptedReply | Error, { status: number; callsOnB: number; aState: string }]>([
    ['429 rate limit: cools a × model, served by b', rateLimited, { status: 200, callsOnB: 1, aState: 'cooling_down' }],
    ['500: soft cooldown, served by b', googleError(500, 'INTERNAL', 'Internal error encountered.'), { status: 200, callsOnB: 1, aState: 'cooling_down' }],
    ['403 about the account (licence): cools a, served by b', licence, { status: 200, callsOnB: 1, aState: 'cooling_down' }],
    ['403 about the request (a file): fails alone, a stays active', fileDenied, { status: 403, callsOnB: 0, aState: 'active' }],
    ['400: fails alone, a stays active', googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.'), { status: 400, callsOnB: 0, aState: 'active' }],
    ['404: fails alone', googleError(404, 'NOT_FOUND', 'Requested entity was not found.'), { status: 404, callsOnB: 0, aState: 'active' }],
    ['network error: served by b, nothing cooled', new UpstreamUnreachableError('Could not reach Code Assist: ECONNRESET.'), { status: 200, callsOnB: 1, aState: 'active' }],
  ])('%s', async (_name, reply, expected) => {
    const rig = upstreamRig(['a', 'b']);
    failOnA(rig, reply);
    // Make `a` the first choice: b is busy until a was tried.
    const holdB = rig.pool.pick('m', new Set([rig.credentials[0].id]));
    const outcome = await rig.service.generate({ model: 'm', request }).then(() => 200, (error: GatewayError) => error.httpStatus);
    if (holdB.credential) holdB.release();
    expect(outcome).toBe(expected.status);
    expect(rig.http.countFor('a')).toBe(1);
    expect(rig.http.countFor('b')).toBe(expected.callsOnB);
    expect(rig.pool.stateOf(rig.credentials[0])).toBe(expected.aState);
    expect(rig.limiter.held).toBe(0);
  });

  it('a request-caused 403 does not stop the next request on the same (only) account', async () => {
    const rig = upstreamRig(['a']);
    rig.http.script = (_account, method, index) => (method === 'generateContent' && index <= 1 ? fileDenied : defaultReply(method));
    await expect(rig.service.generate({ model: 'm', request })).rejects.toMatchObject({ httpStatus: 403, message: expect.stringContaining('File abc') });
    await expect(rig.service.generate({ model: 'm', request })).resolves.toMatchObject({ candidates: [expect.anything()] });
    expect(rig.pool.stateOf(rig.credentials[0])).toBe('active');
  });

  it('caps a RetryInfo of 99999999999s at 24 h', async () => {
    const rig = upstreamRig(['a']);
    rig.http.script = () => googleError(429, 'RESOURCE_EXHAUSTED', 'x', [{ '@type': ERROR_INFO, reason: 'QUOTA_EXHAUSTED', domain: 'cloudcode-pa.googleapis.com' }, { '@type': RETRY_INFO, retryDelay: '99999999999s' }]);
    rig.http.script = ((inner) => (account: string, method: string, index: number) => (method === 'loadCodeAssist' ? defaultReply(method) : inner(account, method, index)))(rig.http.script);
    const error = (await rig.service.generate({ model: 'm', request }).catch((caught: unknown) => caught)) as UpstreamError;
    expect(error.httpStatus).toBe(429);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(24 * 3600);
    const [status] = await rig.pool.status();
    expect(Date.parse(status.cooldowns[0].until) - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
  });

  it('a 401 refreshes once and retries once on the same account; a second 401 only prefers other accounts for a while', async () => {
    const rig = upstreamRig(['a']);
    rig.http.script = (_account, method) => (method === 'generateContent' ? googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.') : defaultReply(method));
    await expect(rig.service.generate({ model: 'm', request })).rejects.toMatchObject({ httpStatus: 503, openaiCode: 'google_unauthenticated' });
    expect(rig.tokens.refreshes).toBe(2); // first use + the one refresh after the 401
    rig.http.script = (_account, method) => defaultReply(method);
    await expect(rig.service.generate({ model: 'm', request })).resolves.toBeDefined(); // a soft cooldown never locks out
  });

  it('serialising OUR request fails with 400, not a network error, and marks nothing', async () => {
    const rig = upstreamRig(['a', 'b']);
    let deep: Record<string, unknown> = { leaf: true };
    for (let depth = 0; depth < 20_000; depth += 1) deep = { nested: deep };
    const deepRequest = { contents: [{ role: 'user', parts: [{ functionResponse: { name: 'f', response: deep } }] }] };
    const error = await rig.service.generate({ model: 'm', request: deepRequest as never }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestEncodingError);
    expect((error as GatewayError).httpStatus).toBe(400);
    expect(rig.credentials.map((credential) => rig.pool.stateOf(credential))).toEqual(['active', 'active']);
    expect(await counterValue(rig.metrics.upstreamErrors, { class: 'network' })).toBe(0);
    expect(rig.http.calls.filter((call) => call.method === 'generateContent')).toHaveLength(0);
  });
});

describe('broken replies after Google accepted the call → 502, never echoed', () => {
  it.each<[string, ScriptedReply]>([
    ['empty 200', { status: 200, body: '' }],
    ['non-JSON 200', { status: 200, body: '<html>internal proxy 10.0.0.7</html>' }],
    ['JSON null', { status: 200, body: 'null' }],
    ['JSON array', { status: 200, body: '[1,2]' }],
  ])('%s', async (_name, reply) => {
    const rig = upstreamRig(['a']);
    rig.http.script = (_account, method) => (method === 'generateContent' || method === 'countTokens' ? reply : defaultReply(method));
    for (const call of [() => rig.service.generate({ model: 'm', request }), () => rig.service.countTokens({ model: 'm', contents: request.contents })]) {
      const error = (await call().catch((caught: unknown) => caught)) as GatewayError;
      expect(error).toBeInstanceOf(UpstreamBadResponseError);
      expect(error.httpStatus).toBe(502);
      expect(error.message).not.toContain('10.0.0.7');
    }
    expect(rig.pool.stateOf(rig.credentials[0])).toBe('active');
  });

  it('a non-JSON error body is not copied into the message', async () => {
    const rig = upstreamRig(['a']);
    rig.http.script = (_account, method) => (method === 'generateContent' ? { status: 502, body: '<html>secret upstream host gw-7.internal</html>' } : defaultReply(method));
    const error = (await rig.service.generate({ model: 'm', request }).catch((caught: unknown) => caught)) as GatewayError;
    expect(error.httpStatus).toBe(502);
    expect(error.message).not.toContain('gw-7.internal');
  });
});

describe('streams: failover before the first byte only', () => {
  const chunk = (text: string) => `data: ${JSON.stringify({ response: { candidates: [{ content: { parts: [{ text }] } }] } })}\n\n`;

  it('moves to another account when the first answers 429 before the first byte', async () => {
    const rig = upstreamRig(['a', 'b']);
    rig.http.script = (account, method) => (account === 'a' && method === 'streamGenerateContent' ? rateLimited : defaultReply(method));
    const texts: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      for (const event of await collectStream(await rig.service.stream({ model: 'm', request }))) texts.push(String(event.candidates?.[0]?.content?.parts?.[0]?.text));
    }
    expect(texts).toEqual(Array(4).fill('hello'));
    expect(rig.http.countFor('a', 'streamGenerateContent')).toBeLessThanOrEqual(1);
    expect(rig.limiter.held).toBe(0);
  });

  it('after the first byte a dropped connection ends the stream with an error and is not retried', async () => {
    const rig = upstreamRig(['a', 'b']);
    rig.http.script = (_account, method) => (method === 'streamGenerateContent' ? { status: 200, chunks: [chunk('partial')], failAfterChunks: true } : defaultReply(method));
    const chunks: GenerateContentResponse[] = [];
    const failure = await collectStream(await rig.service.stream({ model: 'm', request }), chunks).catch((caught: unknown) => caught);
    expect(chunks.map((event) => event.candidates?.[0]?.content?.parts?.[0]?.text)).toEqual(['partial']);
    expect(failure).toBeInstanceOf(UpstreamUnreachableError);
    expect(rig.http.calls.filter((call) => call.method === 'streamGenerateContent')).toHaveLength(1);
    expect(rig.limiter.held).toBe(0);
  });
});

describe('countTokens takes the same path', () => {
  it('holds a limiter slot for the call and fails over like generation', async () => {
    const rig = upstreamRig(['a', 'b']);
    rig.http.script = (account, method) => (account === 'a' && method === 'countTokens' ? rateLimited : defaultReply(method));
    const results = await Promise.all(Array.from({ length: 4 }, () => rig.service.countTokens({ model: 'm', contents: request.contents })));
    expect(results).toEqual(Array(4).fill({ totalTokens: 7 }));
    expect(rig.limiter.acquired).toBe(4);
    expect(rig.limiter.held).toBe(0);
    expect(rig.http.countFor('b', 'countTokens')).toBeGreaterThanOrEqual(3);
  });
});

describe('the log says what actually happens next (one account waits for itself)', () => {
  const retryIn = (delay: string) => googleError(429, 'RESOURCE_EXHAUSTED', 'slow down', [{ '@type': ERROR_INFO, reason: 'RATE_LIMIT_EXCEEDED', domain: 'cloudcode-pa.googleapis.com' }, { '@type': RETRY_INFO, retryDelay: delay }]);
  afterEach(() => jest.restoreAllMocks());

  it.each<[string, string[], string[]]>([
    ['one account: waits for its reset, then the same account', ['a'], ['no Google account is usable now; waiting for the earliest reset', 'retrying on the same Google account']],
    ['two accounts: moves to the other at once', ['a', 'b'], ['retrying on another Google account']],
  ])('%s', async (_name, labels, expected) => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const rig = upstreamRig(labels);
    let limited = false;
    rig.http.script = (account, method) => {
      if (account !== 'a' || method !== 'generateContent' || limited) return defaultReply(method);
      limited = true;
      return retryIn('0.1s');
    };
    const holdB = labels.length > 1 ? rig.pool.pick('m', new Set([rig.credentials[0].id])) : undefined;
    await expect(rig.service.generate({ model: 'm', request })).resolves.toBeDefined();
    if (holdB?.credential) holdB.release();
    const messages = warn.mock.calls.map(([entry]) => (entry as { msg?: string }).msg).filter((msg) => msg && /retrying|waiting/.test(msg));
    expect(messages).toEqual(expected);
  });
});
