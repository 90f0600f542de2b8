/**
 * The shared-state port: what replicas must agree on (access tokens, project ids, revoked
 * credentials, locks, cooldowns). Two adapters: in-process (one replica, or Redis down) and Redis.
 * Every key carries a TTL; nothing here has to survive a Redis restart — the gateway rebuilds it.
 */
export type SharedStateMode = 'local' | 'redis' | 'degraded';

export abstract class SharedState {
  /** `local`: no REDIS_URL; `redis`: shared; `degraded`: REDIS_URL set but Redis unreachable. */
  abstract mode(): SharedStateMode;
  abstract get(key: string): Promise<string | undefined>;
  abstract set(key: string, value: string, ttlMs: number): Promise<void>;
  abstract delete(key: string): Promise<void>;
  /** Atomically adds `by` and returns the new value; the key expires `ttlMs` after creation. */
  abstract increment(key: string, by: number, ttlMs: number): Promise<number>;
  /** Sets one field of a hash; the whole hash expires `ttlMs` after the last write. */
  abstract hashSet(key: string, field: string, value: string, ttlMs: number): Promise<void>;
  abstract hashGetAll(key: string): Promise<Record<string, string>>;
  abstract hashDelete(key: string, field: string): Promise<void>;
  /** SET NX PX with an owner token; true when this owner now holds the lock. */
  abstract tryLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases only if `owner` still holds it (a lock that expired and moved on is left alone). */
  abstract unlock(key: string, owner: string): Promise<void>;
  /**
   * Tells every replica (this one included) `message` on `channel`, at most once and only to
   * replicas connected right now: a push that speeds things up, never the only copy of a fact.
   */
  abstract publish(channel: string, message: string): Promise<void>;
  /** Listens on `channel` for the life of the state (re-subscribes after a reconnect). */
  abstract subscribe(channel: string, listener: (message: string) => void): void;
  abstract close(): Promise<void>;
}

/** In-process pub/sub: what one replica hears from itself. */
export class LocalChannels {
  private readonly listeners = new Map<string, Array<(message: string) => void>>();

  publish(channel: string, message: string): void {
    for (const listener of this.listeners.get(channel) ?? []) queueMicrotask(() => listener(message));
  }

  subscribe(channel: string, listener: (message: string) => void): void {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
  }
}

interface Entry {
  value: string;
  expiresAt: number;
}

/** In-process adapter, and the fallback the Redis adapter uses while Redis is unreachable. */
export class MemorySharedState extends SharedState {
  private readonly entries = new Map<string, Entry>();
  private readonly channels = new LocalChannels();

  constructor(private readonly now: () => number = Date.now, private readonly reportedMode: SharedStateMode = 'local') {
    super();
  }

  mode(): SharedStateMode {
    return this.reportedMode;
  }

  async get(key: string): Promise<string | undefined> {
    return this.live(key)?.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.now() + Math.max(1, ttlMs) });
    this.sweepSometimes();
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async increment(key: string, by: number, ttlMs: number): Promise<number> {
    const entry = this.live(key);
    const value = (entry ? Number(entry.value) : 0) + by;
    this.entries.set(key, { value: String(value), expiresAt: entry?.expiresAt ?? this.now() + Math.max(1, ttlMs) });
    return value;
  }

  async hashSet(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    const hash = this.hashOf(key);
    hash[field] = value;
    this.entries.set(key, { value: JSON.stringify(hash), expiresAt: this.now() + Math.max(1, ttlMs) });
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    return this.hashOf(key);
  }

  async hashDelete(key: string, field: string): Promise<void> {
    const entry = this.live(key);
    if (!entry) return;
    const hash = this.hashOf(key);
    delete hash[field];
    entry.value = JSON.stringify(hash);
  }

  private hashOf(key: string): Record<string, string> {
    const entry = this.live(key);
    return entry ? (JSON.parse(entry.value) as Record<string, string>) : {};
  }

  async tryLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.entries.set(key, { value: owner, expiresAt: this.now() + Math.max(1, ttlMs) });
    return true;
  }

  async unlock(key: string, owner: string): Promise<void> {
    if (this.live(key)?.value === owner) this.entries.delete(key);
  }

  async publish(channel: string, message: string): Promise<void> {
    this.channels.publish(channel, message);
  }

  subscribe(channel: string, listener: (message: string) => void): void {
    this.channels.subscribe(channel, listener);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private writes = 0;

  /** Expired keys are dropped lazily on read; a sweep every 1,000 writes bounds memory. */
  private sweepSometimes(): void {
    this.writes += 1;
    if (this.writes % 1000 !== 0) return;
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
