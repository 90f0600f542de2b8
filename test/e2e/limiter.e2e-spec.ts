import OpenAI from 'openai';
import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';
import { waitFor } from '../support/ports';

const streamBody = (text: string) => JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] });

/** One replica, no Redis: the in-process limiter. (The cluster-wide one: test/integration.) */
describe('upstream limiter on one replica', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-limit' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-limit'), env: { UPSTREAM_MAX_CONCURRENT: '3', UPSTREAM_QUEUE_MAX: '5', UPSTREAM_QUEUE_TIMEOUT_MS: '5000' } });
  });

  afterAll(async () => {
    await gateway.close();
    await emulator.close();
  });

  beforeEach(() => emulator.resetCounters());

  const stream = (text: string, signal?: AbortSignal) => fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY }, body: streamBody(text), signal,
  });

  it('never lets more than UPSTREAM_MAX_CONCURRENT calls reach Google, holds the slot for the whole stream, and queues the rest', async () => {
    emulator.setDefaultBehaviour({ kind: 'text', chunks: ['a', 'b', 'c'], chunkDelayMs: 100 });
    const responses = await Promise.all(Array.from({ length: 8 }, (_unused, index) => stream(`s${index}`).then(async (response) => ({ status: response.status, text: await response.text() }))));
    expect(responses.every((response) => response.status === 200 && response.text.includes('"finishReason":"STOP"'))).toBe(true);
    expect(emulator.counters().maxInFlight).toBe(3);
  });

  it('answers over the queue bound with 429 and Retry-After, in both dialects', async () => {
    emulator.setDefaultBehaviour({ kind: 'text', chunks: ['slow'], firstByteDelayMs: 600 });
    const pending = Array.from({ length: 8 }, (_unused, index) => stream(`fill ${index}`).then(async (response) => { await response.text(); return response.status; }));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const gemini = await stream('one too many');
    expect(gemini.status).toBe(429);
    expect(Number(gemini.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await gemini.json()) as { error: { status: string; message: string } }).error).toMatchObject({ status: 'RESOURCE_EXHAUSTED', message: expect.stringMatching(/limiter queue is full/) });
    const openai = new OpenAI({ apiKey: TEST_CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const error = await openai.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('gateway_queue_full');
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBeTruthy();
    expect((await Promise.all(pending)).every((status) => status === 200)).toBe(true);
  });

  it('gives the slot back when a client leaves mid-stream', async () => {
    emulator.setDefaultBehaviour({ kind: 'hang' });
    const controllers = Array.from({ length: 3 }, () => new AbortController());
    const hung = controllers.map((controller, index) => stream(`hang ${index}`, controller.signal).catch(() => undefined));
    await waitFor(() => emulator.counters().inFlight === 3);
    for (const controller of controllers) controller.abort();
    await Promise.all(hung);
    emulator.setDefaultBehaviour({ kind: 'text', chunks: ['free again'] });
    const response = await stream('after');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('free again');
  });
});

describe('upstream limiter queue timeout', () => {
  it('answers 429 after UPSTREAM_QUEUE_TIMEOUT_MS when no slot frees', async () => {
    const emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-timeout' });
    const gateway = await startGateway({ emulator, credentials: credentialFor('rt-timeout'), env: { UPSTREAM_MAX_CONCURRENT: '1', UPSTREAM_QUEUE_TIMEOUT_MS: '300' } });
    try {
      emulator.enqueue({ kind: 'text', chunks: ['slow'], firstByteDelayMs: 1500 });
      const post = () => fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY }, body: streamBody('x') });
      const first = post();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      const second = await post();
      expect(second.status).toBe(429);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(((await second.json()) as { error: { message: string } }).error.message).toMatch(/UPSTREAM_QUEUE_TIMEOUT_MS/);
      expect((await first).status).toBe(200);
    } finally {
      await gateway.close();
      await emulator.close();
    }
  });
});

