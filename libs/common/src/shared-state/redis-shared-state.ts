import { Redis, type RedisOptions } from 'ioredis';
import { MemorySharedState, SharedState, type SharedStateMode } from './shared-state';

const UNLOCK_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const INCREMENT_SCRIPT = "local v = redis.call('incrby', KEYS[1], ARGV[1]) if v == tonumber(ARGV[1]) then redis.call('pexpire', KEYS[1], ARGV[2]) end return v";

export interface RedisSharedStateOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs: number;
  /** Told once per transition (healthy ⇄ degraded), never per failed command. */
  onTransition?(mode: SharedStateMode, reason?: string): void;
  /** Every command's outcome, for metrics. */
  onCommand?(durationMs: number, ok: boolean): void;
}

export function redisClientOptions(options: { keyPrefix?: string; commandTimeoutMs: number }): RedisOptions {
  return {
    keyPrefix: options.keyPrefix,
    // Fail fast while disconnected: a command must not wait in a queue for a Redis that is gone.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    lazyConnect: false,
  };
}

/**
 * Redis adapter. When Redis is unreachable (not connected, a command fails or times out) it
 * serves from an in-process twin and reports `degraded`, so requests keep flowing on local state;
 * it returns to Redis as soon as the connection is ready again. The twin starts empty each time:
 * state from a previous outage is not trusted after Redis has been the source of truth.
 */
export class RedisSharedState extends SharedState {
  readonly client: Redis;
  private fallback = new MemorySharedState(Date.now, 'degraded');
  private degraded = false;

  constructor(private readonly options: RedisSharedStateOptions) {
    super();
    this.client = new Redis(options.url, redisClientOptions(options));
    this.client.on('error', (error: Error) => this.markDegraded(error.message));
    this.client.on('close', () => this.markDegraded('connection closed'));
    this.client.on('ready', () => this.markHealthy());
  }

  mode(): SharedStateMode {
    return this.degraded || this.client.status !== 'ready' ? 'degraded' : 'redis';
  }

  /** Resolves once connected (or after `timeoutMs`, degraded). */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.markDegraded('not reachable at start');
        resolve(false);
      }, timeoutMs);
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async ping(): Promise<number> {
    const started = performance.now();
    await this.client.ping();
    return performance.now() - started;
  }

  get(key: string): Promise<string | undefined> {
    return this.run(async () => (await this.client.get(key)) ?? undefined, () => this.fallback.get(key));
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    return this.run(async () => { await this.client.set(key, value, 'PX', Math.max(1, Math.round(ttlMs))); }, () => this.fallback.set(key, value, ttlMs));
  }

  delete(key: string): Promise<void> {
    return this.run(async () => { await this.client.del(key); }, () => this.fallback.delete(key));
  }

  increment(key: string, by: number, ttlMs: number): Promise<number> {
    return this.run(async () => Number(await this.client.eval(INCREMENT_SCRIPT, 1, key, by, Math.max(1, Math.round(ttlMs)))), () => this.fallback.increment(key, by, ttlMs));
  }

  hashSet(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    return this.run(async () => {
      await this.client.multi().hset(key, field, value).pexpire(key, Math.max(1, Math.round(ttlMs))).exec();
    }, () => this.fallback.hashSet(key, field, value, ttlMs));
  }

  hashGetAll(key: string): Promise<Record<string, string>> {
    return this.run(() => this.client.hgetall(key), () => this.fallback.hashGetAll(key));
  }

  hashDelete(key: string, field: string): Promise<void> {
    return this.run(async () => { await this.client.hdel(key, field); }, () => this.fallback.hashDelete(key, field));
  }

  tryLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.run(async () => (await this.client.set(key, owner, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK', () => this.fallback.tryLock(key, owner, ttlMs));
  }

  unlock(key: string, owner: string): Promise<void> {
    return this.run(async () => { await this.client.eval(UNLOCK_SCRIPT, 1, key, owner); }, () => this.fallback.unlock(key, owner));
  }

  async close(): Promise<void> {
    this.client.removeAllListeners('close');
    this.client.disconnect();
  }

  private async run<T>(remote: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (this.client.status !== 'ready') {
      this.markDegraded(`connection ${this.client.status}`);
      return local();
    }
    const started = performance.now();
    try {
      const result = await remote();
      this.options.onCommand?.(performance.now() - started, true);
      if (this.degraded) this.markHealthy(); // a timeout that passed without a reconnect
      return result;
    } catch (error) {
      this.options.onCommand?.(performance.now() - started, false);
      this.markDegraded(error instanceof Error ? error.message : String(error));
      return local();
    }
  }

  private markDegraded(reason: string): void {
    if (this.degraded) return;
    this.degraded = true;
    this.options.onTransition?.('degraded', reason);
  }

  private markHealthy(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.fallback = new MemorySharedState(Date.now, 'degraded');
    this.options.onTransition?.('redis');
  }
}
