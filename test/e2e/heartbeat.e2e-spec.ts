import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

/** Thinking models go silent for long; proxies with 60 s read timeouts must not cut OpenAI streams. */
describe('keep-alive on silent streams', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-heartbeat' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-heartbeat'), env: { SSE_HEARTBEAT_MS: '100' } });
  });

  afterAll(async () => {
    await gateway.close();
    await emulator.close();
  });

  it('sends SSE comment heartbeats on a silent OpenAI stream, which the openai SDK ignores', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['after ', 'a pause'], chunkDelayMs: 450 });
    const raw = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CLIENT_KEY}` },
      body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'wait' }], stream: true }),
    });
    const text = await raw.text();
    expect(text.match(/^: keep-alive$/gm)?.length ?? 0).toBeGreaterThanOrEqual(2);

    emulator.enqueue({ kind: 'text', chunks: ['after ', 'a pause'], chunkDelayMs: 450 });
    const openai = new OpenAI({ apiKey: TEST_CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    let content = '';
    for await (const chunk of await openai.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'wait' }], stream: true })) {
      content += chunk.choices[0]?.delta.content ?? '';
    }
    expect(content).toBe('after a pause');
  });

  it('sends no heartbeats on Gemini-native streams (they would break @google/genai)', async () => {
    emulator.enqueue({ kind: 'text', chunks: ['after ', 'a pause'], chunkDelayMs: 450 });
    const raw = await fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'wait' }] }] }),
    });
    const text = await raw.text();
    const lines = text.split(/\r?\n/).filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.every((line) => line.startsWith('data: {'))).toBe(true);
    emulator.enqueue({ kind: 'text', chunks: ['after ', 'a pause'], chunkDelayMs: 450 });
    const ai = new GoogleGenAI({ apiKey: TEST_CLIENT_KEY, httpOptions: { baseUrl: gateway.url, apiVersion: 'v1beta' } });
    let answer = '';
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'wait', config: { thinkingConfig: { includeThoughts: false } } })) answer += chunk.text ?? '';
    expect(answer).toBe('after a pause');
  });
});
