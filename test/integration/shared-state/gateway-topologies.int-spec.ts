import { startEmulator, type GoogleEmulator } from '../../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../../support/gateway-harness';
import { redisCli, startRedisCluster, startRedisSentinel, stopStartedRedis, type RedisClusterSetup, type RedisSentinelSetup } from '../../support/redis';

jest.setTimeout(90_000);

/** The whole gateway (Nest wiring, config) on a Sentinel-managed Redis and on a Redis Cluster. */
describe('the gateway on the Redis that production runs', () => {
  let emulator: GoogleEmulator | undefined;
  let sentinel: RedisSentinelSetup;
  let cluster: RedisClusterSetup;
  const gateways: GatewayHarness[] = [];

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-topology' });
    [sentinel, cluster] = await Promise.all([startRedisSentinel(), startRedisCluster()]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await emulator?.close();
    await stopStartedRedis();
  });

  const hosts = (nodes: Array<{ host: string; port: number }>) => nodes.map((node) => `${node.host}:${node.port}`).join(',');

  it.each([
    ['Sentinel', () => ({ REDIS_SENTINELS: hosts(sentinel.sentinels), REDIS_SENTINEL_NAME: sentinel.name }), async () => [await sentinel.masterPort()]],
    ['Cluster', () => ({ REDIS_CLUSTER_NODES: hosts(cluster.nodes) }), async () => cluster.nodes.map((node) => node.port)],
  ])('boots on Redis %s, reports it ready and shared, serves limited calls and keeps its state there', async (name, env, dataPorts) => {
    const prefix = `topology-${name.toLowerCase()}:`;
    const gateway = await startGateway({ emulator: emulator as GoogleEmulator, credentials: credentialFor('rt-topology'), env: { ...env(), REDIS_KEY_PREFIX: prefix, UPSTREAM_MAX_CONCURRENT: '4', LOG_LEVEL: 'warn' } });
    gateways.push(gateway);
    const ready = await fetch(`${gateway.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(JSON.stringify(await ready.json())).toContain('"mode":"redis"');
    const answers = await Promise.all(Array.from({ length: 12 }, (_unused, index) => fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: `hello ${index}` }] }] }),
    })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(200));
    // The access token and the semaphore live in Redis, under the prefix (on whichever master owns their slot).
    const keys = (await Promise.all((await dataPorts()).map((port) => redisCli(['-p', String(port), '--scan', '--pattern', `${prefix}*`])))).join('\n');
    expect(keys).toContain(`${prefix}token:`);
    expect(keys).toContain(`${prefix}{semaphore:upstream}:held`);
  });
});
