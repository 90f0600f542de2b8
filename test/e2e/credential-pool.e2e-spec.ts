import { GoogleGenAI, ApiError } from '@google/genai';
import OpenAI from 'openai';
import { emulateDirective, startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';
import { startRedis, type RedisServer } from '../support/redis';

jest.setTimeout(30_000);

const ADMIN_KEY = 'admin-key-for-tests';
const ACCOUNTS = ['rt-pool-a', 'rt-pool-b', 'rt-pool-c'];
const body = (text: string) => JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] });

function generate(gateway: GatewayHarness, text = 'hi') {
  return fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY }, body: body(text),
  });
}

async function status(gateway: GatewayHarness): Promise<{ accounts: Array<Record<string, any>> }> {
  const response = await fetch(`${gateway.url}/admin/status`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as { accounts: Array<Record<string, any>> };
}

async function metric(gateway: GatewayHarness, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

function callsFor(emulator: GoogleEmulator, refreshToken: string): number {
  return emulator.requests.filter((record) => record.method === 'generateContent' && record.accountRefreshToken === refreshToken).length;
}

function poolCredentials() {
  return ACCOUNTS.map((refreshToken, index) => credentialFor(refreshToken, { label: `account-${'abc'[index]}` }));
}

describe('credential pool: Google\'s signals, failover and status', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;

  beforeEach(async () => {
    emulator = await startEmulator();
    for (const refreshToken of ACCOUNTS) emulator.addAccount({ refreshToken });
  });

  afterEach(async () => {
    await gateway?.close();
    await emulator.close();
  });

  it('routes 100 requests around an account that answers 429 RATE_LIMIT_EXCEEDED (RetryInfo 7 s), and uses it again after the cooldown', async () => {
    gateway = await startGateway({ emulator, credentials: poolCredentials(), env: { ADMIN_API_KEY: ADMIN_KEY } });
    emulator.setAccountBehaviour('rt-pool-b', { kind: 'error', error: 'rate-limit', retryDelaySeconds: 7 });
    const started = Date.now();
    const responses = await Promise.all(Array.from({ length: 100 }, (_unused, index) => generate(gateway, `r${index}`)));
    expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200));
    // The 100 arrive at once: the few picked before the first 429 came back each meet the limit
    // (and are retried elsewhere); after that the account is skipped.
    const limitedCalls = callsFor(emulator, 'rt-pool-b');
    expect(limitedCalls).toBeGreaterThanOrEqual(1);
    expect(limitedCalls).toBeLessThanOrEqual(10);
    expect(callsFor(emulator, 'rt-pool-a') + callsFor(emulator, 'rt-pool-c')).toBe(100);

    const snapshot = await status(gateway);
    const limited = snapshot.accounts.find((account) => account.label === 'account-b');
    expect(limited).toMatchObject({ state: 'cooling_down', lastErrorClass: 'rate_limited' });
    expect(Date.parse(limited?.cooldownUntil) - started).toBeGreaterThan(5_000);
    expect(JSON.stringify(snapshot)).not.toContain('rt-pool');
    expect(await metric(gateway, 'geminicli2api_credential_state', { credential: 'account-b', state: 'cooling_down' })).toBe(1);
    expect(await metric(gateway, 'geminicli2api_upstream_retries_total', { reason: 'rate_limited' })).toBe(limitedCalls);

    for (let index = 0; index < 10; index += 1) expect((await generate(gateway)).status).toBe(200);
    expect(callsFor(emulator, 'rt-pool-b')).toBe(limitedCalls);

    emulator.setAccountBehaviour('rt-pool-b', undefined);
    // Skipped until Google's RetryInfo (7 s after the last 429 it answered) has passed, then used again.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(limited?.cooldownUntil) + 300 - Date.now())));
    for (let index = 0; index < 12; index += 1) expect((await generate(gateway)).status).toBe(200);
    expect(callsFor(emulator, 'rt-pool-b')).toBeGreaterThan(limitedCalls);
    expect((await status(gateway)).accounts.find((account) => account.label === 'account-b')?.state).toBe('active');
  });

  it('answers 429 with Retry-After = the earliest reset when every account is out of daily quota, in both dialects', async () => {
    gateway = await startGateway({ emulator, credentials: poolCredentials(), env: { ADMIN_API_KEY: ADMIN_KEY } });
    emulator.setAccountBehaviour('rt-pool-a', { kind: 'error', error: 'daily-quota', retryDelaySeconds: 7200 });
    emulator.setAccountBehaviour('rt-pool-b', { kind: 'error', error: 'daily-quota', retryDelaySeconds: 3600 });
    emulator.setAccountBehaviour('rt-pool-c', { kind: 'error', error: 'daily-quota', retryDelaySeconds: 5400 });
    const first = await generate(gateway);
    expect(first.status).toBe(429);
    const retryAfter = Number(first.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3590);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    const googleBody = (await first.json()) as { error: { status: string; details: Array<Record<string, unknown>> } };
    expect(googleBody.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(JSON.stringify(googleBody.error.details)).toContain('QUOTA_EXHAUSTED');

    const callsBefore = emulator.counters().generateCalls;
    const openai = new OpenAI({ apiKey: TEST_CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const error = await openai.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(Number((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after'))).toBeGreaterThan(3590);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('insufficient_quota');
    expect((error as Error).message).toMatch(/Google said/);
    // Known cooldowns are honoured without asking Google again.
    expect(emulator.counters().generateCalls).toBe(callsBefore);
    const ai = new GoogleGenAI({ apiKey: TEST_CLIENT_KEY, httpOptions: { baseUrl: gateway.url, apiVersion: 'v1beta' } });
    const genaiError = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }).catch((caught: unknown) => caught);
    expect(genaiError).toBeInstanceOf(ApiError);
    expect((genaiError as ApiError).status).toBe(429);
  });

  it('disables an account whose refresh token was revoked and moves traffic on', async () => {
    emulator.revokeRefreshToken('rt-pool-a');
    gateway = await startGateway({ emulator, credentials: poolCredentials(), env: { ADMIN_API_KEY: ADMIN_KEY } });
    const responses = await Promise.all(Array.from({ length: 12 }, () => generate(gateway)));
    expect(responses.map((response) => response.status)).toEqual(Array(12).fill(200));
    expect(callsFor(emulator, 'rt-pool-a')).toBe(0);
    const account = (await status(gateway)).accounts.find((candidate) => candidate.label === 'account-a');
    expect(account).toMatchObject({ state: 'disabled', disabledReason: expect.stringContaining('invalid_grant') });
    expect(await metric(gateway, 'geminicli2api_credential_state', { credential: 'account-a', state: 'disabled' })).toBe(1);
  });

  it('retries a 5xx before the first byte on another account', async () => {
    gateway = await startGateway({ emulator, credentials: poolCredentials(), env: { ADMIN_API_KEY: ADMIN_KEY } });
    emulator.setAccountBehaviour('rt-pool-a', { kind: 'error', error: 'server' });
    emulator.setAccountBehaviour('rt-pool-b', { kind: 'error', error: 'unavailable' });
    const responses = await Promise.all(Array.from({ length: 6 }, () => generate(gateway)));
    expect(responses.map((response) => response.status)).toEqual(Array(6).fill(200));
    expect(callsFor(emulator, 'rt-pool-c')).toBe(6);
    expect(await metric(gateway, 'geminicli2api_upstream_retries_total', { reason: 'server' })).toBeGreaterThanOrEqual(2);
  });

  it('still serves a single account after a 5xx (a soft cooldown, not a lock-out)', async () => {
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-pool-a') });
    emulator.enqueue({ kind: 'error', error: 'server' });
    const failed = await generate(gateway);
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { error: { status: string } }).error.status).toBe('INTERNAL');
    expect((await generate(gateway)).status).toBe(200);
    expect((await generate(gateway)).status).toBe(200);
  });

  it('a 403 caused by the request fails that request alone: the next request on the same account is served', async () => {
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-pool-a', { label: 'shared' }), env: { ADMIN_API_KEY: ADMIN_KEY } });
    const refused = await generate(gateway, `read my file ${emulateDirective({ kind: 'error', error: 'forbidden-resource' })}`);
    expect(refused.status).toBe(403);
    const refusal = (await refused.json()) as { error: { status: string; message: string } };
    expect(refusal.error).toMatchObject({ status: 'PERMISSION_DENIED', message: expect.stringContaining('do not have permission to access the File') });
    const next = await generate(gateway, 'an ordinary question');
    expect(next.status).toBe(200);
    expect(callsFor(emulator, 'rt-pool-a')).toBe(2);
    expect((await status(gateway)).accounts[0]).toMatchObject({ state: 'active' });
  });

  it('a 403 about the account itself (CONSUMER_INVALID) still moves traffic to other accounts', async () => {
    gateway = await startGateway({ emulator, credentials: poolCredentials(), env: { ADMIN_API_KEY: ADMIN_KEY } });
    emulator.setAccountBehaviour('rt-pool-a', { kind: 'error', error: 'permission-denied' });
    // One after another, so the account is met once and then skipped (the pool rotates over all three).
    for (let index = 0; index < 6; index += 1) expect((await generate(gateway)).status).toBe(200);
    expect(callsFor(emulator, 'rt-pool-a')).toBe(1);
    expect((await status(gateway)).accounts.find((account) => account.label === 'account-a')).toMatchObject({ state: 'cooling_down', lastErrorClass: 'permission' });
  });

  it('waits briefly and retries when the earliest reset is near (UPSTREAM_WAIT_FOR_RESET_MS)', async () => {
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-pool-a') });
    emulator.enqueue({ kind: 'error', error: 'rate-limit', retryDelaySeconds: 1 });
    const started = Date.now();
    const response = await generate(gateway);
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(emulator.counters().generateCalls).toBe(2);
  });

  it('does not retry after the first byte: the client gets a proper stream error', async () => {
    gateway = await startGateway({ emulator, credentials: poolCredentials() });
    const response = await fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY },
      body: body(`break ${emulateDirective({ kind: 'abort-stream', chunks: ['partial'] })}`),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toContain('"text":"partial"');
    expect(text).toMatch(/\{"error":\{"code":50\d/);
    expect(emulator.counters().generateCalls).toBe(1);
  });

  it('keeps /admin/status behind ADMIN_API_KEY', async () => {
    gateway = await startGateway({ emulator, credentials: poolCredentials(), env: { ADMIN_API_KEY: ADMIN_KEY } });
    expect((await fetch(`${gateway.url}/admin/status`)).status).toBe(401);
    expect((await fetch(`${gateway.url}/admin/status`, { headers: { authorization: `Bearer ${TEST_CLIENT_KEY}` } })).status).toBe(401);
    await gateway.close();
    gateway = await startGateway({ emulator, credentials: poolCredentials() });
    expect((await fetch(`${gateway.url}/admin/status`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(404);
  });
});

describe('credential pool across replicas', () => {
  let redis: RedisServer;
  let emulator: GoogleEmulator;
  const gateways: GatewayHarness[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    emulator = await startEmulator();
    for (const refreshToken of ACCOUNTS) emulator.addAccount({ refreshToken });
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await emulator.close();
    await redis.stop();
  });

  it('honours on one replica a cooldown learned by the other', async () => {
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'pool-test:', ADMIN_API_KEY: ADMIN_KEY };
    gateways.push(await startGateway({ emulator, credentials: poolCredentials(), env }), await startGateway({ emulator, credentials: poolCredentials(), env }));
    const [first, second] = gateways;
    emulator.setAccountBehaviour('rt-pool-c', { kind: 'error', error: 'rate-limit', retryDelaySeconds: 30 });
    for (let index = 0; index < 3; index += 1) expect((await generate(first)).status).toBe(200);
    const learned = callsFor(emulator, 'rt-pool-c');
    expect(learned).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // the other replica's snapshot refresh
    const responses = await Promise.all(Array.from({ length: 20 }, () => generate(second)));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(callsFor(emulator, 'rt-pool-c')).toBe(learned);
    expect((await status(second)).accounts.find((account) => account.label === 'account-c')?.state).toBe('cooling_down');
  });
});
