import type { RedisConnection } from '../config/config.schema';
import { createRedisClient, type RedisClient } from './redis-connection';
import { LeaseSemaphore, type LeaseSemaphoreOptions } from './lease-semaphore';
import { LocalChannels, MemorySharedState, SharedState, type SharedStateMode } from './shared-state';

export { redisClientOptions, createRedisClient, describeRedis, type RedisClient } from './redis-connection';

const UNLOCK_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const INCREMENT_SCRIPT = "local v = redis.call('incrby', KEYS[1], ARGV[1]) if v == tonumber(ARGV[1]) then redis.call('pexpire', KEYS[1], ARGV[2]) end return v";

export interface RedisSharedStateOptions {
  /** One Redis by URL (shorthand for `{ kind: 'single', url }`), or `connection`. */
  url?: string;
  connection?: RedisConnection;
  keyPrefix: string;
  commandTimeoutMs: number;
  /** Told once per transition (healthy ⇄ degraded), never per failed command. */
  onTransition?(mode: SharedStateMode, reason?: string): void;
  /** Every command's outcome, for metrics. */
  onCommand?(durationMs: number, ok: boolean): void;
}

/**
 * Redis adapter. When Redis is unreachable (not connected, a command fails or times out) it
 * serves from an in-process twin and reports `degraded`, so requests keep flowing on local state;
 * it returns to Redis as soon as the connection is ready again. The twin starts empty each time:
 * state from a previous outage is not trusted after Redis has been the source of truth.
 */
export class RedisSharedState extends SharedState {
  readonly client: RedisClient;
  private readonly connection: RedisConnection;
  private fallback = new MemorySharedState(Date.now, 'degraded');
  private degraded = false;
  /** A second connection, opened at the first subscribe (a subscribed connection runs no other command). */
  private subscriber?: RedisClient;
  private readonly localChannels = new LocalChannels();
  private readonly semaphores: LeaseSemaphore[] = [];

  constructor(private readonly options: RedisSharedStateOptions) {
    super();
    const connection = options.connection ?? (options.url ? { kind: 'single' as const, url: options.url } : undefined);
    if (!connection) throw new Error('RedisSharedState needs a url or a connection');
    this.connection = connection;
    this.client = createRedisClient(connection, options);
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

  async publish(channel: string, message: string): Promise<void> {
    if (this.mode() !== 'redis') return this.localChannels.publish(channel, message); // only this replica hears it
    try {
      await this.client.publish(this.options.keyPrefix + channel, message);
    } catch {
      this.localChannels.publish(channel, message);
    }
  }

  subscribe(channel: string, listener: (message: string) => void): void {
    this.localChannels.subscribe(channel, listener);
    this.subscriber ??= this.openSubscriber();
    this.subscriber.subscribe(this.options.keyPrefix + channel).catch(() => undefined); // ioredis subscribes again after each reconnect
  }

  /** A cluster-wide semaphore on this Redis (see lease-semaphore.ts); its "freed" pushes come over this state's subscriber. */
  leaseSemaphore(options: Omit<LeaseSemaphoreOptions, 'channel'> & { name: string }): LeaseSemaphore {
    const channel = `semaphore:${options.name}:freed`;
    const semaphore = new LeaseSemaphore(this.client, { ...options, channel: this.options.keyPrefix + channel });
    this.subscribe(channel, (message) => semaphore.heardFreed(Number(message)));
    this.semaphores.push(semaphore);
    return semaphore;
  }

  async close(): Promise<void> {
    this.client.removeAllListeners('close');
    this.client.disconnect();
    this.subscriber?.disconnect();
  }

  private openSubscriber(): RedisClient {
    const subscriber = createRedisClient(this.connection, { commandTimeoutMs: this.options.commandTimeoutMs, offlineQueue: true });
    subscriber.on('error', () => undefined); // outages are reported once, by the main connection
    const prefix = this.options.keyPrefix;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel.startsWith(prefix)) this.localChannels.publish(channel.slice(prefix.length), message);
    });
    return subscriber;
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
