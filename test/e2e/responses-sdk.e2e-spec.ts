import OpenAI from 'openai';
import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

type Part = Record<string, any>;
type Envelope = { model: string; project: string; request: { contents: Array<{ role: string; parts: Part[] }>; [key: string]: any } };

/** The OpenAI Responses API through the official openai SDK, against the real gateway; Google emulated. */
describe('OpenAI Responses API through the openai SDK', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;
  let client: OpenAI;
  const generations = () => emulator.requests.filter((record) => record.method === 'generateContent' || record.method === 'streamGenerateContent');
  const lastEnvelope = (): Envelope => generations()[generations().length - 1]?.body as Envelope;
  const signature = Buffer.from('opaque-signature-'.repeat(40)).toString('base64');

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-responses' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-responses') });
    client = new OpenAI({ apiKey: TEST_CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await emulator?.close();
  });

  it('answers a string input with instructions: output text, reasoning summary, usage with reasoning tokens', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['Hello ', 'there'], thoughts: ['Considering'], usage: { promptTokenCount: 10, candidatesTokenCount: 2, thoughtsTokenCount: 4, totalTokenCount: 16 } });
    const response = await client.responses.create({ model: 'gemini-2.5-flash', instructions: 'Be terse.', input: 'Hi', reasoning: { effort: 'low', summary: 'auto' } });
    expect(response.id).toMatch(/^resp_/);
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Hello there');
    const reasoning = response.output.find((item) => item.type === 'reasoning');
    expect(reasoning?.type === 'reasoning' && reasoning.summary).toEqual([{ type: 'summary_text', text: 'Considering' }]);
    expect(response.usage).toMatchObject({ input_tokens: 10, output_tokens: 6, output_tokens_details: { reasoning_tokens: 4 }, total_tokens: 16 });
    const envelope = lastEnvelope();
    expect(envelope.request.systemInstruction.parts[0].text).toBe('Be terse.');
    expect(envelope.request.contents).toEqual([{ role: 'user', parts: [{ text: 'Hi' }] }]);
    expect(envelope.request.generationConfig.thinkingConfig).toEqual({ thinkingBudget: 1000, includeThoughts: true });
  });

  it('takes items: developer and user messages with input_text and input_image, an assistant turn', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    await client.responses.create({
      model: 'gemini-2.5-flash',
      input: [
        { role: 'developer', content: 'Rules.' },
        { role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: `data:image/png;base64,${png}`, detail: 'auto' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'A pixel.', annotations: [] }] },
        { role: 'user', content: 'Sure?' },
      ] as OpenAI.Responses.ResponseInput,
    });
    const { request } = lastEnvelope();
    expect(request.systemInstruction.parts[0].text).toBe('Rules.');
    expect(request.contents).toEqual([
      { role: 'user', parts: [{ text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: png } }] },
      { role: 'model', parts: [{ text: 'A pixel.' }] },
      { role: 'user', parts: [{ text: 'Sure?' }] },
    ]);
  });

  it('streams text and reasoning as Responses events, each with a growing sequence_number', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['a', 'b', 'c'], thoughts: ['hmm'] });
    const stream = client.responses.stream({ model: 'gemini-2.5-flash', input: 'stream please' });
    const types: string[] = [];
    const sequence: number[] = [];
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
    }
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('abc');
    expect(sequence).toEqual(sequence.map((_, index) => index));
    expect(types[0]).toBe('response.created');
    expect(types[1]).toBe('response.in_progress');
    expect(types).toEqual(expect.arrayContaining([
      'response.reasoning_summary_part.added', 'response.reasoning_summary_text.delta', 'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
    ]));
    expect(types.filter((type) => type === 'response.output_text.delta')).toHaveLength(3);
    expect(types[types.length - 1]).toBe('response.completed');
  });

  it('function tools round-trip: the call comes back with a call_id, and the next turn sends Google the same signature', async () => {
    emulator.enqueue({ kind: 'function-call', calls: [{ name: 'get_weather', args: { city: 'Paris' } }], thoughtSignature: signature });
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', description: 'Weather', strict: false, parameters: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    const first = await client.responses.create({ model: 'gemini-3-pro-preview', input: 'Weather in Paris?', tools, parallel_tool_calls: true, tool_choice: 'auto' });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call?.type === 'function_call' && call.name).toBe('get_weather');
    expect(call?.type === 'function_call' && JSON.parse(call.arguments)).toEqual({ city: 'Paris' });
    expect(lastEnvelope().request.tools[0].functionDeclarations[0].parametersJsonSchema.$schema).toBeUndefined();
    if (call?.type !== 'function_call') throw new Error('no call');

    emulator.enqueue({ kind: 'text', chunks: ['It is sunny.'] });
    const second = await client.responses.create({
      model: 'gemini-3-pro-preview',
      tools,
      input: [{ role: 'user', content: 'Weather in Paris?' }, call, { type: 'function_call_output', call_id: call.call_id, output: '{"sky":"sunny"}' }],
    });
    expect(second.output_text).toBe('It is sunny.');
    const contents = lastEnvelope().request.contents;
    expect(contents[1].parts[0]).toMatchObject({ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: signature });
    expect(contents[2]).toEqual({ role: 'user', parts: [{ functionResponse: { id: contents[1].parts[0].functionCall.id, name: 'get_weather', response: { sky: 'sunny' } } }] });
  });

  it('parallel function calls streamed: argument events per call, and the streamed round trip keeps the signature on the first call', async () => {
    emulator.enqueue({ kind: 'function-call', calls: [{ name: 'get_weather', args: { city: 'Paris' } }, { name: 'get_weather', args: { city: 'Rome' } }], thoughtSignature: signature });
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    const stream = client.responses.stream({ model: 'gemini-3-flash-preview', input: 'Paris and Rome?', tools, parallel_tool_calls: true });
    const done: string[] = [];
    for await (const event of stream) if (event.type === 'response.function_call_arguments.done') done.push(event.arguments);
    const first = await stream.finalResponse();
    expect(done.map((text) => JSON.parse(text))).toEqual([{ city: 'Paris' }, { city: 'Rome' }]);
    const calls = first.output.filter((item) => item.type === 'function_call') as unknown as OpenAI.Responses.ResponseFunctionToolCall[];
    expect(calls).toHaveLength(2);

    emulator.enqueue({ kind: 'text', chunks: ['Both sunny.'] });
    const second = client.responses.stream({
      model: 'gemini-3-flash-preview', tools,
      input: [{ role: 'user', content: 'Paris and Rome?' }, ...calls, ...calls.map((call) => ({ type: 'function_call_output' as const, call_id: call.call_id, output: 'sunny' }))],
    });
    expect((await second.finalResponse()).output_text).toBe('Both sunny.');
    const { contents } = lastEnvelope().request;
    expect(contents[1].parts.map((part) => part.thoughtSignature)).toEqual([signature, undefined]);
    expect(contents[2].parts.map((part) => part.functionResponse.name)).toEqual(['get_weather', 'get_weather']);
  });

  it('custom tools round-trip (streamed): custom_tool_call with a string input, the signature in encrypted_content', async () => {
    const patch = '*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n';
    emulator.enqueue({ kind: 'function-call', calls: [{ name: 'apply_patch', args: { input: patch } }], thoughtSignature: signature });
    const tools = [{ type: 'custom', name: 'apply_patch', description: 'Edit files.', format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' } }] as unknown as OpenAI.Responses.Tool[];
    const stream = client.responses.stream({ model: 'gemini-2.5-pro', input: 'Create hello.txt', tools, store: false, include: ['reasoning.encrypted_content'] });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const first = await stream.finalResponse();
    expect(types).toEqual(expect.arrayContaining(['response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done']));
    const declaration = lastEnvelope().request.tools[0].functionDeclarations[0];
    expect(declaration).toMatchObject({ name: 'apply_patch', parametersJsonSchema: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] } });
    expect(declaration.description).toContain('lark');
    const reasoning = first.output.find((item) => item.type === 'reasoning');
    const call = first.output.find((item) => item.type === 'custom_tool_call');
    expect(call).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: patch });
    expect(reasoning?.type === 'reasoning' && reasoning.encrypted_content).toEqual(expect.any(String));
    if (call?.type !== 'custom_tool_call' || reasoning?.type !== 'reasoning') throw new Error('missing items');

    // The client drops the signature from the call id (as some do) and relies on encrypted_content.
    const bareCall = { ...call, call_id: call.call_id.split('.')[0] };
    emulator.enqueue({ kind: 'text', chunks: ['Done.'] });
    const second = client.responses.stream({
      model: 'gemini-2.5-pro', tools, store: false,
      input: [{ role: 'user', content: 'Create hello.txt' }, reasoning, bareCall, { type: 'custom_tool_call_output', call_id: bareCall.call_id, output: 'Success.' }] as OpenAI.Responses.ResponseInput,
    });
    expect((await second.finalResponse()).output_text).toBe('Done.');
    const contents = lastEnvelope().request.contents;
    expect(contents[1].parts).toEqual([{ functionCall: { id: expect.any(String), name: 'apply_patch', args: { input: patch } }, thoughtSignature: signature }]);
    expect(contents[2].parts[0].functionResponse).toMatchObject({ name: 'apply_patch', response: { output: 'Success.' } });
  });

  it('json_schema output: responseJsonSchema sanitised and the JSON text returned', async () => {
    const response = await client.responses.create({
      model: 'gemini-2.5-flash', input: 'json please',
      text: { format: { type: 'json_schema', name: 'echo', strict: true, schema: { $schema: 'x', type: 'object', properties: { echo: { type: 'string' } }, required: ['echo'], additionalProperties: false } } },
    });
    expect(JSON.parse(response.output_text)).toEqual({ echo: expect.stringContaining('json please') });
    const config = lastEnvelope().request.generationConfig;
    expect(config.responseMimeType).toBe('application/json');
    expect(config.responseJsonSchema).toEqual({ type: 'object', properties: { echo: { type: 'string' } }, required: ['echo'], additionalProperties: false });
  });

  it('max_output_tokens: status incomplete with incomplete_details, streamed as response.incomplete', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['cut'], finishReason: 'MAX_TOKENS' });
    const response = await client.responses.create({ model: 'gemini-2.5-flash', input: 'long', max_output_tokens: 16 });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(lastEnvelope().request.generationConfig.maxOutputTokens).toBe(16);
    emulator.enqueue({ kind: 'text', chunks: ['cut'], finishReason: 'MAX_TOKENS' });
    const types: string[] = [];
    for await (const event of await client.responses.create({ model: 'gemini-2.5-flash', input: 'long', max_output_tokens: 16, stream: true })) types.push(event.type);
    expect(types[types.length - 1]).toBe('response.incomplete');
  });

  it('previous_response_id continues a stored conversation; GET returns it, DELETE forgets it; store:false stores nothing', async () => {
    const first = await client.responses.create({ model: 'gemini-2.5-flash', input: 'My name is Ada.' });
    const fetched = await client.responses.retrieve(first.id);
    expect(fetched).toMatchObject({ id: first.id, status: 'completed', output: first.output });
    await client.responses.create({ model: 'gemini-2.5-flash', input: 'What is my name?', previous_response_id: first.id });
    expect(lastEnvelope().request.contents).toEqual([
      { role: 'user', parts: [{ text: 'My name is Ada.' }] },
      { role: 'model', parts: [{ text: 'Echo: My name is Ada.' }] },
      { role: 'user', parts: [{ text: 'What is my name?' }] },
    ]);
    await client.responses.delete(first.id);
    await expect(client.responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
    const unstored = await client.responses.create({ model: 'gemini-2.5-flash', input: 'secret', store: false });
    await expect(client.responses.retrieve(unstored.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.create({ model: 'gemini-2.5-flash', input: 'x', previous_response_id: unstored.id }))
      .rejects.toMatchObject({ status: 400, code: 'previous_response_not_found', param: 'previous_response_id' });
  });

  it('errors in OpenAI\'s shape: unmatched call output, unknown model, bad body; response.failed after the headers', async () => {
    const before = generations().length;
    await expect(client.responses.create({ model: 'gemini-2.5-flash', input: [{ type: 'function_call_output', call_id: 'call_nope', output: 'x' }] }))
      .rejects.toMatchObject({ status: 400, error: { message: expect.stringContaining('No tool call found for function call output with call_id call_nope') } });
    await expect(client.responses.create({ model: 'no-such-model', input: 'x' })).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.create({ model: 'gemini-2.5-flash', input: 'x', temperature: 7 })).rejects.toMatchObject({ status: 400, param: 'temperature' });
    expect(generations().length).toBe(before);

    emulator.enqueue({ kind: 'cut-stream', chunks: ['partial'] });
    const types: string[] = [];
    let failed: any;
    for await (const event of await client.responses.create({ model: 'gemini-2.5-flash', input: 'cut', stream: true })) {
      types.push(event.type);
      if (event.type === 'response.failed') failed = event.response;
    }
    expect(types[types.length - 1]).toBe('response.failed');
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'upstream_truncated' } });
  });

  it('web_search: googleSearch alone; dropped next to functions (said in a header), which Google 2.x would refuse', async () => {
    await client.responses.create({ model: 'gemini-2.5-flash', input: 'news?', tools: [{ type: 'web_search' }] });
    expect(lastEnvelope().request.tools).toEqual([{ googleSearch: {} }]);
    const { response } = await client.responses.create({
      model: 'gemini-2.5-flash', input: 'news?', tools: [{ type: 'web_search' }, { type: 'function', name: 'f', parameters: null, strict: false }],
    }).withResponse();
    expect(response.headers.get('x-gateway-dropped-tools')).toBe('web_search');
    expect(lastEnvelope().request.tools).toEqual([{ functionDeclarations: [{ name: 'f' }] }]);
    // What the gateway avoids: the emulator refuses the combination on 2.x as Google does (seen through the pass-through route).
    const refused = await fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'news?' }] }], tools: [{ googleSearch: {} }, { functionDeclarations: [{ name: 'f' }] }] }),
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('Multiple tools are supported only when they are all search tools.');
  });

  it('is counted under the metrics surface "responses"', async () => {
    const metrics = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/geminicli2api_http_requests_total\{[^}]*surface="responses"[^}]*\} [1-9]/);
  });
});
