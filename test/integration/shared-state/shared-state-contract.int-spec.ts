import { setTimeout as sleep } from 'node:timers/promises';
import { MemorySharedState, RedisSharedState, sharedSingleFlight, type SharedState } from '@app/common';
import { startRedis, startRedisCluster, startRedisSentinel, stopStartedRedis, type RedisClusterSetup, type RedisSentinelSetup, type RedisServer } from '../../support/redis';

jest.setTimeout(60_000);

/** One contract, two adapters: the in-process one and Redis (a real redis-server). */
type Factory = { name: string; create(keyPrefix: string): Promise<SharedState>; cleanup(): Promise<void> };

let redis: RedisServer;
let sentinel: RedisSentinelSetup;
let cluster: RedisClusterSetup;
const opened: SharedState[] = [];

beforeAll(async () => {
  [redis, sentinel, cluster] = await Promise.all([startRedis(), startRedisSentinel(), startRedisCluster()]);
}, 90_000);

afterAll(async () => {
  await Promise.all(opened.map((state) => state.close()));
  await redis?.stop();
  await stopStartedRedis();
});

async function openRedisState(options: ConstructorParameters<typeof RedisSharedState>[0]): Promise<SharedState> {
  const state = new RedisSharedState(options);
  opened.push(state);
  expect(await state.waitUntilReady(10_000)).toBe(true);
  return state;
}

const uniquePrefix = () => `test:${Math.random().toString(36).slice(2)}:`;

const factories: Factory[] = [
  { name: 'memory', create: async () => new MemorySharedState(), cleanup: async () => undefined },
  {
    name: 'redis',
    create: (keyPrefix) => openRedisState({ url: redis.url, keyPrefix, commandTimeoutMs: 500 }),
    cleanup: async () => undefined,
  },
  {
    name: 'redis sentinel',
    create: (keyPrefix) => openRedisState({ connection: { kind: 'sentinel', sentinels: sentinel.sentinels, name: sentinel.name, tls: false }, keyPrefix, commandTimeoutMs: 500 }),
    cleanup: async () => undefined,
  },
  {
    name: 'redis cluster',
    create: (keyPrefix) => openRedisState({ connection: { kind: 'cluster', nodes: cluster.nodes, tls: false }, keyPrefix, commandTimeoutMs: 500 }),
    cleanup: async () => undefined,
  },
];

describe.each(factories)('SharedState contract: $name', (factory) => {
  let state: SharedState;
  let keyPrefix: string;

  beforeEach(async () => {
    keyPrefix = uniquePrefix();
    state = await factory.create(keyPrefix);
  });

  it('stores values with a TTL and forgets them after it', async () => {
    await state.set('a', 'one', 80);
    expect(await state.get('a')).toBe('one');
    await sleep(120);
    expect(await state.get('a')).toBeUndefined();
  });

  it('deletes', async () => {
    await state.set('b', 'two', 10_000);
    await state.delete('b');
    expect(await state.get('b')).toBeUndefined();
  });

  it('increments atomically with the TTL set on creation only', async () => {
    const values = await Promise.all(Array.from({ length: 20 }, () => state.increment('counter', 1, 10_000)));
    expect(values.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_unused, index) => index + 1));
    expect(await state.increment('counter', 5, 10_000)).toBe(25);
  });

  it('keeps hash fields together under one TTL', async () => {
    await state.hashSet('h', 'a', '1', 10_000);
    await state.hashSet('h', 'b', '2', 10_000);
    expect(await state.hashGetAll('h')).toEqual({ a: '1', b: '2' });
    await state.hashDelete('h', 'a');
    expect(await state.hashGetAll('h')).toEqual({ b: '2' });
    await state.hashSet('short', 'x', 'y', 60);
    await sleep(100);
    expect(await state.hashGetAll('short')).toEqual({});
  });

  it('grants a lock to one owner at a time and frees it only for that owner', async () => {
    const results = await Promise.all(['x', 'y', 'z'].map((owner) => state.tryLock('lock', owner, 10_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = ['x', 'y', 'z'][results.indexOf(true)];
    const loser = ['x', 'y', 'z'].find((owner) => owner !== winner) as string;
    await state.unlock('lock', loser);
    expect(await state.tryLock('lock', loser, 10_000)).toBe(false);
    await state.unlock('lock', winner);
    expect(await state.tryLock('lock', loser, 10_000)).toBe(true);
  });

  it('lets a lock expire so a dead holder cannot block forever', async () => {
    expect(await state.tryLock('expiring', 'dead', 60)).toBe(true);
    await sleep(100);
    expect(await state.tryLock('expiring', 'alive', 1_000)).toBe(true);
  });

  it('delivers a published message to every subscriber, the publisher included', async () => {
    const other = factory.name === 'memory' ? state : await factory.create(keyPrefix); // another replica of the same deployment
    const heard: string[] = [];
    state.subscribe('news', (message) => heard.push(`self:${message}`));
    other.subscribe('news', (message) => heard.push(`other:${message}`));
    await sleep(200); // SUBSCRIBE is asynchronous
    await state.publish('news', 'hello');
    const deadline = Date.now() + 2_000;
    while (heard.length < 2 && Date.now() < deadline) await sleep(10);
    expect(heard.sort()).toEqual(['other:hello', 'self:hello']);
  });

  it('computes a shared value once for concurrent callers', async () => {
    let computed = 0;
    const run = () => sharedSingleFlight({
      state, valueKey: 'value', lockKey: 'value-lock', lockTtlMs: 2_000, pollIntervalMs: 10,
      read: (raw) => raw,
      write: (value: string) => ({ raw: value, ttlMs: 10_000 }),
      compute: async () => { computed += 1; await sleep(50); return `v${computed}`; },
    });
    const values = await Promise.all(Array.from({ length: 10 }, run));
    expect(new Set(values)).toEqual(new Set(['v1']));
    expect(computed).toBe(1);
  });
});

describe('RedisSharedState when Redis goes away', () => {
  it('degrades to local state, says so once, and returns to Redis when it is back', async () => {
    const server = await startRedis();
    const transitions: string[] = [];
    const state = new RedisSharedState({ url: server.url, keyPrefix: 'degrade:', commandTimeoutMs: 300, onTransition: (mode) => transitions.push(mode) });
    try {
      await state.waitUntilReady(5_000);
      await state.set('k', 'shared', 60_000);
      expect(state.mode()).toBe('redis');
      await server.stop();
      await sleep(100);
      expect(await state.get('k')).toBeUndefined(); // local twin: empty, but answering
      await state.set('k', 'local', 60_000);
      expect(await state.get('k')).toBe('local');
      expect(state.mode()).toBe('degraded');
      for (let attempt = 0; attempt < 5; attempt += 1) await state.get('k');
      expect(transitions).toEqual(['degraded']);
      await server.start();
      const deadline = Date.now() + 5_000;
      while (state.mode() !== 'redis' && Date.now() < deadline) await sleep(50);
      expect(state.mode()).toBe('redis');
      expect(transitions).toEqual(['degraded', 'redis']);
      await state.set('k', 'shared-again', 60_000);
      expect(await state.get('k')).toBe('shared-again');
    } finally {
      await state.close();
      await server.stop();
    }
  });
});
