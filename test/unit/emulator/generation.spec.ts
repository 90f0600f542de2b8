import { emulateDirective, startEmulator, type GoogleEmulator } from '../../support/emulator';
import { envelope, readSse, rpc } from './helpers';

const PROJECT = 'proj-gen';

describe('emulator generateContent / streamGenerateContent', () => {
  let emulator: GoogleEmulator;
  let token: string;

  beforeEach(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-gen', projectId: PROJECT });
    token = emulator.issueAccessToken('rt-gen');
  });
  afterEach(() => emulator.close());

  const generate = (body: unknown): Promise<Response> => rpc(emulator, token, 'generateContent', body);
  const stream = (body: unknown): Promise<Response> => rpc(emulator, token, 'streamGenerateContent', body, '?alt=sse');

  it('answers generateContent with the {response, traceId} wrapper and an echo', async () => {
    const response = await generate(envelope(PROJECT, 'List the files'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as any;
    expect(Object.keys(body).sort()).toEqual(['response', 'traceId']);
    expect(body.traceId).toMatch(/^[0-9a-f]{16}$/);
    expect(body.response).toMatchObject({
      candidates: [{ content: { role: 'model', parts: [{ text: 'Echo: List the files' }] }, finishReason: 'STOP', index: 0 }],
      modelVersion: 'gemini-2.5-pro',
      responseId: expect.any(String),
    });
    const usage = body.response.usageMetadata;
    expect(usage.promptTokenCount).toBe(Math.ceil('List the files'.length / 4));
    expect(usage.totalTokenCount).toBe(usage.promptTokenCount + usage.candidatesTokenCount);
    expect(emulator.counters().generateCalls).toBe(1);
  });

  it('streams strict SSE: one compact data line per event, deltas, finishReason and usage last', async () => {
    const response = await stream(envelope(PROJECT, 'Tell me a story', { generationConfig: { thinkingConfig: { includeThoughts: true } } }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const { events } = await readSse(response);
    expect(events.length).toBe(4); // thought + 3 text chunks
    const traceIds = new Set(events.map((event) => event.traceId));
    expect(traceIds.size).toBe(1);
    const parts = events.map((event) => event.response.candidates[0].content.parts);
    expect(parts[0]).toEqual([{ text: 'Thinking about it', thought: true }]);
    expect(parts.slice(1).map((eventParts) => eventParts[0].text).join('')).toBe('Echo: Tell me a story');
    events.slice(0, -1).forEach((event) => expect(event.response.candidates[0].finishReason).toBeUndefined());
    const last = events[events.length - 1]!.response;
    expect(last.candidates[0].finishReason).toBe('STOP');
    expect(last.usageMetadata).toEqual({
      promptTokenCount: 4,
      candidatesTokenCount: Math.ceil('Echo: Tell me a story'.length / 4),
      thoughtsTokenCount: Math.ceil('Thinking about it'.length / 4),
      totalTokenCount: 4 + 6 + 5,
    });
  });

  it('validates the envelope: models/ prefix 400, unknown model 404, wrong project 403, empty contents 400 (array-wrapped on streams)', async () => {
    const prefixed = await generate(envelope(PROJECT, 'x', {}, 'models/gemini-2.5-pro'));
    expect(prefixed.status).toBe(400);
    expect(await prefixed.json()).toEqual({ error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' } });

    const unknown = await stream(envelope(PROJECT, 'x', {}, 'gemini-9-ultra'));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual([{ error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } }]);

    const project = await generate(envelope('someone-else', 'x'));
    expect(project.status).toBe(403);
    expect(await project.json()).toMatchObject({ error: { status: 'PERMISSION_DENIED', details: [expect.objectContaining({ reason: 'CONSUMER_INVALID' })] } });

    const empty = await stream({ model: 'gemini-2.5-flash', project: PROJECT, request: { contents: [] } });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual([{ error: expect.objectContaining({ status: 'INVALID_ARGUMENT' }) }]);

    const emptyParts = await generate({ model: 'gemini-2.5-flash', project: PROJECT, request: { contents: [{ role: 'user', parts: [] }] } });
    expect(emptyParts.status).toBe(400);
    const badRole = await generate({ model: 'gemini-2.5-flash', project: PROJECT, request: { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] } });
    expect(await badRole.json()).toEqual({ error: { code: 400, message: 'Please use a valid role: user, model.', status: 'INVALID_ARGUMENT' } });

    emulator.addModel('gemini-9-ultra');
    expect((await generate(envelope(PROJECT, 'x', {}, 'gemini-9-ultra'))).status).toBe(200);
  });

  it('answers 401 array-wrapped on streams', async () => {
    const response = await rpc(emulator, 'ya29.bad', 'streamGenerateContent', envelope(PROJECT, 'x'), '?alt=sse');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await response.json()).toEqual([{ error: expect.objectContaining({ code: 401, status: 'UNAUTHENTICATED' }) }]);
  });

  it('produces the rate-limit body with RetryInfo and quotaResetDelay', async () => {
    emulator.enqueue({ kind: 'error', error: 'rate-limit', retryDelaySeconds: 3 });
    const response = await generate(envelope(PROJECT, 'x'));
    expect(response.status).toBe(429);
    const body = (await response.json()) as any;
    expect(body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(body.error.details).toEqual([
      expect.objectContaining({
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'RATE_LIMIT_EXCEEDED',
        domain: 'cloudcode-pa.googleapis.com',
        metadata: expect.objectContaining({ quotaResetDelay: '3s', model: 'gemini-2.5-pro' }),
      }),
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3s' },
    ]);
  });

  it('produces daily-quota, capacity (429 or 503) and server errors, array-wrapped on streams', async () => {
    emulator.enqueue({ kind: 'error', error: 'daily-quota' }, { kind: 'error', error: 'capacity', status: 503 }, { kind: 'error', error: 'server' });
    const daily = (await (await stream(envelope(PROJECT, 'x'))).json()) as any;
    expect(daily[0].error.details).toContainEqual(expect.objectContaining({ reason: 'QUOTA_EXHAUSTED' }));
    expect(daily[0].error.details).toContainEqual(
      expect.objectContaining({ violations: [expect.objectContaining({ quotaId: 'GenerateRequestsPerDayPerProjectPerModel' })] }),
    );
    const capacity = await stream(envelope(PROJECT, 'x'));
    expect(capacity.status).toBe(503);
    expect(((await capacity.json()) as any)[0].error).toMatchObject({ code: 503, status: 'UNAVAILABLE', details: [expect.objectContaining({ reason: 'MODEL_CAPACITY_EXHAUSTED' })] });
    const server = await generate(envelope(PROJECT, 'x'));
    expect(await server.json()).toEqual({ error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } });
  });

  it('uses a prompt directive over the queue, and leaves the queue untouched', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['queued'] });
    const directive = emulateDirective({ kind: 'text', chunks: ['from ', 'directive [ok]'] });
    const first = (await (await generate(envelope(PROJECT, `Hi ${directive}`))).json()) as any;
    expect(first.response.candidates[0].content.parts).toEqual([{ text: 'from directive [ok]' }]);
    expect(emulator.pendingBehaviours()).toBe(1);
    const second = (await (await generate(envelope(PROJECT, 'Hi'))).json()) as any;
    expect(second.response.candidates[0].content.parts).toEqual([{ text: 'queued' }]);
    const third = (await (await generate(envelope(PROJECT, 'Hi'))).json()) as any;
    expect(third.response.candidates[0].content.parts).toEqual([{ text: 'Echo: Hi' }]);

    const echoed = (await (await generate(envelope(PROJECT, 'Say this [emulate:{"kind":"text"}] please'))).json()) as any;
    expect(echoed.response.candidates[0].content.parts[0].text).toBe('Echo: Say this please');

    const bad = await stream(envelope(PROJECT, '[emulate:{"kind":"nope"}]'));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any)[0].error.message).toMatch(/Emulator directive: unknown kind "nope"/);
  });

  it('emits function calls with ids and the thought signature on the first call', async () => {
    emulator.enqueue({ kind: 'function-call', calls: [{ name: 'a', args: { x: 1 }, id: 'c1' }, { name: 'b', args: {} }], thoughtSignature: 'sig==' });
    const { events } = await readSse(await stream(envelope(PROJECT, 'x')));
    expect(events).toHaveLength(1);
    expect(events[0]!.response.candidates[0]).toMatchObject({
      content: { role: 'model', parts: [{ functionCall: { id: 'c1', name: 'a', args: { x: 1 } }, thoughtSignature: 'sig==' }, { functionCall: { name: 'b', args: {} } }] },
      finishReason: 'STOP',
    });
  });

  it('covers safety-block, image, grounded, cut-stream and abort-stream', async () => {
    emulator.enqueue(
      { kind: 'safety-block' },
      { kind: 'image', text: 'Here it is' },
      { kind: 'grounded', text: 'Paris is sunny', sources: [{ uri: 'https://example.com/w', title: 'Weather' }] },
      { kind: 'cut-stream', chunks: ['par', 'tial'] },
      { kind: 'abort-stream', chunks: ['doomed'] },
    );
    const blocked = (await (await generate(envelope(PROJECT, 'x'))).json()) as any;
    expect(blocked.response.candidates).toBeUndefined();
    expect(blocked.response.promptFeedback.blockReason).toBe('SAFETY');

    const image = (await (await generate(envelope(PROJECT, 'x'))).json()) as any;
    expect(image.response.candidates[0].content.parts).toEqual([{ text: 'Here it is' }, { inlineData: { mimeType: 'image/png', data: expect.any(String) } }]);

    const grounded = (await (await generate(envelope(PROJECT, 'x'))).json()) as any;
    expect(grounded.response.candidates[0].groundingMetadata.groundingChunks).toEqual([{ web: { uri: 'https://example.com/w', title: 'Weather' } }]);

    const cut = await readSse(await stream(envelope(PROJECT, 'x')));
    expect(cut.events.map((event) => event.response.candidates[0].content.parts[0].text)).toEqual(['par', 'tial']);
    expect(cut.events.some((event) => event.response.candidates[0].finishReason !== undefined)).toBe(false);

    const aborted = await stream(envelope(PROJECT, 'x'));
    expect(aborted.status).toBe(200);
    await expect(aborted.text()).rejects.toThrow();
  });
});
