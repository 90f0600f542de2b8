import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisConnection } from '../config/config.schema';

/** One Redis, a Sentinel-managed master (ioredis follows failovers), or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisClientTuning {
  keyPrefix?: string;
  commandTimeoutMs: number;
  /** Subscriber connections queue their SUBSCRIBE until connected (ioredis re-subscribes after reconnects). */
  offlineQueue?: boolean;
}

export function redisClientOptions(options: RedisClientTuning): RedisOptions {
  return {
    keyPrefix: options.keyPrefix,
    // Fail fast while disconnected: a command must not wait in a queue for a Redis that is gone.
    enableOfflineQueue: options.offlineQueue ?? false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    // A master demoted by a failover answers writes with READONLY: reconnect (Sentinel then names the new master).
    reconnectOnError: (error) => (/READONLY/.test(error.message) ? 2 : false),
    lazyConnect: false,
  };
}

/**
 * The ioredis client for a connection setting. Every kind fails fast while unreachable, so the
 * shared state can fall back to local state instead of queueing. Key names that several keys of
 * one script share must carry the same `{hash tag}` (see lease-semaphore.ts) so that a Redis
 * Cluster places them in one slot.
 */
export function createRedisClient(connection: RedisConnection, tuning: RedisClientTuning): RedisClient {
  const base = redisClientOptions(tuning);
  switch (connection.kind) {
    case 'single':
      return new Redis(connection.url, base);
    case 'sentinel':
      return new Redis({
        ...base,
        sentinels: connection.sentinels,
        name: connection.name,
        sentinelPassword: connection.sentinelPassword,
        username: connection.username,
        password: connection.password,
        tls: connection.tls ? {} : undefined,
        // Learn a switch from the sentinels' +switch-master at once instead of at the next error.
        failoverDetector: true,
        sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      });
    case 'cluster': {
      const { keyPrefix, enableOfflineQueue, ...nodeOptions } = base;
      const options: ClusterOptions = {
        keyPrefix,
        enableOfflineQueue,
        enableReadyCheck: true,
        maxRedirections: 4,
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 200,
        clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
        redisOptions: { ...nodeOptions, username: connection.username, password: connection.password, tls: connection.tls ? {} : undefined },
      };
      return new Cluster(connection.nodes, options);
    }
  }
}

/** What a log line may say about where Redis is (never a password). */
export function describeRedis(connection: RedisConnection): string {
  switch (connection.kind) {
    case 'single':
      return connection.url.replace(/\/\/[^@/]*@/, '//***@');
    case 'sentinel':
      return `sentinel ${connection.name} via ${connection.sentinels.map((node) => `${node.host}:${node.port}`).join(',')}`;
    case 'cluster':
      return `cluster ${connection.nodes.map((node) => `${node.host}:${node.port}`).join(',')}`;
  }
}
