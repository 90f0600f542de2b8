import { startEmulator, type EmulatorBehaviour, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

/** The rules every surface shares now live once (issue: one stream pipeline, one error path). */
describe('one pipeline for every surface', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-pipeline' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-pipeline'), env: { LOG_LEVEL: 'warn' } });
  });

  afterAll(async () => {
    await gateway?.close();
    await emulator?.close();
  });

  const post = (path: string, body: unknown) => fetch(`${gateway.url}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CLIENT_KEY}` }, body: JSON.stringify(body),
  });
  const toolTurn: EmulatorBehaviour = { kind: 'function-call', calls: [{ name: 'lookup', args: { q: 'x' } }], thoughtSignature: 'sig-pipeline', omitFinishReason: true };

  it('accepts a function-call turn without finishReason on the OpenAI route', async () => {
    emulator.enqueue(toolTurn);
    const response = await post('/v1/chat/completions', { model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'call it' }] });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toContain('"finish_reason":"tool_calls"');
    expect(text).not.toContain('"error"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('accepts the same turn on the Gemini route (same truncation rule), streamed and not', async () => {
    emulator.enqueue(toolTurn);
    const streamed = await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', { contents: [{ role: 'user', parts: [{ text: 'call it' }] }] });
    const text = await streamed.text();
    expect(streamed.status).toBe(200);
    expect(text).toContain('"functionCall"');
    expect(text).not.toContain('"error"');
    emulator.enqueue(toolTurn);
    const unary = await post('/v1beta/models/gemini-2.5-flash:generateContent', { contents: [{ role: 'user', parts: [{ text: 'call it' }] }] });
    expect(unary.status).toBe(200);
    expect(JSON.stringify(await unary.json())).toContain('"functionCall"');
  });

  it('still calls a text answer without finishReason truncated, on both routes', async () => {
    emulator.enqueue({ kind: 'cut-stream', chunks: ['half an '] });
    const openai = await (await post('/v1/chat/completions', { model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'cut' }] })).text();
    expect(openai).toMatch(/"code":"upstream_truncated"/);
    emulator.enqueue({ kind: 'cut-stream', chunks: ['half an '] });
    const gemini = await (await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', { contents: [{ role: 'user', parts: [{ text: 'cut' }] }] })).text();
    expect(gemini).toMatch(/"error":\{"code":502/);
  });

  it('counts a streamed request that Google refused with 400 as an error, not a completed stream', async () => {
    const scrape = async (outcome: string) => {
      const text = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
      const line = text.split('\n').find((entry) => entry.startsWith('geminicli2api_stream_duration_seconds_count{') && entry.includes('surface="openai"') && entry.includes(`outcome="${outcome}"`));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    const [completedBefore, errorBefore] = [await scrape('completed'), await scrape('error')];
    emulator.enqueue({ kind: 'error', error: 'invalid-argument' });
    const response = await post('/v1/chat/completions', { model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'refused' }] });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    await response.text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await scrape('completed')).toBe(completedBefore);
    expect(await scrape('error')).toBe(errorBefore + 1);
  });
});
