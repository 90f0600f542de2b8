import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { z } from 'zod';
import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';
import { startRedis, type RedisServer } from '../support/redis';

type Part = Record<string, any>;
type Envelope = { request: { contents: Array<{ role: string; parts: Part[] }>; [key: string]: any } };

/**
 * Two replicas sharing a real Redis serve one Responses conversation (previous_response_id), and
 * the Vercel AI SDK's default `openai('…')` provider (which speaks the Responses API) runs tool loops.
 */
describe('Responses API across replicas and through the Vercel AI SDK', () => {
  let emulator: GoogleEmulator;
  let redis: RedisServer;
  let first: GatewayHarness;
  let second: GatewayHarness;
  const generations = () => emulator.requests.filter((record) => record.method === 'generateContent' || record.method === 'streamGenerateContent');
  const lastEnvelope = (): Envelope => generations()[generations().length - 1]?.body as Envelope;
  const client = (gateway: GatewayHarness) => new OpenAI({ apiKey: TEST_CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

  beforeAll(async () => {
    redis = await startRedis();
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-replicas' });
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'responses-e2e:' };
    first = await startGateway({ emulator, credentials: credentialFor('rt-replicas'), env });
    second = await startGateway({ emulator, credentials: credentialFor('rt-replicas'), env });
  }, 60_000);

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await emulator?.close();
    await redis?.stop();
  });

  it('previous_response_id: a turn stored by one replica (streamed) continues on the other; GET works on both', async () => {
    emulator.enqueue({ kind: 'function-call', calls: [{ name: 'lookup', args: { q: 'x' } }], thoughtSignature: 'c2lnbmF0dXJl' });
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } }, strict: false }];
    const stream = client(first).responses.stream({ model: 'gemini-3-pro-preview', input: 'Look it up', tools });
    const turn1 = await stream.finalResponse();
    const call = turn1.output.find((item) => item.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('no call');

    expect(await client(second).responses.retrieve(turn1.id)).toMatchObject({ id: turn1.id, status: 'completed' });
    // Only the new item is sent: the call and its signature come from the stored response.
    const turn2 = await client(second).responses.create({
      model: 'gemini-3-pro-preview', tools, previous_response_id: turn1.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'found' }],
    });
    expect(turn2.previous_response_id).toBe(turn1.id);
    expect(lastEnvelope().request.contents).toEqual([
      { role: 'user', parts: [{ text: 'Look it up' }] },
      { role: 'model', parts: [{ functionCall: { id: expect.any(String), name: 'lookup', args: { q: 'x' } }, thoughtSignature: 'c2lnbmF0dXJl' }] },
      { role: 'user', parts: [{ functionResponse: { id: expect.any(String), name: 'lookup', response: { output: 'found' } } }] },
    ]);
    await client(first).responses.create({ model: 'gemini-2.5-flash', input: 'And then?', previous_response_id: turn2.id });
    expect(lastEnvelope().request.contents).toHaveLength(5);
    await expect(client(first).responses.create({ model: 'gemini-2.5-flash', input: 'x', previous_response_id: 'resp_unknown' }))
      .rejects.toMatchObject({ status: 400, code: 'previous_response_not_found' });
  });

  it('store:false: the signature travels in the items alone, so the next turn works on the other replica', async () => {
    const signature = Buffer.from('stateless-'.repeat(30)).toString('base64');
    emulator.enqueue({ kind: 'function-call', calls: [{ name: 'lookup', args: { q: 'y' } }], thoughtSignature: signature }, { kind: 'text', chunks: ['ok'] });
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } }, strict: false }];
    const turn1 = await client(first).responses.create({ model: 'gemini-3-pro-preview', input: 'Find y', tools, store: false, include: ['reasoning.encrypted_content'] });
    await expect(client(second).responses.retrieve(turn1.id)).rejects.toMatchObject({ status: 404 });
    const items = turn1.output as unknown as OpenAI.Responses.ResponseInputItem[];
    const call = turn1.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
    await client(second).responses.create({
      model: 'gemini-3-pro-preview', tools, store: false,
      input: [{ role: 'user', content: 'Find y' }, ...items, { type: 'function_call_output', call_id: call.call_id, output: 'found' }],
    });
    expect(lastEnvelope().request.contents[1].parts[0]).toMatchObject({ functionCall: { name: 'lookup' }, thoughtSignature: signature });
  });

  it('Vercel AI SDK generateText: a tool loop through the default openai() provider', async () => {
    const provider = createOpenAI({ apiKey: TEST_CLIENT_KEY, baseURL: `${second.url}/v1` });
    emulator.enqueue(
      { kind: 'function-call', calls: [{ name: 'weather', args: { city: 'Oslo' } }] },
      { kind: 'text', chunks: ['Oslo is cold.'] },
    );
    const executed: string[] = [];
    const result = await generateText({
      model: provider('gemini-2.5-flash'),
      prompt: 'Weather in Oslo?',
      stopWhen: stepCountIs(3),
      tools: { weather: tool({ description: 'Weather for a city', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => { executed.push(city); return { city, temperature: -3 }; } }) },
    });
    expect(executed).toEqual(['Oslo']);
    expect(result.text).toBe('Oslo is cold.');
    expect(result.steps).toHaveLength(2);
    const contents = lastEnvelope().request.contents;
    expect(contents[contents.length - 1].parts[0].functionResponse).toMatchObject({ name: 'weather' });
  });

  it('Vercel AI SDK streamText: the same loop, streamed', async () => {
    const provider = createOpenAI({ apiKey: TEST_CLIENT_KEY, baseURL: `${first.url}/v1` });
    emulator.enqueue(
      { kind: 'function-call', calls: [{ name: 'weather', args: { city: 'Rome' } }], thoughts: ['Need the weather'] },
      { kind: 'text', chunks: ['Rome ', 'is warm.'] },
    );
    const executed: string[] = [];
    const result = streamText({
      model: provider('gemini-2.5-flash'),
      prompt: 'Weather in Rome?',
      stopWhen: stepCountIs(3),
      tools: { weather: tool({ description: 'Weather for a city', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => { executed.push(city); return { city, temperature: 24 }; } }) },
    });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(executed).toEqual(['Rome']);
    expect(text).toBe('Rome is warm.');
    expect(await result.finishReason).toBe('stop');
  });
});
