import { spawnSync } from 'node:child_process';
import { startEmulator, type GoogleEmulator } from '../../support/emulator';
import { TEST_CLIENT_KEY, credentialFor } from '../../support/gateway-harness';
import { spawnGateway, type GatewayProcess } from '../../support/gateway-process';
import { startRedis, type RedisServer } from '../../support/redis';

/** Access tokens at rest in Redis are sealed with SHARED_STATE_ENCRYPTION_KEY (issue 20). */
describe('tokens at rest in Redis', () => {
  const KEY = Buffer.alloc(32, 9).toString('base64');
  let emulator: GoogleEmulator;
  let redis: RedisServer;
  let replicas: GatewayProcess[] = [];

  const redisCli = (...args: string[]) => {
    const result = spawnSync('redis-cli', ['-p', String(redis.port), '--raw', ...args], { encoding: 'utf8', timeout: 10_000 });
    if (result.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout.trim();
  };

  const generate = (replica: GatewayProcess) => fetch(`${replica.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
  });

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-sealed' });
    redis = await startRedis();
    const expired = emulator.issueAccessToken('rt-sealed', -60);
    const env = {
      CODE_ASSIST_ENDPOINT: emulator.url,
      GOOGLE_OAUTH_TOKEN_URL: emulator.tokenUrl,
      GEMINI_CREDENTIALS: JSON.stringify(credentialFor('rt-sealed', { access_token: expired, expiry_date: Date.now() - 60_000 })),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'sealed-test:',
      SHARED_STATE_ENCRYPTION_KEY: KEY,
      LOG_LEVEL: 'warn',
    };
    replicas = await Promise.all([0, 1].map(() => spawnGateway(env, { waitForReady: true })));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop('SIGKILL')));
    await redis?.stop();
    await emulator?.close();
  });

  it('keeps no plain token in Redis, and two replicas with the same key share one refresh', async () => {
    emulator.resetCounters();
    expect((await generate(replicas[0])).status).toBe(200);
    expect((await generate(replicas[1])).status).toBe(200);
    expect(emulator.counters().refreshesByToken['rt-sealed']).toBe(1);
    const keys = redisCli('--scan', '--pattern', 'sealed-test:*token:*').split('\n').filter((name) => !name.includes('lock'));
    expect(keys.length).toBeGreaterThan(0);
    for (const name of keys) {
      const value = redisCli('GET', name);
      expect(value.startsWith('enc1:')).toBe(true);
      expect(value).not.toMatch(/ya29|accessToken/);
    }
    const dump = redisCli('--scan', '--pattern', 'sealed-test:*').split('\n').filter(Boolean).map((name) => redisCli('GET', name)).join('\n');
    expect(dump).not.toContain('ya29.');
  }, 60_000);
});
