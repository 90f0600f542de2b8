import { MemorySharedState, loadConfig } from '@app/common';
import { LimiterRejectedError, UpstreamLimiter } from './upstream-limiter';

/** The limiter without Redis (local), and with Redis configured but unreachable (degraded share). */
function limiterWith(env: Record<string, string>): UpstreamLimiter {
  const config = loadConfig({ GEMINI_AUTH_PASSWORD: 'client-key-for-tests', ...env });
  // MemorySharedState never reports `redis`, so a configured Redis counts as unreachable.
  return new UpstreamLimiter(config, new MemorySharedState());
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('UpstreamLimiter without a reachable Redis', () => {
  it('hands slots out first in, first out, and one freed slot to exactly one waiter', async () => {
    const limiter = limiterWith({ UPSTREAM_MAX_CONCURRENT: '2' });
    const first = await limiter.acquire();
    await limiter.acquire();
    const order: number[] = [];
    const waiting = [1, 2, 3].map((index) => limiter.acquire().then((slot) => { order.push(index); return slot; }));
    await tick();
    expect(limiter.stats()).toMatchObject({ running: 2, queued: 3, mode: 'local' });
    first.release();
    first.release(); // twice: still one slot back
    await tick();
    expect(order).toEqual([1]);
    (await waiting[0]).release();
    await tick();
    expect(order).toEqual([1, 2]);
    await limiter.onApplicationShutdown();
    await expect(waiting[2]).rejects.toThrow(/shutting down/);
  });

  it('rejects over UPSTREAM_QUEUE_MAX at once and after UPSTREAM_QUEUE_TIMEOUT_MS, with Retry-After', async () => {
    const limiter = limiterWith({ UPSTREAM_MAX_CONCURRENT: '1', UPSTREAM_QUEUE_MAX: '1', UPSTREAM_QUEUE_TIMEOUT_MS: '50' });
    const reasons: string[] = [];
    limiter.onReject((reason) => reasons.push(reason));
    await limiter.acquire();
    const queued = limiter.acquire().catch((error: unknown) => error);
    const full = await limiter.acquire().catch((error: unknown) => error);
    expect(full).toBeInstanceOf(LimiterRejectedError);
    expect((full as LimiterRejectedError).reason).toBe('queue_full');
    const timedOut = await queued;
    expect((timedOut as LimiterRejectedError).reason).toBe('queue_timeout');
    expect((timedOut as LimiterRejectedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(reasons).toEqual(['queue_full', 'queue_timeout']);
    expect(limiter.stats().queued).toBe(0);
  });

  it('lets a client that leaves stop waiting, and skips it when a slot frees', async () => {
    const limiter = limiterWith({ UPSTREAM_MAX_CONCURRENT: '1' });
    const held = await limiter.acquire();
    const controller = new AbortController();
    const leaving = limiter.acquire(controller.signal).catch((error: unknown) => error);
    const staying = limiter.acquire();
    controller.abort(new Error('client left'));
    expect(((await leaving) as Error).message).toBe('client left');
    held.release();
    const slot = await staying;
    expect(limiter.stats()).toMatchObject({ running: 1, queued: 0 });
    slot.release();
  });

  it('allows REDIS_DEGRADED_SHARE of the cap while a configured Redis is unreachable', async () => {
    const limiter = limiterWith({ REDIS_URL: 'redis://127.0.0.1:1', UPSTREAM_MAX_CONCURRENT: '10', REDIS_DEGRADED_SHARE: '0.25', UPSTREAM_QUEUE_TIMEOUT_MS: '50' });
    const modes: string[] = [];
    limiter.onWait((_waitedMs, mode) => modes.push(mode));
    const slots = [await limiter.acquire(), await limiter.acquire(), await limiter.acquire()];
    expect(limiter.mode()).toBe('degraded');
    expect(modes).toEqual(['degraded', 'degraded', 'degraded']);
    // ceil(10 × 0.25) = 3: the fourth waits and times out.
    await expect(limiter.acquire()).rejects.toBeInstanceOf(LimiterRejectedError);
    for (const slot of slots) slot.release();
  });
});
