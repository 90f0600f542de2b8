import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

/** MODEL_FALLBACKS: when every account is cooling for a model, the request is served by its fallback. */
describe('model fallback', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-fallback' });
    gateway = await startGateway({
      emulator, credentials: credentialFor('rt-fallback'),
      env: { MODEL_FALLBACKS: 'gemini-3-pro-preview=gemini-2.5-pro', UPSTREAM_WAIT_FOR_RESET_MS: '0', LOG_LEVEL: 'warn' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await emulator?.close();
  });

  const ask = (model: string, stream = false) => fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CLIENT_KEY}` },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'fall back' }] }),
  });
  const fallbacks = async () => {
    const text = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
    const line = text.split('\n').find((entry) => entry.startsWith('geminicli2api_model_fallbacks_total{from="gemini-3-pro-preview",to="gemini-2.5-pro"}'));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };

  it('serves with the fallback model when the account is out of quota for the one asked for, and says so', async () => {
    emulator.enqueue({ kind: 'error', error: 'rate-limit', retryDelaySeconds: 600 });
    const response = await ask('gemini-3-pro-preview');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-model-fallback')).toBe('gemini-2.5-pro');
    const body = (await response.json()) as { model: string };
    expect(body.model).toBe('gemini-3-pro-preview');
    const sent = emulator.requests.filter((request) => request.method === 'generateContent').map((request) => (request.body as { model?: string }).model);
    expect(sent.slice(-2)).toEqual(['gemini-3-pro-preview', 'gemini-2.5-pro']);
    expect(await fallbacks()).toBe(1);
  });

  it('goes straight to the fallback while the model cools, streamed too, and never falls back a model without one', async () => {
    const streamed = await ask('gemini-3-pro-preview', true);
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('x-gateway-model-fallback')).toBe('gemini-2.5-pro');
    expect(await streamed.text()).toContain('"model":"gemini-3-pro-preview"');
    expect(await fallbacks()).toBe(2);
    emulator.enqueue({ kind: 'error', error: 'rate-limit', retryDelaySeconds: 600 });
    const plain = await ask('gemini-2.5-flash-lite');
    expect(plain.status).toBe(429);
    expect(plain.headers.get('x-gateway-model-fallback')).toBeNull();
  });
});
