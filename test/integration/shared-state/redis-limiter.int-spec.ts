import { setTimeout as sleep } from 'node:timers/promises';
import { LimiterRejectedError } from '@app/upstream';
import { countRoundTrips } from '../../../bench/lib/redis-monitor';
import { redisCli, startRedis, startRedisCluster, startRedisSentinel, stopStartedRedis, type RedisServer } from '../../support/redis';
import { SlotLoad, startLimiterReplica, type LimiterReplica } from './limiter-load';

jest.setTimeout(90_000);

/**
 * The cluster-wide limiter (a lease semaphore in Redis) with two in-process replicas, each with
 * its own Redis connections, on one Redis, on a Sentinel-managed Redis through a failover, and
 * on a three-master Redis Cluster.
 */
const opened: LimiterReplica[] = [];
const servers: RedisServer[] = [];

afterAll(async () => {
  await Promise.all(opened.map((replica) => replica.close()));
  await Promise.all(servers.map((server) => server.stop()));
  await stopStartedRedis();
});

async function replicas(count: number, env: Record<string, string>): Promise<LimiterReplica[]> {
  const started: LimiterReplica[] = [];
  for (let index = 0; index < count; index += 1) {
    const replica = await startLimiterReplica(env);
    opened.push(replica);
    started.push(replica);
  }
  return started;
}

async function untilCluster(group: LimiterReplica[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!group.every((replica) => replica.limiter.mode() === 'cluster')) {
    if (Date.now() > deadline) throw new Error(`limiters still ${group.map((replica) => replica.limiter.mode()).join(', ')}`);
    await sleep(50);
  }
}

describe('lease semaphore on one Redis', () => {
  let redis: RedisServer;
  const env = (prefix: string, extra: Record<string, string> = {}) => ({ REDIS_KEY_PREFIX: prefix, UPSTREAM_QUEUE_TIMEOUT_MS: '5000', ...extra, REDIS_URL: redis.url });

  beforeAll(async () => {
    redis = await startRedis();
    servers.push(redis);
  });

  it('wakes a waiter on another replica by pub/sub when a slot frees (not at the next heartbeat)', async () => {
    const [first, second] = await replicas(2, env('wake:', { UPSTREAM_MAX_CONCURRENT: '1' }));
    const held = await first.limiter.acquire();
    const waiting = second.limiter.acquire().then((slot) => ({ slot, at: performance.now() }));
    await sleep(300);
    expect(second.limiter.stats().queued).toBe(1);
    const releasedAt = performance.now();
    held.release();
    const { slot, at } = await waiting;
    slot.release();
    // The heartbeat retry comes once a second; the push arrives in milliseconds.
    expect(at - releasedAt).toBeLessThan(150);
  });

  it('costs two round trips per limited call (one acquire script, one release script)', async () => {
    const [replica] = await replicas(1, env('trips:', { UPSTREAM_MAX_CONCURRENT: '10' }));
    (await replica.limiter.acquire()).release();
    await sleep(50);
    const trips = await countRoundTrips(redis.url, async () => {
      for (let index = 0; index < 50; index += 1) {
        const slot = await replica.limiter.acquire();
        slot.release();
        await sleep(2); // the release goes out in the next event-loop turn
      }
    });
    expect(trips.byCommand['semaphore acquire']).toBe(50);
    expect(trips.byCommand['semaphore release']).toBe(50);
    expect(trips.total - (trips.byCommand['semaphore sync'] ?? 0)).toBe(100);
  });

  it('ignores releases of leases taken before Redis restarted, so they cannot free leases taken after', async () => {
    const [first, second] = await replicas(2, env('epoch:', { UPSTREAM_MAX_CONCURRENT: '3', UPSTREAM_QUEUE_TIMEOUT_MS: '600' }));
    const before = [await first.limiter.acquire(), await first.limiter.acquire()];
    await redis.stop();
    await redis.start();
    await untilCluster([first, second]);
    // The semaphore is full again: one lease of the first replica, two of the second.
    const after = [await first.limiter.acquire(), await second.limiter.acquire(), await second.limiter.acquire()];
    expect([first, second].map((replica) => replica.grants.cluster)).toEqual([3, 2]);
    for (const slot of before) slot.release();
    await sleep(100);
    const third = await second.limiter.acquire().catch((error: unknown) => error);
    expect(third).toBeInstanceOf(LimiterRejectedError);
    expect((third as LimiterRejectedError).reason).toBe('queue_timeout');
    for (const slot of after) slot.release();
    (await first.limiter.acquire()).release();
  });
});

describe('lease semaphore on Redis Sentinel', () => {
  it('holds the cap after a SENTINEL FAILOVER in the middle of the load', async () => {
    const sentinel = await startRedisSentinel();
    const CAP = 6;
    const group = await replicas(2, {
      REDIS_SENTINELS: sentinel.sentinels.map((node) => `${node.host}:${node.port}`).join(','),
      REDIS_SENTINEL_NAME: sentinel.name,
      REDIS_KEY_PREFIX: 'sentinel-limit:',
      UPSTREAM_MAX_CONCURRENT: String(CAP),
      REDIS_DEGRADED_SHARE: '0.5',
    });
    const load = new SlotLoad(group, () => 5 + Math.random() * 20);
    load.start(8);
    try {
      await sleep(1_500);
      expect(load.maxHeld).toBe(CAP);
      const before = await sentinel.masterPort();
      const after = await sentinel.failover();
      expect(after).not.toBe(before);
      await untilCluster(group, 20_000);
      await sleep(500); // leases taken on the degraded share during the switch are held 25 ms at most
      load.resetMax();
      const completedBefore = load.completed;
      await sleep(2_000);
      expect(load.maxHeld).toBe(CAP);
      expect(load.completed - completedBefore).toBeGreaterThan(100);
      // Every grant after the switch came from the semaphore on the new master.
      expect(group.map((replica) => Object.keys(replica.grants))).toEqual([['cluster'], ['cluster']]);
      // …and the semaphore's state lives there.
      expect(await redisCli(['-p', String(after), 'hget', 'sentinel-limit:{semaphore:upstream}:held', '*'])).toMatch(/^\d+\s*$/);
    } finally {
      await load.stop();
    }
    expect(load.failures).toEqual([]);
  });
});

describe('lease semaphore on a Redis Cluster', () => {
  it('holds the cap over three masters (the semaphore keys share one hash slot)', async () => {
    const cluster = await startRedisCluster();
    const CAP = 5;
    const group = await replicas(3, {
      REDIS_CLUSTER_NODES: cluster.nodes.map((node) => `${node.host}:${node.port}`).join(','),
      REDIS_KEY_PREFIX: 'cluster-limit:',
      UPSTREAM_MAX_CONCURRENT: String(CAP),
    });
    const load = new SlotLoad(group, () => 5 + Math.random() * 20);
    load.start(6);
    try {
      await sleep(2_500);
    } finally {
      await load.stop();
    }
    expect(load.failures).toEqual([]);
    expect(load.maxHeld).toBe(CAP);
    expect(load.completed).toBeGreaterThan(200);
    expect(group.map((replica) => Object.keys(replica.grants))).toEqual([['cluster'], ['cluster'], ['cluster']]);
  });
});
