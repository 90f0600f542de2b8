import { randomBytes } from 'node:crypto';
import type { RedisClient } from './redis-connection';

/**
 * A counting semaphore shared by every replica, in Redis: one Lua script to acquire, one to
 * release, so a limited call costs two round trips.
 *
 * Keys (one hash tag, so a Redis Cluster keeps them in one slot and the scripts may touch all):
 * - `{semaphore:<name>}:held`    hash: holder id → leases it holds; `*` → total; `#` → epoch
 * - `{semaphore:<name>}:holders` sorted set: holder id → when its leases expire (Redis clock, ms)
 * - `{semaphore:<name>}:calls`   calls started in the current minute (only with a reservoir)
 *
 * Leases are counted per holder (a replica), not stored one by one, and expire with their holder:
 * every acquire and release pushes the holder's expiry LEASE_TTL ahead, a heartbeat does it while
 * the replica holds leases and is otherwise quiet, and any script reaps holders whose time passed
 * (a replica that died). A release that frees capacity when the semaphore was full, or a reap,
 * publishes how many leases were freed, so waiters on other replicas retry at once instead of polling.
 *
 * The epoch (`#`) is created by the first acquire after the keys vanish (Redis restarted, flushed,
 * failed over to a replica that had not seen them): a release carries the epoch its lease came
 * from, and a release from an older epoch is ignored instead of freeing someone else's lease.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local holder, want, cap, ttl, reservoir = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[6])
local epoch = redis.call('HGET', KEYS[1], '#')
if not epoch then
  epoch = ARGV[5]
  redis.call('HSET', KEYS[1], '#', epoch)
end
local total = tonumber(redis.call('HGET', KEYS[1], '*') or '0')
local freed = 0
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 32)
for i = 1, #dead do
  freed = freed + tonumber(redis.call('HGET', KEYS[1], dead[i]) or '0')
  redis.call('HDEL', KEYS[1], dead[i])
  redis.call('ZREM', KEYS[2], dead[i])
end
total = math.max(0, total - freed)
local grant = want
if cap > 0 then grant = math.min(grant, cap - total) end
if reservoir > 0 and grant > 0 then
  grant = math.min(grant, reservoir - tonumber(redis.call('GET', KEYS[3]) or '0'))
  if grant > 0 and redis.call('INCRBY', KEYS[3], grant) == grant then redis.call('PEXPIRE', KEYS[3], 60000 - now % 60000) end
end
if grant < 0 then grant = 0 end
if grant > 0 then
  redis.call('HINCRBY', KEYS[1], holder, grant)
  total = total + grant
  redis.call('ZADD', KEYS[2], now + ttl, holder)
elseif want == 0 and redis.call('HEXISTS', KEYS[1], holder) == 1 then
  redis.call('ZADD', KEYS[2], now + ttl, holder)
end
if grant > 0 or freed > 0 then redis.call('HSET', KEYS[1], '*', total) end
if freed > 0 and (cap == 0 or total < cap) then redis.call('PUBLISH', ARGV[7], freed) end
return {grant, epoch}`;

const RELEASE = `
if redis.call('HGET', KEYS[1], '#') ~= ARGV[3] then return 0 end
local held = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local count = math.min(held, tonumber(ARGV[2]))
if count <= 0 then return 0 end
local total = tonumber(redis.call('HGET', KEYS[1], '*') or '0')
if held == count then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('HINCRBY', KEYS[1], ARGV[1], -count)
  local t = redis.call('TIME')
  redis.call('ZADD', KEYS[2], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[4]), ARGV[1])
end
redis.call('HSET', KEYS[1], '*', math.max(0, total - count))
local cap = tonumber(ARGV[5])
if cap > 0 and total >= cap then redis.call('PUBLISH', ARGV[6], count) end
return count`;

/**
 * The heartbeat: sets this holder's count to what it really holds (only sent while none of its
 * scripts is in flight, so the count is exact), which also heals a release lost to a timeout.
 * Returns -1 when the epoch changed: the holder's older leases no longer count anywhere.
 */
const SYNC = `
if redis.call('HGET', KEYS[1], '#') ~= ARGV[2] then return -1 end
local held = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local count = tonumber(ARGV[3])
local total = tonumber(redis.call('HGET', KEYS[1], '*') or '0')
if count > 0 then
  local t = redis.call('TIME')
  redis.call('HSET', KEYS[1], ARGV[1], count)
  redis.call('ZADD', KEYS[2], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[4]), ARGV[1])
elseif held > 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
if held ~= count then redis.call('HSET', KEYS[1], '*', math.max(0, total - held + count)) end
local cap = tonumber(ARGV[5])
if count < held and cap > 0 and total >= cap then redis.call('PUBLISH', ARGV[6], held - count) end
return held`;

