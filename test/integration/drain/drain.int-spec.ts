import { connect } from 'node:net';
import { startEmulator, type GoogleEmulator } from '../../support/emulator';
import { TEST_CLIENT_KEY, credentialFor } from '../../support/gateway-harness';
import { spawnGateway } from '../../support/gateway-process';

jest.setTimeout(40_000);

const streamBody = (text: string) => JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: text }], stream: true });

function openStream(url: string, text: string): Promise<{ status: number; text: string }> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CLIENT_KEY}` }, body: streamBody(text),
  }).then(async (response) => ({ status: response.status, text: await response.text() }));
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

describe('graceful drain on SIGTERM', () => {
  let emulator: GoogleEmulator;

  beforeEach(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-drain' });
  });

  afterEach(async () => {
    await emulator.close();
  });

  const env = (extra: Record<string, string>) => ({
    CODE_ASSIST_ENDPOINT: emulator.url,
    GOOGLE_OAUTH_TOKEN_URL: emulator.tokenUrl,
    GEMINI_CREDENTIALS: JSON.stringify(credentialFor('rt-drain')),
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    ...extra,
  });

  it('lets 50 open streams finish, is unready from the first moment, refuses new connections after the delay, exits 0', async () => {
    const gateway = await spawnGateway(env({ DRAIN_DELAY_MS: '800', DRAIN_TIMEOUT_MS: '15000' }), { waitForReady: true });
    emulator.setDefaultBehaviour({ kind: 'text', chunks: ['one ', 'two ', 'three ', 'four'], chunkDelayMs: 700 });
    const streams = Array.from({ length: 50 }, (_unused, index) => openStream(gateway.url, `stream ${index}`));
    const deadline = Date.now() + 5_000;
    while (emulator.counters().inFlight < 50 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(emulator.counters().inFlight).toBe(50);

    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ready = await fetch(`${gateway.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain('shutting down');
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await canConnect(gateway.port)).toBe(false);

    const results = await Promise.all(streams);
    expect(results.filter((result) => result.status !== 200 || !result.text.includes('"finish_reason":"stop"') || !result.text.trimEnd().endsWith('data: [DONE]'))).toEqual([]);
    const exit = await gateway.exited;
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('ends streams still open at DRAIN_TIMEOUT_MS with a final error event, in both dialects, and exits 0', async () => {
    const gateway = await spawnGateway(env({ DRAIN_DELAY_MS: '100', DRAIN_TIMEOUT_MS: '500' }), { waitForReady: true });
    emulator.setDefaultBehaviour({ kind: 'text', chunks: ['never ', 'ending'], chunkDelayMs: 20_000 });
    const openai = openStream(gateway.url, 'forever');
    const gemini = fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'forever' }] }] }),
    }).then(async (response) => ({ status: response.status, text: await response.text() }));
    const deadline = Date.now() + 5_000;
    while (emulator.counters().inFlight < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    gateway.child.kill('SIGTERM');
    const [openaiResult, geminiResult] = await Promise.all([openai, gemini]);
    expect(openaiResult.text).toContain('chat.completion.chunk');
    expect(openaiResult.text.trimEnd()).toMatch(/data: \{"error":\{"message":"The gateway is shutting down[^\n]*"code":"server_shutting_down"\}\}$/);
    expect(geminiResult.text).toContain('"candidates"');
    expect(geminiResult.text).toMatch(/\{"error":\{"code":503,"message":"The gateway is shutting down; retry the request.","status":"UNAVAILABLE"\}\}$/);
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    // Google's side was cancelled too: nothing is left hanging upstream.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(emulator.counters().inFlight).toBe(0);
  });

  it('answers a stream still waiting for Google\'s first byte at DRAIN_TIMEOUT_MS with a 503 in its dialect, not a 200', async () => {
    const gateway = await spawnGateway(env({ DRAIN_DELAY_MS: '100', DRAIN_TIMEOUT_MS: '500' }), { waitForReady: true });
    emulator.setDefaultBehaviour({ kind: 'hang' });
    const openai = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CLIENT_KEY}` }, body: streamBody('waiting'),
    }).then(async (response) => ({ status: response.status, type: response.headers.get('content-type'), body: await response.text() }));
    const gemini = fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'waiting' }] }] }),
    }).then(async (response) => ({ status: response.status, type: response.headers.get('content-type'), body: await response.text() }));
    const deadline = Date.now() + 5_000;
    while (emulator.counters().inFlight < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    gateway.child.kill('SIGTERM');
    const [openaiResult, geminiResult] = await Promise.all([openai, gemini]);
    expect(openaiResult.status).toBe(503);
    expect(openaiResult.type).toMatch(/application\/json/);
    expect(JSON.parse(openaiResult.body)).toEqual({ error: expect.objectContaining({ code: 'server_shutting_down', type: 'api_error' }) });
    expect(geminiResult.status).toBe(503);
    expect(JSON.parse(geminiResult.body)).toEqual({ error: expect.objectContaining({ code: 503, status: 'UNAVAILABLE' }) });
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
  });
});
