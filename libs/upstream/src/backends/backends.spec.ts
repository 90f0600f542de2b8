import type { GatewayError } from '@app/common';
import { collectStream, counterValue, googleError, upstreamRig } from '../__fixtures__/twins';

const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';
const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
const request = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
const KEY = 'AIzaSyTwinKey0123456789abcdefghijklmno';
const studio = { type: 'gemini_api_key', api_key: KEY, label: 'studio-1', priority: 2 };
const vertex = { type: 'vertex_adc', project: 'vp', location: 'europe-west4', label: 'vertex-adc', priority: 2 };
const rateLimited = googleError(429, 'RESOURCE_EXHAUSTED', 'slow down', [{ '@type': ERROR_INFO, reason: 'RATE_LIMIT_EXCEEDED', domain: 'cloudcode-pa.googleapis.com' }, { '@type': RETRY_INFO, retryDelay: '30s' }]);
const keyInvalid = googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [{ '@type': ERROR_INFO, reason: 'API_KEY_INVALID', domain: 'googleapis.com' }]);

describe('backend port: the Gemini API adapter', () => {
  it('sends the public request with x-goog-api-key, no Code Assist envelope, and reads the public reply', async () => {
    const rig = upstreamRig([studio]);
    const answer = await rig.service.generate({ model: 'gemini-2.5-pro', request });
    expect(answer.candidates?.[0]?.content?.parts?.[0]).toEqual({ text: 'public hello' });
    const [call] = rig.publicHttp.calls;
    expect(call.url).toBe('https://generativelanguage.test/v1beta/models/gemini-2.5-pro:generateContent');
    expect(call.headers).toEqual({ 'x-goog-api-key': KEY });
    expect(call.body).toEqual(request);
    expect(rig.http.calls).toHaveLength(0); // no loadCodeAssist, no onboarding
  });

  it('streams with ?alt=sse and counts tokens with {contents}', async () => {
    const rig = upstreamRig([studio]);
    const events = await collectStream(await rig.service.stream({ model: 'gemini-2.5-flash', request }));
    expect(events).toEqual([{ candidates: [expect.objectContaining({ finishReason: 'STOP' })] }]);
    expect(rig.publicHttp.calls[0].url).toBe('https://generativelanguage.test/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    await expect(rig.service.countTokens({ model: 'gemini-2.5-flash', contents: request.contents })).resolves.toEqual({ totalTokens: 9 });
    expect(rig.publicHttp.calls[1]).toMatchObject({ url: expect.stringMatching(/:countTokens$/), body: { contents: request.contents } });
    expect(rig.limiter.held).toBe(0);
  });

  it('API_KEY_INVALID disables the key with a reason naming the label, never the key', async () => {
    const rig = upstreamRig([studio]);
    rig.publicHttp.script = () => keyInvalid;
    const error = (await rig.service.generate({ model: 'm', request }).catch((caught: unknown) => caught)) as GatewayError;
    expect(error.message).toContain('"studio-1"');
    expect(error.message).toContain('API_KEY_INVALID');
    expect(error.message).not.toContain(KEY);
    expect(rig.pool.stateOf(rig.credentials[0])).toBe('disabled');
    const [status] = await rig.pool.status();
    expect(status).toMatchObject({ backend: 'gemini_api', state: 'disabled', disabledReason: expect.stringContaining('studio-1') });
    expect(JSON.stringify(status)).not.toContain(KEY);
    // The next request does not call Google with the disabled key.
    await expect(rig.service.generate({ model: 'm', request })).rejects.toMatchObject({ httpStatus: 503 });
    expect(rig.publicHttp.calls).toHaveLength(1);
  });

  it('a 403 about a file the request names fails that request alone', async () => {
    const rig = upstreamRig([studio]);
    rig.publicHttp.script = () => googleError(403, 'PERMISSION_DENIED', 'You do not have permission to access the File abc or it may not exist.');
    await expect(rig.service.generate({ model: 'm', request })).rejects.toMatchObject({ httpStatus: 403 });
    expect(rig.pool.stateOf(rig.credentials[0])).toBe('active');
  });
  it('asks the public API for the public model id (Code Assist calls Gemini 3.5 Flash gemini-3-flash)', async () => {
    const rig = upstreamRig([{ ...studio, models: ['gemini-3.5-*'] }]);
    await rig.service.generate({ model: 'gemini-3-flash', request });
    expect(rig.publicHttp.calls[0].url).toBe('https://generativelanguage.test/v1beta/models/gemini-3.5-flash:generateContent');
  });
});

describe('backend port: priorities and models across backends', () => {
  it('a 429 on the priority-1 Code Assist account fails over to priority 2; later requests skip the cooling account', async () => {
    const rig = upstreamRig(['ca', studio]);
    rig.http.script = (_account, method) => (method === 'loadCodeAssist' ? { status: 200, body: { currentTier: { id: 'standard-tier' }, cloudaicompanionProject: 'p' } } : rateLimited);
    await expect(rig.service.generate({ model: 'gemini-2.5-pro', request })).resolves.toMatchObject({ candidates: [expect.anything()] });
    expect(rig.http.countFor('ca')).toBe(1);
    expect(rig.publicHttp.calls).toHaveLength(1);
    await rig.service.generate({ model: 'gemini-2.5-pro', request });
    expect(rig.http.countFor('ca')).toBe(1);
    expect(rig.publicHttp.calls).toHaveLength(2);
    // The backend label says who failed and who served.
    expect(await counterValue(rig.metrics.upstreamErrors, { class: 'rate_limited', backend: 'code_assist' })).toBe(1);
    expect(await counterValue(rig.metrics.upstreamRetries, { reason: 'rate_limited', backend: 'code_assist' })).toBe(1);
    const served = (await rig.metrics.upstreamDuration.get()).values.filter((value) => value.metricName?.endsWith('_count') && value.labels.backend === 'gemini_api');
    expect(served.reduce((sum, value) => sum + value.value, 0)).toBe(2);
  });

  it('priority 2 is not used while priority 1 is usable', async () => {
    const rig = upstreamRig(['ca', studio]);
    for (let index = 0; index < 4; index += 1) await rig.service.generate({ model: 'gemini-2.5-pro', request });
    expect(rig.http.countFor('ca')).toBe(4);
    expect(rig.publicHttp.calls).toHaveLength(0);
  });

  it('a credential serves only the models its globs name', async () => {
    const rig = upstreamRig([{ ...studio, priority: 1, models: ['gemini-2.5-flash*'] }, { refresh_token: 'rt-ca', label: 'ca', priority: 2 }]);
    await rig.service.generate({ model: 'gemini-2.5-pro', request });
    await rig.service.generate({ model: 'gemini-2.5-flash-lite', request });
    expect(rig.http.countFor('ca')).toBe(1);
    expect(rig.publicHttp.calls.map((call) => call.url)).toEqual(['https://generativelanguage.test/v1beta/models/gemini-2.5-flash-lite:generateContent']);
  });
});

describe('backend port: the Vertex AI adapter', () => {
  it('posts to the regional endpoint with a Bearer token; a 429 without RetryInfo cools the model for the default 60 s', async () => {
    const rig = upstreamRig([vertex]);
    await rig.service.generate({ model: 'gemini-2.5-pro', request });
    expect(rig.publicHttp.calls[0]).toMatchObject({
      url: 'https://europe-west4-aiplatform.googleapis.com/v1/projects/vp/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent',
      headers: { authorization: 'Bearer vertex-token-vertex-adc-1' },
      body: request,
    });
    rig.publicHttp.script = () => googleError(429, 'RESOURCE_EXHAUSTED', 'Resource exhausted. Please try again later.');
    const before = Date.now();
    await expect(rig.service.generate({ model: 'gemini-2.5-pro', request })).rejects.toMatchObject({ httpStatus: 429 });
    const [status] = await rig.pool.status();
    const until = Date.parse(status.cooldowns[0].until);
    expect(status.cooldowns[0]).toMatchObject({ model: 'gemini-2.5-pro', class: 'rate_limited' });
    expect(until - before).toBeGreaterThanOrEqual(59_000);
    expect(until - before).toBeLessThanOrEqual(61_000);
  });

  it('IAM permission denied on aiplatform disables the service account', async () => {
    const rig = upstreamRig([vertex]);
    rig.publicHttp.script = () => googleError(403, 'PERMISSION_DENIED', "Permission 'aiplatform.endpoints.predict' denied on resource", [{ '@type': ERROR_INFO, reason: 'IAM_PERMISSION_DENIED', domain: 'aiplatform.googleapis.com', metadata: { permission: 'aiplatform.endpoints.predict' } }]);
    await expect(rig.service.generate({ model: 'gemini-2.5-pro', request })).rejects.toMatchObject({ message: expect.stringContaining('"vertex-adc"') });
    expect(rig.pool.stateOf(rig.credentials[0])).toBe('disabled');
  });
});
