import { emulateDirective, startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';
import { waitFor } from '../support/ports';

const body = (text: string) => JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] });

async function generate(gateway: GatewayHarness, text = 'hi', model = 'gemini-2.5-flash', signal?: AbortSignal): Promise<Response> {
  return fetch(`${gateway.url}/v1beta/models/${model}:generateContent`, {
    method: 'POST',
    signal,
    headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY },
    body: body(text),
  });
}

describe('per-test emulator and gateways', () => {
  let emulator: GoogleEmulator;
  const gateways: GatewayHarness[] = [];

  beforeEach(async () => {
    emulator = await startEmulator();
  });

  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
    await emulator.close();
  });

  describe('Google access tokens', () => {
    it('refreshes an expired token once for 50 concurrent requests', async () => {
      emulator.addAccount({ refreshToken: 'rt-expired' });
      emulator.setTokenDelayMs(150);
      const expired = emulator.issueAccessToken('rt-expired', -60);
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-expired', { access_token: expired, expiry_date: Date.now() - 60_000 }) });
      gateways.push(gateway);
      const responses = await Promise.all(Array.from({ length: 50 }, (_unused, index) => generate(gateway, `concurrent ${index}`)));
      expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
      expect(emulator.counters().refreshesByToken['rt-expired']).toBe(1);
    });

    it('refreshes a token whose file has no expiry before first use (the original never did)', async () => {
      emulator.addAccount({ refreshToken: 'rt-noexpiry' });
      const token = emulator.issueAccessToken('rt-noexpiry', 3600);
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-noexpiry', { token }) });
      gateways.push(gateway);
      expect((await generate(gateway)).status).toBe(200);
      expect(emulator.counters().refreshesByToken['rt-noexpiry']).toBe(1);
      expect((await generate(gateway)).status).toBe(200);
      expect(emulator.counters().refreshesByToken['rt-noexpiry']).toBe(1);
    });

    it('uses a still-valid token from the file without refreshing, in the original\'s token/expiry shape', async () => {
      emulator.addAccount({ refreshToken: 'rt-valid' });
      const token = emulator.issueAccessToken('rt-valid', 3600);
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-valid', { token, expiry: new Date(Date.now() + 3_600_000).toISOString() }) });
      gateways.push(gateway);
      expect((await generate(gateway)).status).toBe(200);
      expect(emulator.counters().refreshes).toBe(0);
    });

    it('on an upstream 401 refreshes once and retries once, also for concurrent requests', async () => {
      emulator.addAccount({ refreshToken: 'rt-401' });
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-401') });
      gateways.push(gateway);
      expect((await generate(gateway)).status).toBe(200);
      expect(emulator.counters().refreshesByToken['rt-401']).toBe(1);
      emulator.invalidateAccessTokens('rt-401');
      const responses = await Promise.all(Array.from({ length: 10 }, () => generate(gateway)));
      expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
      expect(emulator.counters().refreshesByToken['rt-401']).toBe(2);
    });

    it('a revoked refresh token gives a clear error that names the credential, not its secret', async () => {
      emulator.addAccount({ refreshToken: 'rt-revoked-secret-value' });
      emulator.revokeRefreshToken('rt-revoked-secret-value');
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-revoked-secret-value', { label: 'team-account' }) });
      gateways.push(gateway);
      const response = await generate(gateway);
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(text).toContain('team-account');
      expect(text).toContain('invalid_grant');
      expect(text).toContain('login');
      expect(text).not.toContain('rt-revoked-secret-value');
      // Recorded: the next request does not hammer Google's token endpoint again, and readiness says so.
      expect((await generate(gateway)).status).toBe(503);
      expect(emulator.counters().refreshes).toBe(1);
      expect((await fetch(`${gateway.url}/health/ready`)).status).toBe(503);
      expect(gateway.logs.join('\n')).not.toContain('rt-revoked-secret-value');
    });
  });

  describe('requests the gateway cannot send, and calls that must queue', () => {
    it('a body nested too deep to encode is the caller\'s 400 in their dialect, and the account stays usable', async () => {
      emulator.addAccount({ refreshToken: 'rt-deep' });
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-deep'), env: { ADMIN_API_KEY: 'admin-key-for-tests' } });
      gateways.push(gateway);
      const deep = `${'{"n":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
      const payload = `{"contents":[{"role":"user","parts":[{"functionResponse":{"name":"f","response":${deep}}}]}]}`;
      for (const [url, dialect] of [['/v1beta/models/gemini-2.5-flash:generateContent', 'google'], ['/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', 'google']] as const) {
        const response = await fetch(`${gateway.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY }, body: payload });
        expect(response.status).toBe(400);
        const answer = (await response.json()) as { error: { status?: string; message: string } };
        expect(dialect === 'google' && answer.error.status).toBe('INVALID_ARGUMENT');
        expect(answer.error.message).not.toMatch(/Could not reach|call stack/i);
      }
      expect((await generate(gateway)).status).toBe(200);
      const status = (await (await fetch(`${gateway.url}/admin/status`, { headers: { authorization: 'Bearer admin-key-for-tests' } })).json()) as { accounts: Array<{ state: string; lastErrorClass?: string }> };
      expect(status.accounts[0]).toMatchObject({ state: 'active' });
      expect(status.accounts[0].lastErrorClass).toBeUndefined();
      expect(gateway.logs.join('\n')).not.toMatch(/Could not reach Code Assist/);
    });

    it('countTokens waits for a limiter slot like generation does (UPSTREAM_MAX_CONCURRENT)', async () => {
      emulator.addAccount({ refreshToken: 'rt-count' });
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-count'), env: { UPSTREAM_MAX_CONCURRENT: '1', UPSTREAM_QUEUE_TIMEOUT_MS: '300' } });
      gateways.push(gateway);
      const count = () => fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:countTokens`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY }, body: body('count me'),
      });
      const holder = new AbortController();
      const held = generate(gateway, `wait ${emulateDirective({ kind: 'hang' })}`, 'gemini-2.5-flash', holder.signal).catch(() => undefined);
      await waitFor(() => emulator.counters().inFlight === 1);
      const queued = await count();
      expect(queued.status).toBe(429);
      expect(emulator.counters().countTokensCalls).toBe(0);
      holder.abort();
      await held;
      await waitFor(() => emulator.counters().inFlight === 0);
      const served = await count();
      expect(served.status).toBe(200);
      expect(emulator.counters().countTokensCalls).toBe(1);
    });
  });

  describe('broken replies from Google', () => {
    const post = (gateway: GatewayHarness, path: string, payload: string) =>
      fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CLIENT_KEY}` }, body: payload });
    const ask = (behaviour: Record<string, unknown>) => `q ${emulateDirective(behaviour as never)}`;

    it.each<[string, Record<string, unknown>, number]>([
      ['an empty 200', { kind: 'raw-reply', body: '' }, 502],
      ['a 200 that is not JSON', { kind: 'raw-reply', body: '<html>proxy at internal-host.corp</html>', contentType: 'text/html' }, 502],
      ['a 200 of JSON null', { kind: 'raw-reply', body: 'null' }, 502],
      ['a 200 of a JSON array', { kind: 'raw-reply', body: '[1,2]' }, 502],
      ['an error with details: null', { kind: 'raw-reply', status: 429, body: '{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED","details":null}}' }, 429],
      ['an HTML error page', { kind: 'raw-reply', status: 502, body: '<html>bad gateway at internal-host.corp</html>', contentType: 'text/html' }, 502],
    ])('%s: the right status in both dialects, never 500, never echoed', async (_name, behaviour, expected) => {
      emulator.addAccount({ refreshToken: 'rt-broken' });
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-broken') });
      gateways.push(gateway);
      const google = await post(gateway, '/v1beta/models/gemini-2.5-flash:generateContent', body(ask(behaviour)));
      const openai = await post(gateway, '/v1/chat/completions', JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: ask(behaviour) }] }));
      for (const response of [google, openai]) {
        expect(response.status).toBe(expected);
        const text = await response.text();
        expect(text).not.toContain('internal-host.corp');
        expect((JSON.parse(text) as { error: { message: string } }).error.message.length).toBeGreaterThan(0);
      }
    });

    it('one stream line past 16 MiB without a newline ends the stream with a 502 error event instead of buffering it all', async () => {
      emulator.addAccount({ refreshToken: 'rt-huge' });
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-huge') });
      gateways.push(gateway);
      const chunk = 'x'.repeat(64 * 1024);
      const huge = { kind: 'raw-reply', body: chunk, repeat: 17 * 16 };
      const response = await post(gateway, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', body(ask(huge)));
      const text = await response.text();
      expect(text).toMatch(/"code":502/);
      expect(text).toContain('larger than 16 MiB');
      expect(text.length).toBeLessThan(10_000);
    });
  });

  describe('project discovery and onboarding', () => {
    it('onboards a new account with bounded operation polling, once for concurrent requests', async () => {
      emulator.addAccount({ refreshToken: 'rt-new', onboarding: 'new', pendingOperationPolls: 2 });
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-new') });
      gateways.push(gateway);
      const responses = await Promise.all(Array.from({ length: 5 }, () => generate(gateway)));
      expect(responses.map((response) => response.status)).toEqual(Array(5).fill(200));
      const counters = emulator.counters();
      expect(counters.loadCodeAssistCalls).toBe(1);
      expect(counters.onboardCalls).toBe(1);
      expect(counters.operationPolls).toBe(2);
      const project = emulator.accountProject('rt-new');
      const generation = emulator.requests.find((record) => record.method === 'generateContent');
      expect((generation?.body as { project: string }).project).toBe(project);
      const onboard = emulator.requests.find((record) => record.method === 'onboardUser');
      expect(onboard?.body).toMatchObject({ tierId: 'free-tier' });
      expect((onboard?.body as Record<string, unknown>).cloudaicompanionProject).toBeUndefined();
    });

    it('gives up onboarding after ONBOARDING_TIMEOUT_MS with a 503 that says so', async () => {
      emulator.addAccount({ refreshToken: 'rt-slow', onboarding: 'new', pendingOperationPolls: 1000 });
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-slow'), env: { ONBOARDING_TIMEOUT_MS: '200' } });
      gateways.push(gateway);
      const response = await generate(gateway);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('ONBOARDING_TIMEOUT_MS');
    });

    it('uses GOOGLE_CLOUD_PROJECT without calling loadCodeAssist', async () => {
      emulator.addAccount({ refreshToken: 'rt-env', projectId: 'forced-project' });
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-env'), env: { GOOGLE_CLOUD_PROJECT: 'forced-project' } });
      gateways.push(gateway);
      expect((await generate(gateway)).status).toBe(200);
      expect(emulator.counters().loadCodeAssistCalls).toBe(0);
    });

    it('explains a project-required account in plain words', async () => {
      emulator.addAccount({ refreshToken: 'rt-proj', onboarding: 'project-required' });
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-proj', { label: 'workspace' }) });
      gateways.push(gateway);
      const response = await generate(gateway);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/workspace.*GOOGLE_CLOUD_PROJECT/);
    });

    it('passes Google\'s reason for an ineligible tier', async () => {
      emulator.addAccount({ refreshToken: 'rt-inel', onboarding: 'ineligible' });
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-inel') });
      gateways.push(gateway);
      const response = await generate(gateway);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/not eligible.*location/i);
    });

    it('names the validation link when Google requires account verification', async () => {
      emulator.addAccount({ refreshToken: 'rt-val', onboarding: 'validation-required' });
      const gateway = await startGateway({ emulator, credentials: credentialFor('rt-val') });
      gateways.push(gateway);
      const response = await generate(gateway);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/verify.*https:\/\//);
    });
  });

});

