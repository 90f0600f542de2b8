import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

/** Raw HTTP against the Gemini-native surface: framing, auth forms, bad input, routing. */
describe('Gemini API over raw HTTP', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;
  const generateBody = (text: string, extra: Record<string, unknown> = {}) => JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }], ...extra });
  const noThoughts = { generationConfig: { thinkingConfig: { includeThoughts: false } } };
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY, ...headers }, body });

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-http' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-http') });
  });

  afterAll(async () => {
    await gateway.close();
    await emulator.close();
  });

  it('streams a JSON array when alt is absent, as Google does', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['a', 'b', 'c'] });
    const response = await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent', generateBody('array please', noThoughts));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const parsed = JSON.parse(await response.text()) as Array<{ candidates: Array<{ content: { parts: Array<{ text: string }> } }> }>;
    expect(parsed).toHaveLength(3);
    expect(parsed.map((chunk) => chunk.candidates[0].content.parts.map((part) => part.text).join('')).join('')).toBe('abc');
  });

  it('streams single-line data: events separated by blank lines with alt=sse, nothing else', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['x', 'y'] });
    const response = await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', generateBody('sse please', noThoughts));
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const text = await response.text();
    const events = text.split('\r\n\r\n').filter(Boolean);
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event.startsWith('data: ')).toBe(true);
      expect(event.includes('\n')).toBe(false);
      expect(() => JSON.parse(event.slice(6))).not.toThrow();
    }
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });

  it('ends a stream cut without finishReason with an error event and a bare error object, never a clean stop', async () => {
    emulator.enqueue({ kind: 'cut-stream', chunks: ['partial'] });
    const response = await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', generateBody('cut'));
    const text = await response.text();
    expect(text).toContain('"text":"partial"');
    expect(text).toMatch(/data: \{"error":\{"code":502,[^\n]*\r\n\r\n\{"error":\{"code":502,.*"status":"UNAVAILABLE"\}\}$/s);
  });

  it('closes the JSON array with an error element when the stream breaks mid-way', async () => {
    emulator.enqueue({ kind: 'cut-stream', chunks: ['p1'] });
    const response = await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent', generateBody('cut array'));
    const parsed = JSON.parse(await response.text()) as Array<Record<string, unknown>>;
    expect(parsed).toHaveLength(2);
    expect(parsed[1]).toMatchObject({ error: { code: 502, status: 'UNAVAILABLE' } });
  });

  it('array-wraps an upstream error that happens before the first chunk of a JSON-array stream', async () => {
    emulator.enqueue({ kind: 'error', error: 'server' });
    const response = await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent', generateBody('boom'));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual([{ error: expect.objectContaining({ code: 500, status: 'INTERNAL' }) }]);
  });

  it.each([
    ['Bearer', { authorization: `Bearer ${TEST_CLIENT_KEY}` }, ''],
    ['Basic with any user', { authorization: `Basic ${Buffer.from(`whoever:${TEST_CLIENT_KEY}`).toString('base64')}` }, ''],
    ['x-goog-api-key', { 'x-goog-api-key': TEST_CLIENT_KEY }, ''],
    ['?key=', {}, `?key=${TEST_CLIENT_KEY}`],
  ])('accepts the client key as %s', async (_name, headers, query) => {
    const response = await fetch(`${gateway.url}/v1beta/models${query}`, { headers });
    expect(response.status).toBe(200);
  });

  it.each([
    ['no key', {}, ''],
    ['a wrong Bearer', { authorization: 'Bearer nope' }, ''],
    ['a wrong Basic password', { authorization: `Basic ${Buffer.from('user:nope').toString('base64')}` }, ''],
    ['a wrong ?key=', {}, '?key=nope'],
  ])('refuses %s with 401 in Google\'s shape', async (_name, headers, query) => {
    const response = await fetch(`${gateway.url}/v1beta/models${query}`, { headers });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 401, message: expect.stringContaining('API key'), status: 'UNAUTHENTICATED' } });
  });

  it.each([
    ['invalid JSON', '{"contents": [', 400],
    ['a JSON array body', '[1,2]', 400],
    ['contents of the wrong type', '{"contents":"hello"}', 400],
    ['empty contents', '{"contents":[]}', 400],
    ['a content without parts', '{"contents":[{"role":"user"}]}', 400],
    ['parts that are not objects', '{"contents":[{"parts":["text"]}]}', 400],
    ['generationConfig of the wrong type', '{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":5}', 400],
  ])('answers %s with a 4xx in Google\'s shape, never 500', async (_name, body, status) => {
    const before = emulator.counters().generateCalls;
    const response = await post('/v1beta/models/gemini-2.5-flash:generateContent', body);
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: { code: number; message: string; status: string } };
    expect(json.error).toEqual({ code: status, message: expect.any(String), status: 'INVALID_ARGUMENT' });
    expect(emulator.counters().generateCalls).toBe(before);
  });

  it('forwards a model name it does not list and returns Google\'s own 404 as it is', async () => {
    const before = emulator.counters().generateCalls;
    const response = await post('/v1beta/models/gemini-9-ultra:generateContent', generateBody('x'));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } });
    expect(emulator.counters().generateCalls).toBe(before + 1);
  });

  it('answers unknown routes and methods with 404 (no catch-all)', async () => {
    for (const [method, path] of [['GET', '/foo'], ['POST', '/v1beta/models/gemini-2.5-flash:frobnicate'], ['GET', '/v1beta/models/gemini-2.5-flash-maxthinking-nothinking']]) {
      const response = await fetch(`${gateway.url}${path}`, { method, headers: { 'x-goog-api-key': TEST_CLIENT_KEY, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
      expect(response.status).toBe(404);
    }
  });

  it('serves /, /health, /health/live and /health/ready without a key', async () => {
    expect((await fetch(`${gateway.url}/`)).status).toBe(200);
    expect(await (await fetch(`${gateway.url}/health`)).json()).toEqual({ status: 'healthy', service: 'geminicli2api' });
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${gateway.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', info: { credentials: { status: 'up', usable: 1 } } });
  });

  it('keeps the client\'s fields and answers countTokens from generateContentRequest too', async () => {
    const response = await post('/v1beta/models/gemini-2.5-flash:countTokens', JSON.stringify({ generateContentRequest: { model: 'models/gemini-2.5-flash', contents: [{ parts: [{ text: 'count me' }] }] } }));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { totalTokens: number }).totalTokens).toBeGreaterThan(0);
  });

  it('pages the model list with pageSize and pageToken and rejects a bad token', async () => {
    const headers = { 'x-goog-api-key': TEST_CLIENT_KEY };
    const first = (await (await fetch(`${gateway.url}/v1beta/models?pageSize=3`, { headers })).json()) as { models: Array<{ name: string }>; nextPageToken: string };
    expect(first.models).toHaveLength(3);
    const second = (await (await fetch(`${gateway.url}/v1beta/models?pageSize=3&pageToken=${first.nextPageToken}`, { headers })).json()) as { models: Array<{ name: string }> };
    expect(second.models[0].name).not.toBe(first.models[0].name);
    expect((await fetch(`${gateway.url}/v1beta/models?pageToken=garbage`, { headers })).status).toBe(400);
  });
});
