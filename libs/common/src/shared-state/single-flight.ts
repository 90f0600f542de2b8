import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SharedState } from './shared-state';

export interface SharedSingleFlightOptions<T> {
  state: SharedState;
  /** Where the result lives, and the lock that guards computing it. */
  valueKey: string;
  lockKey: string;
  /** How long one computation may take before another replica may try. */
  lockTtlMs: number;
  pollIntervalMs?: number;
  /** Turns a stored value into a usable one, or undefined when missing/stale. */
  read(raw: string | undefined): T | undefined;
  write(value: T): { raw: string; ttlMs: number };
  compute(): Promise<T>;
  /** Called on every wait round; may throw (e.g. the credential was revoked meanwhile). */
  check?(): Promise<void>;
}

/**
 * Computes a value at most once at a time across every replica: the first to take the lock
 * computes and stores; the others wait for the stored result instead of computing too. A holder
 * that dies lets its lock expire, and a waiter takes over.
 */
export async function sharedSingleFlight<T>(options: SharedSingleFlightOptions<T>): Promise<T> {
  const owner = randomBytes(8).toString('hex');
  const pollIntervalMs = options.pollIntervalMs ?? 50;
  for (;;) {
    const existing = options.read(await options.state.get(options.valueKey));
    if (existing !== undefined) return existing;
    await options.check?.();
    if (await options.state.tryLock(options.lockKey, owner, options.lockTtlMs)) {
      try {
        // Someone may have finished between our read and our lock.
        const late = options.read(await options.state.get(options.valueKey));
        if (late !== undefined) return late;
        const value = await options.compute();
        const { raw, ttlMs } = options.write(value);
        await options.state.set(options.valueKey, raw, ttlMs);
        return value;
      } finally {
        await options.state.unlock(options.lockKey, owner);
      }
    }
    await sleep(pollIntervalMs);
  }
}
