import { ConfigError, loadConfig } from '../config/load-config';
import { describeRedis } from './redis-connection';

const base = { GEMINI_AUTH_PASSWORD: 'client-key-for-tests' };

describe('Redis topology settings', () => {
  it('reads one Redis, a Sentinel-managed master, or a Redis Cluster', () => {
    expect(loadConfig({ ...base, REDIS_URL: 'redis://:pw@redis:6379/0' }).redis?.connection).toEqual({ kind: 'single', url: 'redis://:pw@redis:6379/0' });
    expect(loadConfig({ ...base, REDIS_SENTINELS: 's-0:26379, s-1:26380', REDIS_SENTINEL_NAME: 'main', REDIS_PASSWORD: 'pw', REDIS_TLS: 'true' }).redis?.connection).toEqual({
      kind: 'sentinel', sentinels: [{ host: 's-0', port: 26379 }, { host: 's-1', port: 26380 }], name: 'main', sentinelPassword: undefined, username: undefined, password: 'pw', tls: true,
    });
    expect(loadConfig({ ...base, REDIS_CLUSTER_NODES: 'r-0:6379,r-1:6379,r-2:6379' }).redis?.connection).toMatchObject({ kind: 'cluster', nodes: [{ host: 'r-0', port: 6379 }, { host: 'r-1', port: 6379 }, { host: 'r-2', port: 6379 }], tls: false });
    expect(loadConfig(base).redis).toBeUndefined();
  });

  it('refuses two topologies at once and malformed host lists, naming the setting', () => {
    expect(() => loadConfig({ ...base, REDIS_URL: 'redis://redis:6379', REDIS_CLUSTER_NODES: 'r-0:6379' })).toThrow(/REDIS_URL, REDIS_CLUSTER_NODES: set only one/);
    expect(() => loadConfig({ ...base, REDIS_SENTINELS: 's-0' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, REDIS_SENTINELS: 's-0' })).toThrow(/REDIS_SENTINELS: must be host:port/);
  });

  it('describes where Redis is without its password', () => {
    expect(describeRedis({ kind: 'single', url: 'rediss://user:secret@redis:6380/0' })).toBe('rediss://***@redis:6380/0');
    expect(describeRedis({ kind: 'cluster', nodes: [{ host: 'r-0', port: 6379 }], password: 'secret', tls: false })).not.toContain('secret');
  });
});
