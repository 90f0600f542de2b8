import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool as langchainTool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { generateObject, generateText, stepCountIs, streamText, tool, type LanguageModel } from 'ai';
import { z } from 'zod';
import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

type Envelope = { model: string; request: { contents: Array<{ role: string; parts: Array<Record<string, any>> }>; tools?: Array<{ functionDeclarations?: Array<{ name: string }> }>; generationConfig?: Record<string, any> } };

/**
 * Two popular client libraries nobody on the project wrote, configured exactly as README's
 * "Use it from LangChain / Vercel AI SDK" says: invoke, stream, tools (a full round trip) and
 * structured output, against the real gateway and the emulator.
 */
describe('LangChain and the Vercel AI SDK', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;
  const generations = (): Envelope[] => emulator.requests.filter((record) => /generateContent/i.test(record.method)).map((record) => record.body as Envelope);
  const weatherSchema = z.object({ city: z.string(), celsius: z.number() });

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-clients' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-clients') });
  });

  afterAll(async () => {
    await gateway?.close();
    await emulator?.close();
  });

  beforeEach(() => emulator.resetCounters());

  describe('LangChain (@langchain/openai ChatOpenAI)', () => {
    const chat = () => new ChatOpenAI({ model: 'gemini-2.5-flash', apiKey: TEST_CLIENT_KEY, configuration: { baseURL: `${gateway.url}/v1` }, maxRetries: 0, timeout: 30_000 });

    it('invokes and streams', async () => {
      emulator.enqueue({ kind: 'text', chunks: ['Hello', ' there'] });
      const answer = await chat().invoke('Say hello');
      expect(answer.content).toBe('Hello there');
      emulator.enqueue({ kind: 'text', chunks: ['one ', 'two ', 'three'] });
      const parts: string[] = [];
      for await (const chunk of await chat().stream('Count')) parts.push(String(chunk.content));
      expect(parts.join('')).toBe('one two three');
      expect(parts.filter((part) => part !== '').length).toBeGreaterThanOrEqual(3);
    });

    it('calls a tool and sends its result back', async () => {
      const weather = langchainTool(async ({ city }: { city: string }) => `${city}: 21 C`, { name: 'get_weather', description: 'Weather for a city', schema: z.object({ city: z.string() }) });
      const model = chat().bindTools([weather]);
      emulator.enqueue({ kind: 'function-call', calls: [{ name: 'get_weather', args: { city: 'Paris' } }] });
      const first = await model.invoke([new HumanMessage('Weather in Paris?')]);
      expect(first.tool_calls).toEqual([expect.objectContaining({ name: 'get_weather', args: { city: 'Paris' } })]);
      emulator.enqueue({ kind: 'text', chunks: ['It is 21 C in Paris.'] });
      const toolCall = first.tool_calls![0];
      const second = await model.invoke([new HumanMessage('Weather in Paris?'), first as AIMessage, new ToolMessage({ tool_call_id: toolCall.id!, content: await weather.invoke(toolCall.args as { city: string }) })]);
      expect(second.content).toBe('It is 21 C in Paris.');
      const [declared, answered] = generations();
      expect(declared.request.tools?.[0].functionDeclarations?.map((declaration) => declaration.name)).toEqual(['get_weather']);
      expect(answered.request.contents.at(-1)?.parts[0].functionResponse).toMatchObject({ name: 'get_weather' });
    });

    it('returns structured output (json_schema)', async () => {
      emulator.enqueue({ kind: 'text', chunks: ['{"city":"Paris",', '"celsius":21}'] });
      const result = await chat().withStructuredOutput(weatherSchema, { name: 'weather', method: 'jsonSchema' }).invoke('Weather in Paris as JSON');
      expect(result).toEqual({ city: 'Paris', celsius: 21 });
      expect(generations()[0].request.generationConfig).toMatchObject({ responseMimeType: 'application/json' });
    });
  });

  describe.each([
    ['@ai-sdk/openai-compatible', (url: string): LanguageModel => createOpenAICompatible({ name: 'geminicli2api', baseURL: `${url}/v1`, apiKey: TEST_CLIENT_KEY, supportsStructuredOutputs: true })('gemini-2.5-flash')],
    ['@ai-sdk/google', (url: string): LanguageModel => createGoogleGenerativeAI({ baseURL: `${url}/v1beta`, apiKey: TEST_CLIENT_KEY })('gemini-2.5-flash')],
  ])('Vercel AI SDK (%s)', (_name, makeModel) => {
    const model = () => makeModel(gateway.url);

    it('generates and streams text', async () => {
      emulator.enqueue({ kind: 'text', chunks: ['Hello', ' there'] });
      const answer = await generateText({ model: model(), prompt: 'Say hello', maxRetries: 0 });
      expect(answer.text).toBe('Hello there');
      expect(answer.finishReason).toBe('stop');
      emulator.enqueue({ kind: 'text', chunks: ['one ', 'two ', 'three'] });
      const stream = streamText({ model: model(), prompt: 'Count', maxRetries: 0 });
      const parts: string[] = [];
      for await (const part of stream.textStream) parts.push(part);
      expect(parts.join('')).toBe('one two three');
      expect(await stream.finishReason).toBe('stop');
    });

    it('runs a tool round trip', async () => {
      emulator.enqueue({ kind: 'function-call', calls: [{ name: 'get_weather', args: { city: 'Paris' } }] });
      emulator.enqueue({ kind: 'text', chunks: ['It is 21 C in Paris.'] });
      const result = await generateText({
        model: model(), prompt: 'Weather in Paris?', maxRetries: 0, stopWhen: stepCountIs(3),
        tools: { get_weather: tool({ description: 'Weather for a city', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `${city}: 21 C` }) },
      });
      expect(result.text).toBe('It is 21 C in Paris.');
      expect(result.steps[0].toolCalls).toEqual([expect.objectContaining({ toolName: 'get_weather', input: { city: 'Paris' } })]);
      const answered = generations()[1];
      const functionResponse = answered.request.contents.flatMap((content) => content.parts).find((part) => part.functionResponse)?.functionResponse;
      expect(functionResponse).toMatchObject({ name: 'get_weather' });
      expect(JSON.stringify(functionResponse.response)).toContain('Paris: 21 C');
    });

    it('returns a structured object', async () => {
      emulator.enqueue({ kind: 'text', chunks: ['{"city":"Paris","celsius":21}'] });
      const { object } = await generateObject({ model: model(), schema: weatherSchema, prompt: 'Weather in Paris as JSON', maxRetries: 0 });
      expect(object).toEqual({ city: 'Paris', celsius: 21 });
      expect(generations()[0].request.generationConfig).toMatchObject({ responseMimeType: 'application/json' });
    });
  });
});
