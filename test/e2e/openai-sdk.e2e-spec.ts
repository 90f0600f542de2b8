import OpenAI from 'openai';
import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

type Envelope = { model: string; project: string; request: Record<string, any> };

/** The official openai SDK against the real gateway on a real socket, Google emulated. */
describe('OpenAI Chat Completions through the openai SDK', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;
  let client: OpenAI;
  const lastEnvelope = (method = 'generateContent'): Envelope => [...emulator.requests].reverse().find((record) => record.method === method)?.body as Envelope;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-openai' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-openai') });
    client = new OpenAI({ apiKey: TEST_CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway.close();
    await emulator.close();
  });

  it('lists models in OpenAI\'s shape, variants included, and retrieves one', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['gemini-2.5-pro', 'gemini-2.5-flash-search', 'gemini-2.5-flash-nothinking']));
    const model = await client.models.retrieve('gemini-2.5-pro');
    expect(model).toMatchObject({ id: 'gemini-2.5-pro', object: 'model', owned_by: 'google' });
  });

  it('answers a chat with a chatcmpl- id, the system prompt as systemInstruction, usage and reasoning', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['Hello ', 'there'], thoughts: ['Let me think'], usage: { promptTokenCount: 12, candidatesTokenCount: 3, thoughtsTokenCount: 5, totalTokenCount: 20 } });
    const completion = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Hi' }],
    });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gemini-2.5-flash');
    expect(completion.choices[0].message.content).toBe('Hello there');
    expect((completion.choices[0].message as unknown as { reasoning_content: string }).reasoning_content).toBe('Let me think');
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 8, total_tokens: 20, completion_tokens_details: { reasoning_tokens: 5 } });
    const envelope = lastEnvelope();
    expect(envelope.request.systemInstruction.parts[0].text).toBe('You are terse.');
    expect(envelope.request.contents).toEqual([{ role: 'user', parts: [{ text: 'Hi' }] }]);
  });

  it('streams with the role first, no empty noise, usage when asked, and [DONE]', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['a', 'b', 'c'], thoughts: ['hmm'] });
    const stream = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'stream' }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.role).length).toBe(1);
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe('abc');
    const reasoning = chunks.map((chunk) => (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '').join('');
    expect(reasoning).toBe('hmm');
    for (const chunk of chunks.slice(0, -1)) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      const delta = choice.delta as Record<string, unknown>;
      expect(Object.keys(delta).length > 0 || choice.finish_reason !== null).toBe(true);
    }
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage?.total_tokens).toBeGreaterThan(0);
    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason === 'stop')).toBe(true);
  });

  it('tools: first turn returns tool_calls; the second turn sends the thoughtSignature back, matched by id', async () => {
    const signature = Buffer.from('signature-'.repeat(60)).toString('base64');
    emulator.enqueue({ kind: 'function-call', calls: [{ name: 'get_weather', args: { city: 'Paris' } }, { name: 'get_time', args: { zone: 'CET' } }], thoughtSignature: signature });
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } } },
    ];
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather and time in Paris?' }];
    const first = await client.chat.completions.create({ model: 'gemini-3-pro-preview', messages, tools, tool_choice: 'auto' });
    const choice = first.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    const calls = choice.message.tool_calls ?? [];
    expect(calls.map((call) => call.type === 'function' && call.function.name)).toEqual(['get_weather', 'get_time']);
    expect(calls[0].type === 'function' && JSON.parse(calls[0].function.arguments)).toEqual({ city: 'Paris' });
    const firstEnvelope = lastEnvelope();
    expect(firstEnvelope.request.tools[0].functionDeclarations[0].parametersJsonSchema.$schema).toBeUndefined();
    expect(firstEnvelope.request.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });

    messages.push(choice.message as OpenAI.Chat.Completions.ChatCompletionMessageParam);
    messages.push({ role: 'tool', tool_call_id: calls[1].id, content: '{"time":"12:00"}' });
    messages.push({ role: 'tool', tool_call_id: calls[0].id, content: 'sunny' });
    await client.chat.completions.create({ model: 'gemini-3-pro-preview', messages, tools });
    const contents = lastEnvelope().request.contents as Array<{ role: string; parts: Array<Record<string, any>> }>;
    const modelTurn = contents.find((content) => content.role === 'model');
    expect(modelTurn?.parts[0].functionCall.name).toBe('get_weather');
    expect(modelTurn?.parts[0].thoughtSignature).toBe(signature);
    const responses = contents[contents.length - 1].parts.map((part) => part.functionResponse);
    expect(responses.map((response) => response.name).sort()).toEqual(['get_time', 'get_weather']);
    expect(responses.find((response) => response.name === 'get_time').response).toEqual({ time: '12:00' });
  });

  it('streams a first tool turn as tool_calls deltas', async () => {
    emulator.enqueue({ kind: 'function-call', calls: [{ name: 'lookup', args: { q: 'x' } }] });
    const stream = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'look it up' }], tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }], tool_choice: 'required', stream: true });
    const calls: Array<{ id?: string; name?: string; args: string }> = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        calls[call.index] ??= { args: '' };
        calls[call.index].id ??= call.id;
        calls[call.index].name ??= call.function?.name;
        calls[call.index].args += call.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(calls).toHaveLength(1);
    expect(calls[0].name).toBe('lookup');
    expect(JSON.parse(calls[0].args)).toEqual({ q: 'x' });
    expect(finish).toBe('tool_calls');
    expect(lastEnvelope('streamGenerateContent').request.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
  });

  it('sends a data-URL image as inlineData and refuses remote URLs with a clear 400', async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
    await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }] });
    expect(lastEnvelope().request.contents[0].parts[1]).toEqual({ inlineData: { mimeType: 'image/png', data: png } });
    const error = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('remote_image_disabled');
  });

  it('maps structured output to responseMimeType + responseJsonSchema', async () => {
    const completion = await client.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_schema', json_schema: { name: 'echo', schema: { type: 'object', properties: { echo: { type: 'string' } }, required: ['echo'] } } },
    });
    expect(JSON.parse(completion.choices[0].message.content ?? '')).toHaveProperty('echo');
    const config = lastEnvelope().request.generationConfig;
    expect(config.responseMimeType).toBe('application/json');
    expect(config.responseJsonSchema).toEqual({ type: 'object', properties: { echo: { type: 'string' } }, required: ['echo'] });
  });

  it.each([
    ['gemini-2.5-flash-nothinking', undefined, 'gemini-2.5-flash', { thinkingBudget: 0, includeThoughts: false }],
    ['gemini-2.5-pro-maxthinking', undefined, 'gemini-2.5-pro', { thinkingBudget: 32768, includeThoughts: true }],
    ['gemini-2.5-flash', 'low', 'gemini-2.5-flash', { thinkingBudget: 1000, includeThoughts: true }],
    ['gemini-2.5-pro', 'high', 'gemini-2.5-pro', { thinkingBudget: 32768, includeThoughts: true }],
    ['gemini-2.5-flash', 'none', 'gemini-2.5-flash', { thinkingBudget: 0, includeThoughts: false }],
    ['gemini-3-flash-preview', 'medium', 'gemini-3-flash-preview', { thinkingLevel: 'MEDIUM', includeThoughts: true }],
  ])('variant %s with reasoning_effort %s sends the right thinking config', async (model, effort, base, thinkingConfig) => {
    await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'think' }], ...(effort ? { reasoning_effort: effort as never } : {}) });
    const envelope = lastEnvelope();
    expect(envelope.model).toBe(base);
    expect(envelope.request.generationConfig.thinkingConfig).toEqual(thinkingConfig);
  });

  it('passes parameters through (max_completion_tokens wins, stop, seed, penalties) and -search adds googleSearch once', async () => {
    await client.chat.completions.create({ model: 'gemini-2.5-flash-search', messages: [{ role: 'user', content: 'params' }], temperature: 0.2, top_p: 0.9, max_tokens: 50, max_completion_tokens: 100, stop: ['END'], seed: 7, presence_penalty: 0.5, frequency_penalty: 0.25 });
    const envelope = lastEnvelope();
    expect(envelope.request.generationConfig).toMatchObject({ temperature: 0.2, topP: 0.9, maxOutputTokens: 100, stopSequences: ['END'], seed: 7, presencePenalty: 0.5, frequencyPenalty: 0.25 });
    expect(envelope.request.tools).toEqual([{ googleSearch: {} }]);
  });

  it('raises AuthenticationError for a wrong key', async () => {
    const stranger = new OpenAI({ apiKey: 'wrong', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const error = await stranger.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });

  it('raises RateLimitError with Retry-After from Google\'s RetryInfo, streaming or not', async () => {
    // (Their own models: the cooldowns Google asks for must not slow the other tests down.)
    emulator.enqueue({ kind: 'error', error: 'rate-limit', retryDelaySeconds: 7 });
    const error = await client.chat.completions.create({ model: 'gemini-2.5-flash-lite', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('7');
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded');
    emulator.enqueue({ kind: 'error', error: 'rate-limit', retryDelaySeconds: 4 });
    const streamError = await client.chat.completions.create({ model: 'gemini-3.1-flash-lite', messages: [{ role: 'user', content: 'x' }], stream: true }).catch((caught: unknown) => caught);
    expect(streamError).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('raises BadRequestError with param for invalid input and NotFoundError for an unknown model', async () => {
    const bad = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [], temperature: 3 }).catch((caught: unknown) => caught);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBeTruthy();
    const missing = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('surfaces a truncated stream as an error, never a clean stop', async () => {
    emulator.enqueue({ kind: 'cut-stream', chunks: ['half an ', 'answer'] });
    const stream = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'cut' }], stream: true });
    let content = '';
    const error = await (async () => {
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    })().catch((caught: unknown) => caught);
    expect(content).toBe('half an answer');
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(String((error as Error).message)).toMatch(/finish reason|truncated|incomplete/i);
  });

  it('reports a blocked prompt as content_filter with an explanation', async () => {
    emulator.enqueue({ kind: 'safety-block', blockReason: 'SAFETY' });
    const completion = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'blocked' }] });
    expect(completion.choices[0].finish_reason).toBe('content_filter');
    expect(completion.choices[0].message.refusal).toMatch(/SAFETY/);
  });

  it('returns image output as a Markdown data URI and keeps grounding sources as annotations', async () => {
    emulator.enqueue({ kind: 'image', mimeType: 'image/png', data: 'aGVsbG8=', text: 'Here it is' });
    const image = await client.chat.completions.create({ model: 'gemini-2.5-flash-image-preview', messages: [{ role: 'user', content: 'draw' }] });
    expect(image.choices[0].message.content).toContain('![image](data:image/png;base64,aGVsbG8=)');
    emulator.enqueue({ kind: 'grounded', text: 'Paris is sunny.', sources: [{ uri: 'https://weather.example/paris', title: 'Weather' }] });
    const grounded = await client.chat.completions.create({ model: 'gemini-2.5-flash-search', messages: [{ role: 'user', content: 'weather' }] });
    const annotations = (grounded.choices[0].message as unknown as { annotations: Array<{ type: string; url_citation: { url: string } }> }).annotations;
    expect(annotations[0]).toMatchObject({ type: 'url_citation', url_citation: { url: 'https://weather.example/paris' } });
  });
});