describe('the event loop stays free', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-loop' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-loop') });
  });

  afterAll(async () => {
    await gateway.close();
    await emulator.close();
  });

  it('20 concurrent streams against a 1 s upstream finish together, and /health answers promptly meanwhile', async () => {
    emulator.setDefaultBehaviour({ kind: 'text', chunks: ['slow ', 'answer'], firstByteDelayMs: 500, chunkDelayMs: 500 });
    const started = Date.now();
    const streams = Array.from({ length: 20 }, (_unused, index) =>
      fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY },
        body: body(`stream ${index}`),
      }).then(async (response) => ({ status: response.status, text: await response.text(), finishedAt: Date.now() - started })),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const healthStarted = Date.now();
    const health = await fetch(`${gateway.url}/health`);
    const healthMs = Date.now() - healthStarted;
    const results = await Promise.all(streams);
    expect(health.status).toBe(200);
    expect(healthMs).toBeLessThan(250);
    expect(results.every((result) => result.status === 200 && result.text.includes('"finishReason":"STOP"'))).toBe(true);
    const slowest = Math.max(...results.map((result) => result.finishedAt));
    expect(slowest).toBeGreaterThanOrEqual(1000);
    expect(slowest).toBeLessThan(3000);
    expect(emulator.counters().maxInFlight).toBe(20);
  });

  it('cancels the upstream call when the client disconnects', async () => {
    emulator.setDefaultBehaviour({ kind: 'hang' });
    const controller = new AbortController();
    const request = fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY }, body: body('leaving'), signal: controller.signal,
    }).catch(() => undefined);
    await waitFor(() => emulator.counters().inFlight === 1);
    controller.abort();
    await request;
    await waitFor(() => emulator.counters().inFlight === 0);
    expect(emulator.counters().inFlight).toBe(0);
  });
});

