import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

/** Issue 20's low findings at the HTTP edge: what unknown routes echo, dialects, key forms. */
describe('the HTTP edge', () => {
  const ADMIN_KEY = 'admin-key-0123456789';
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-edge' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-edge'), env: { ADMIN_API_KEY: ADMIN_KEY } });
  });

  afterAll(async () => {
    await gateway.close();
    await emulator.close();
  });

  it('does not echo the URL (or its ?key=) for an unknown /health route', async () => {
    const response = await fetch(`${gateway.url}/health/nope?key=sk-echo-secret`);
    expect(response.status).toBe(404);
    const text = await response.text();
    expect(text).not.toContain('sk-echo-secret');
    expect(JSON.parse(text)).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
  });

  it.each(['//v1/models', '/V1/MODELS', '/v1//chat//completions'])('answers %s in OpenAI\'s shape', async (path) => {
    const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${TEST_CLIENT_KEY}` } });
    expect(response.status).toBe(404);
    expect(Object.keys(((await response.json()) as { error: Record<string, unknown> }).error).sort()).toEqual(['code', 'message', 'param', 'type']);
  });

  it('accepts the client key as x-api-key (Anthropic\'s form)', async () => {
    expect((await fetch(`${gateway.url}/v1/models`, { headers: { 'x-api-key': TEST_CLIENT_KEY } })).status).toBe(200);
    expect((await fetch(`${gateway.url}/v1/models`, { headers: { 'x-api-key': 'wrong' } })).status).toBe(401);
  });

  it('answers a missing key with 401 in each dialect', async () => {
    const openai = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(openai.status).toBe(401);
    expect(((await openai.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    const google = await fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(google.status).toBe(401);
    expect(((await google.json()) as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
  });

  it('takes the admin key only as a Bearer token', async () => {
    expect((await fetch(`${gateway.url}/admin/status`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(200);
    const basic = `Basic ${Buffer.from(`x:${ADMIN_KEY}`).toString('base64')}`;
    const attempts: Array<[string, Record<string, string>]> = [
      [`${gateway.url}/admin/status`, { 'x-goog-api-key': ADMIN_KEY }],
      [`${gateway.url}/admin/status`, { authorization: basic }],
      [`${gateway.url}/admin/status?key=${ADMIN_KEY}`, {}],
    ];
    for (const [url, headers] of attempts) expect((await fetch(url, { headers })).status).toBe(401);
  });
});
