import Anthropic from '@anthropic-ai/sdk';
import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

type Envelope = { model: string; project: string; request: Record<string, any> };

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const SIGNATURE = Buffer.from('thought-signature-'.repeat(40)).toString('base64');

/** The official @anthropic-ai/sdk against the real gateway on a real socket, Google emulated. */
describe('Anthropic Messages through the @anthropic-ai/sdk', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;
  let client: Anthropic;
  let replica: GatewayHarness;
  let otherReplica: Anthropic;
  const lastEnvelope = (): Envelope => [...emulator.requests].reverse().find((record) => record.method.endsWith('enerateContent'))?.body as Envelope;
  const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as InstanceType<typeof Anthropic.APIError>);

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-anthropic' });
    gateway = await startGateway({
      emulator, credentials: credentialFor('rt-anthropic'),
      // One attempt: an error behaviour reaches the client as it is (no retry, no cooldown wait).
      env: { MODEL_ALIASES: 'claude-*haiku*=gemini-2.5-flash-lite,claude-*=gemini-2.5-pro,gpt-*=gemini-2.5-flash,fast=gemini-2.5-flash-nothinking', UPSTREAM_MAX_ATTEMPTS: '1', COOLDOWN_SERVER_ERROR_MS: '0', SSE_HEARTBEAT_MS: '150', LOG_LEVEL: 'warn' },
    });
    client = new Anthropic({ apiKey: TEST_CLIENT_KEY, baseURL: gateway.url, maxRetries: 0, timeout: 20_000 });
    replica = await startGateway({ emulator, credentials: credentialFor('rt-anthropic'), env: { LOG_LEVEL: 'warn' } });
    otherReplica = new Anthropic({ apiKey: TEST_CLIENT_KEY, baseURL: replica.url, maxRetries: 0, timeout: 20_000 });
  }, 30_000);

  afterAll(async () => {
    await replica?.close();
    await gateway?.close();
    await emulator?.close();
  });

  it('answers text with the alias echoed, system as systemInstruction, usage and end_turn; x-api-key authenticates', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['Hello ', 'there'], usage: { promptTokenCount: 12, candidatesTokenCount: 3, totalTokenCount: 15 } });
    const message = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 256, system: 'You are terse.', messages: [{ role: 'user', content: 'Hi' }] });
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', stop_reason: 'end_turn', stop_sequence: null });
    expect(message.id).toMatch(/^msg_/);
    expect(message.content).toEqual([{ type: 'text', text: 'Hello there' }]);
    expect(message.usage).toMatchObject({ input_tokens: 12, output_tokens: 3 });
    const envelope = lastEnvelope();
    expect(envelope.model).toBe('gemini-2.5-pro');
    expect(envelope.request.systemInstruction.parts[0].text).toBe('You are terse.');
    expect(emulator.requests.at(-1)?.headers['x-api-key']).toBeUndefined(); // the client key never travels upstream
  });

  it('streams Anthropic\'s event sequence; finalMessage() assembles thinking and text', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['a', 'b', 'c'], thoughts: ['hmm'] });
    const stream = client.messages.stream({ model: 'gemini-2.5-flash', max_tokens: 1024, thinking: { type: 'enabled', budget_tokens: 512 }, messages: [{ role: 'user', content: 'stream' }] });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const message = await stream.finalMessage();
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(message.content).toEqual([{ type: 'thinking', thinking: 'hmm', signature: '' }, { type: 'text', text: 'abc' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(lastEnvelope().request.generationConfig.thinkingConfig).toEqual({ thinkingBudget: 512, includeThoughts: true });
  });

  it.each([false, true])('tools both ways (streamed: %s): the signature reaches the client and goes back on the functionCall part', async (streamed) => {
    emulator.enqueue({ kind: 'function-call', calls: [{ name: 'get_weather', args: { city: 'Paris' } }, { name: 'get_time', args: { zone: 'CET' } }], thoughtSignature: SIGNATURE, thoughts: ['let me call'] });
    const tools: Anthropic.Tool[] = [
      { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', $schema: 'http://json-schema.org/draft-07/schema#', properties: { city: { type: 'string', const: 'Paris' }, days: { type: 'integer', exclusiveMinimum: 0 } }, required: ['city'], additionalProperties: false } as Anthropic.Tool.InputSchema },
      { name: 'get_time', input_schema: { type: 'object', properties: { zone: { type: 'string' } }, propertyNames: { pattern: '^[a-z]+$' } } as Anthropic.Tool.InputSchema },
    ];
    const request = { model: 'gemini-3-pro-preview', max_tokens: 1024, tools, thinking: { type: 'enabled' as const, budget_tokens: 1024 }, messages: [{ role: 'user' as const, content: 'weather and time?' }] };
    const first = streamed ? await client.messages.stream(request).finalMessage() : await client.messages.create(request);
    expect(first.stop_reason).toBe('tool_use');
    const uses = first.content.filter((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
    expect(uses.map((use) => [use.name, use.input])).toEqual([['get_weather', { city: 'Paris' }], ['get_time', { zone: 'CET' }]]);
    expect(uses.every((use) => use.id.startsWith('toolu_'))).toBe(true);
    const thinking = first.content.find((block): block is Anthropic.ThinkingBlock => block.type === 'thinking');
    expect(thinking?.signature).toBe(SIGNATURE);
    const declarations = lastEnvelope().request.tools[0].functionDeclarations;
    expect(JSON.stringify(declarations)).not.toMatch(/\$schema|exclusiveMinimum|"const"|propertyNames/);

    // The next turn goes to another replica: nothing but the client's own history carries the signature.
    emulator.enqueue({ kind: 'text', chunks: ['Sunny, 14:00'], thoughts: [] });
    const second = await otherReplica.messages.create({
      ...request,
      messages: [
        ...request.messages,
        { role: 'assistant', content: first.content },
        // Results in the other order than the calls: matched by id.
        { role: 'user', content: [
          { type: 'tool_result', tool_use_id: uses[1].id, content: [{ type: 'text', text: '14:00' }] },
          { type: 'tool_result', tool_use_id: uses[0].id, content: 'sunny' },
        ] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'Sunny, 14:00' }]);
    const contents = lastEnvelope().request.contents;
    expect(contents[1].parts[0]).toEqual({ functionCall: { id: expect.any(String), name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE });
    expect(contents[2].parts.map((part: any) => [part.functionResponse.name, part.functionResponse.response])).toEqual([['get_weather', { output: 'sunny' }], ['get_time', { output: '14:00' }]]);
    expect(contents[2].parts[0].functionResponse.id).toBe(contents[1].parts[0].functionCall.id);
  });

  it('images (also inside a tool_result) go up as inlineData', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['a pixel'] });
    await client.messages.create({
      model: 'gemini-2.5-flash', max_tokens: 64,
      messages: [
        { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }, { type: 'text', text: 'and this screenshot?' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_shot', name: 'Read', input: { file_path: '/s.png' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_shot', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] }] },
      ],
      tools: [{ name: 'Read', input_schema: { type: 'object', properties: { file_path: { type: 'string' } } } }],
    });
    const contents = lastEnvelope().request.contents;
    expect(contents[0].parts[0]).toEqual({ inlineData: { mimeType: 'image/png', data: PNG } });
    expect(contents[2].parts).toEqual([{ functionResponse: { id: 'toolu_shot', name: 'Read', response: { output: '' } } }, { inlineData: { mimeType: 'image/png', data: PNG } }]);
  });

  it('count_tokens answers input_tokens from Google\'s countTokens', async () => {
    const counted = await client.messages.countTokens({ model: 'claude-haiku-4-5', system: 'sys', messages: [{ role: 'user', content: 'count these words please' }] });
    expect(counted.input_tokens).toBeGreaterThan(0);
    const record = [...emulator.requests].reverse().find((entry) => entry.method === 'countTokens');
    expect((record?.body as { request: { model: string } }).request.model).toBe('models/gemini-2.5-flash-lite');
  });

  it('stop sequences go to Google and come back as stop_reason stop_sequence; max_tokens as max_tokens', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['one, two'] });
    const stopped = await client.messages.create({ model: 'gemini-2.5-flash', max_tokens: 64, stop_sequences: ['three'], messages: [{ role: 'user', content: 'count' }] });
    expect(lastEnvelope().request.generationConfig.stopSequences).toEqual(['three']);
    expect(stopped).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'three' });
    emulator.enqueue({ kind: 'text', chunks: ['cut'], finishReason: 'MAX_TOKENS' });
    const long = await client.messages.create({ model: 'gemini-2.5-flash', max_tokens: 1, messages: [{ role: 'user', content: 'long' }] });
    expect(long.stop_reason).toBe('max_tokens');
  });

  it('the beta route (?beta=true with anthropic-beta headers) works like the plain one', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['beta ok'] });
    const message = await client.beta.messages.create({ model: 'claude-opus-4-1', max_tokens: 64, betas: ['interleaved-thinking-2025-05-14'], messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'beta ok' }]);
    expect(emulator.requests.some((record) => record.method.endsWith('enerateContent'))).toBe(true);
  });

  it('a silent stream gets `event: ping` frames (raw SSE, x-api-key and anthropic-version headers)', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['slow', ' answer'], chunkDelayMs: 700, thoughts: [] });
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': TEST_CLIENT_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-2.5-flash', max_tokens: 32, stream: true, messages: [{ role: 'user', content: 'slow' }] }),
      signal: AbortSignal.timeout(15_000),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((match) => [match[1], JSON.parse(match[2]).type]);
    expect(events.every(([name, type]) => name === type)).toBe(true);
    const names = events.map(([name]) => name);
    expect(names).toContain('ping');
    expect(names.indexOf('ping')).toBeLessThan(names.lastIndexOf('content_block_delta'));
    expect(names.at(-1)).toBe('message_stop');
  });

  it('MODEL_ALIASES works on every surface: listed when exact, echoed on OpenAI, resolved on Gemini', async () => {
    const headers = { authorization: `Bearer ${TEST_CLIENT_KEY}`, 'content-type': 'application/json' };
    const openaiModels = await (await fetch(`${gateway.url}/v1/models`, { headers })).json() as { data: Array<{ id: string }> };
    expect(openaiModels.data.map((model) => model.id)).toContain('fast');
    expect(openaiModels.data.some((model) => model.id.includes('*'))).toBe(false);
    const geminiModels = await (await fetch(`${gateway.url}/v1beta/models?pageSize=1000`, { headers })).json() as { models: Array<{ name: string }> };
    expect(geminiModels.models.map((model) => model.name)).toContain('models/fast');

    emulator.enqueue({ kind: 'text', chunks: ['from openai'] });
    const chat = await (await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) })).json() as { model: string };
    expect(chat.model).toBe('gpt-4o');
    expect(lastEnvelope().model).toBe('gemini-2.5-flash');

    emulator.enqueue({ kind: 'text', chunks: ['from gemini'] });
    const native = await fetch(`${gateway.url}/v1beta/models/fast:generateContent`, { method: 'POST', headers, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }) });
    expect(native.status).toBe(200);
    expect(lastEnvelope().model).toBe('gemini-2.5-flash');
    expect(lastEnvelope().request.generationConfig.thinkingConfig).toMatchObject({ thinkingBudget: 0 });
  });

  it('metrics carry surface anthropic and the resolved model, never the alias', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['m'] });
    await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'metrics' }] }).finalMessage();
    const metrics = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/geminicli2api_http_requests_total\{[^}]*route="\/v1\/messages"[^}]*surface="anthropic"/);
    expect(metrics).toMatch(/geminicli2api_time_to_first_byte_seconds_count\{[^}]*surface="anthropic"[^}]*model="gemini-2\.5-pro"/);
    expect(metrics).not.toContain('claude-sonnet-4-5');
  });

  describe('errors in Anthropic\'s shape', () => {
    it.each<[string, () => Promise<unknown>, number, string]>([
      ['a wrong key', () => new Anthropic({ apiKey: 'wrong', baseURL: gateway.url, maxRetries: 0 }).messages.create({ model: 'gemini-2.5-flash', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }), 401, 'authentication_error'],
      ['invalid input', () => client.messages.create({ model: 'gemini-2.5-flash', max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }), 400, 'invalid_request_error'],
      ['an unknown model', () => client.messages.create({ model: 'llama-3', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }), 404, 'not_found_error'],
    ])('%s → %i %s', async (_name, call, status, type) => {
      const error = await caught(call());
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect(error?.status).toBe(status);
      expect(error?.error).toEqual({ type: 'error', error: { type, message: expect.any(String) } });
    });

    it.each<[string, Record<string, unknown>, string, number, string, string | null]>([
      ['Google\'s rate limit', { kind: 'error', error: 'rate-limit', retryDelaySeconds: 7 }, 'gemini-2.5-flash-lite', 429, 'rate_limit_error', '7'],
      ['Google\'s capacity error', { kind: 'error', error: 'capacity', retryDelaySeconds: 2 }, 'gemini-3.1-flash-lite', 529, 'overloaded_error', '2'],
      ['Google\'s 500', { kind: 'error', error: 'server' }, 'gemini-3-flash-preview', 500, 'api_error', null],
    ])('%s → %i %s (retry-after %s)', async (_name, behaviour, model, status, type, retryAfter) => {
      emulator.enqueue(behaviour as never);
      const error = await caught(client.messages.create({ model, max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }));
      expect(error?.status).toBe(status);
      expect(error?.error).toMatchObject({ type: 'error', error: { type } });
      expect(error?.headers?.get('retry-after') ?? null).toBe(retryAfter);
    });

    it('a rate limit before streaming is the HTTP status, not a stream', async () => {
      emulator.enqueue({ kind: 'error', error: 'rate-limit', retryDelaySeconds: 5 });
      const error = await caught(client.messages.create({ model: 'gemini-2.5-pro-search', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'x' }] }));
      expect(error).toBeInstanceOf(Anthropic.RateLimitError);
      expect(error?.headers?.get('retry-after')).toBe('5');
    });

    it('a stream cut after the headers ends with `event: error`, never a clean message_stop', async () => {
      emulator.enqueue({ kind: 'cut-stream', chunks: ['half an ', 'answer'] });
      const stream = await client.messages.create({ model: 'gemini-2.5-flash', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'cut' }] });
      const types: string[] = [];
      const error = await caught((async () => {
        for await (const event of stream) types.push(event.type);
      })());
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect(error?.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
      expect(types).toContain('content_block_delta');
      expect(types).not.toContain('message_stop');
    });

    // Last: Google's 403 takes the account out of the pool.
    it('Google\'s permission denied → 403 permission_error', async () => {
      emulator.enqueue({ kind: 'error', error: 'permission-denied' });
      const error = await caught(client.messages.create({ model: 'gemini-2.5-flash', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }));
      expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
      expect(error?.error).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    });
  });
});
