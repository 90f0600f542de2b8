import { countRoundTrips } from '../../../bench/lib/redis-monitor';
import { startEmulator, type GoogleEmulator } from '../../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../../support/gateway-harness';
import { startRedis, type RedisServer } from '../../support/redis';

jest.setTimeout(60_000);

const ACCOUNTS = ['rt-push-a', 'rt-push-b', 'rt-push-c'];

/**
 * Two replicas on one Redis: a cooldown one replica learns from Google reaches the other by
 * pub/sub within 100 ms, and the other skips the account without asking Redis per request.
 */
describe('cooldowns pushed to every replica', () => {
  let redis: RedisServer | undefined;
  let emulator: GoogleEmulator | undefined;
  const gateways: GatewayHarness[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    emulator = await startEmulator();
    for (const refreshToken of ACCOUNTS) emulator.addAccount({ refreshToken });
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'push-test:', LOG_LEVEL: 'warn' };
    const credentials = ACCOUNTS.map((refreshToken, index) => credentialFor(refreshToken, { label: `account-${index}` }));
    gateways.push(await startGateway({ emulator, credentials, env }));
    gateways.push(await startGateway({ emulator, credentials, env }));
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await emulator?.close();
    await redis?.stop();
  });

  const generate = (gateway: GatewayHarness, text: string) => fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] }),
  });
  const callsFor = (refreshToken: string) => (emulator as GoogleEmulator).requests.filter((record) => record.method === 'generateContent' && record.accountRefreshToken === refreshToken).length;

  it('skips on replica B, within 100 ms, an account replica A just saw rate-limited, with no Redis command per request', async () => {
    const [first, second] = gateways;
    // Warm both replicas (tokens, project) so the measured requests are the steady state.
    for (let index = 0; index < 6; index += 1) {
      expect((await generate(first, `warm a${index}`)).status).toBe(200);
      expect((await generate(second, `warm b${index}`)).status).toBe(200);
    }
    (emulator as GoogleEmulator).setAccountBehaviour('rt-push-c', { kind: 'error', error: 'rate-limit', retryDelaySeconds: 30 });
    const before = callsFor('rt-push-c');
    for (let index = 0; index < 3 && callsFor('rt-push-c') === before; index += 1) expect((await generate(first, `learn ${index}`)).status).toBe(200);
    expect(callsFor('rt-push-c')).toBe(before + 1);
    const learnedAt = Date.now();

    await new Promise((resolve) => setTimeout(resolve, 100 - (Date.now() - learnedAt)));
    let statuses: number[] = [];
    const trips = await countRoundTrips((redis as RedisServer).url, async () => {
      const responses = await Promise.all(Array.from({ length: 30 }, (_unused, index) => generate(second, `after ${index}`)));
      statuses = responses.map((response) => response.status);
    });
    expect(statuses).toEqual(Array(30).fill(200));
    // Not one of the 30 went to the cooling account: B knew within 100 ms of A learning it.
    expect(callsFor('rt-push-c')).toBe(before + 1);
    // B decided from memory: the only Redis traffic is background (a 5 s snapshot, a 5 s counter flush), far below one per request.
    expect(trips.total).toBeLessThanOrEqual(4);
  });
});