/** The scripts' sources by name (the bench names EVALSHA calls by their SHA1). */
export const LEASE_SEMAPHORE_SCRIPTS: Readonly<Record<'acquire' | 'release' | 'sync', string>> = { acquire: ACQUIRE, release: RELEASE, sync: SYNC };

type ScriptClient = RedisClient & {
  semaphoreAcquire(...args: Array<string | number>): Promise<[number, string]>;
  semaphoreRelease(...args: Array<string | number>): Promise<number>;
  semaphoreSync(...args: Array<string | number>): Promise<number>;
};

export interface LeaseSemaphoreOptions {
  name: string;
  /** Fully qualified pub/sub channel for "leases were freed". */
  channel: string;
  /** Leases at once over all holders; 0 = no cap (the reservoir alone limits). */
  capacity: number;
  /** A holder that neither acquires, releases nor heartbeats for this long loses its leases. */
  leaseTtlMs: number;
  /** Optional cap on acquisitions per clock minute, over all holders; 0 = off. */
  reservoirPerMinute?: number;
}

export interface Grant {
  granted: number;
  epoch: string;
}

export class LeaseSemaphore {
  /** This replica: random per process, so a restarted replica never inherits a dead one's leases. */
  readonly holderId = randomBytes(9).toString('base64url');
  private readonly client: ScriptClient;
  private readonly keys: [string, string, string];
  private readonly freedListeners: Array<(count: number) => void> = [];
  private readonly pendingReleases = new Map<string, number>();
  private flushScheduled = false;
  private sent = 0;
  private epochsProposed = 0;

  constructor(client: RedisClient, private readonly options: LeaseSemaphoreOptions) {
    const scripted = client as ScriptClient;
    if (typeof scripted.semaphoreAcquire !== 'function') {
      client.defineCommand('semaphoreAcquire', { numberOfKeys: 3, lua: ACQUIRE });
      client.defineCommand('semaphoreRelease', { numberOfKeys: 2, lua: RELEASE });
      client.defineCommand('semaphoreSync', { numberOfKeys: 2, lua: SYNC });
    }
    this.client = scripted;
    const tag = `{semaphore:${options.name}}`;
    this.keys = [`${tag}:held`, `${tag}:holders`, `${tag}:calls`];
  }

  /** Takes up to `want` leases (0: only refresh this holder's expiry and reap dead holders). Rejects when Redis fails. */
  async acquire(want: number): Promise<Grant> {
    const { capacity, leaseTtlMs, reservoirPerMinute = 0, channel } = this.options;
    // Used only if the keys are gone; unique per holder and call, without a random draw per call.
    this.epochsProposed += 1;
    const newEpoch = `${this.holderId}.${this.epochsProposed}`;
    const [granted, epoch] = await this.track(this.client.semaphoreAcquire(...this.keys, this.holderId, want, capacity, leaseTtlMs, newEpoch, reservoirPerMinute, channel));
    return { granted: Number(granted), epoch: String(epoch) };
  }

  /**
   * Gives back one lease of `epoch`. Releases in the same event-loop turn go as one script call.
   * One lost to a Redis failure is healed by the next `sync` (or by the holder's lease TTL).
   */
  release(epoch: string): void {
    this.pendingReleases.set(epoch, (this.pendingReleases.get(epoch) ?? 0) + 1);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flush());
  }

  /** Scripts sent and not answered yet: while any is, the holder's own count is not exact. */
  get inFlight(): number {
    return this.sent + (this.flushScheduled ? 1 : 0);
  }

  /**
   * Heartbeat: tells Redis this holder holds exactly `count` leases of `epoch` and pushes its
   * expiry ahead. Returns false when the epoch is gone (Redis lost the keys).
   */
  async sync(epoch: string, count: number): Promise<boolean> {
    const { capacity, leaseTtlMs, channel } = this.options;
    return (await this.track(this.client.semaphoreSync(this.keys[0], this.keys[1], this.holderId, epoch, count, leaseTtlMs, capacity, channel))) >= 0;
  }

  onFreed(listener: (count: number) => void): void {
    this.freedListeners.push(listener);
  }

  /** Called by the shared state when the "freed" channel speaks. */
  heardFreed(count: number): void {
    for (const listener of this.freedListeners) listener(Number.isFinite(count) ? count : 1);
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = [...this.pendingReleases];
    this.pendingReleases.clear();
    const { capacity, leaseTtlMs, channel } = this.options;
    await Promise.all(batch.map(([epoch, count]) =>
      this.track(this.client.semaphoreRelease(this.keys[0], this.keys[1], this.holderId, count, epoch, leaseTtlMs, capacity, channel)).catch(() => 0)));
  }

  private async track<T>(reply: Promise<T>): Promise<T> {
    this.sent += 1;
    try {
      return await reply;
    } finally {
      this.sent -= 1;
    }
  }
}
