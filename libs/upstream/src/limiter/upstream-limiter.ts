import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayError, RedisSharedState, SharedState, type GatewayConfig, type LeaseSemaphore } from '@app/common';
import { WaiterQueue, type Waiter } from './waiter-queue';

export interface LimiterSlot {
  /** Frees the slot; safe to call more than once. */
  release(): void;
  waitedMs: number;
}

export class LimiterRejectedError extends GatewayError {
  constructor(readonly reason: 'queue_full' | 'queue_timeout', message: string, retryAfterSeconds: number) {
    super(message, { httpStatus: 429, googleStatus: 'RESOURCE_EXHAUSTED', openaiType: 'rate_limit_error', openaiCode: `gateway_${reason}`, retryAfterSeconds });
  }
}

export type LimiterMode = 'off' | 'local' | 'cluster' | 'degraded';

/** Where a granted slot came from: the cluster semaphore (with its epoch) or this replica's share. */
interface Grant {
  mode: LimiterMode;
  epoch?: string;
}

const NO_SLOT: LimiterSlot = { release: () => undefined, waitedMs: 0 };
/** After a failed Redis call the limiter stays on the local share this long before trying Redis again. */
const CLUSTER_BACKOFF_MS = 1_000;

/**
 * The cap on in-flight upstream generation calls (UPSTREAM_MAX_CONCURRENT):
 * - with Redis, a lease semaphore shared by all replicas (@app/common LeaseSemaphore): one script
 *   to acquire, one to release; waiters on any replica are woken by a pub/sub "freed" message;
 * - without Redis, a counter in this process; while Redis is unreachable, the same counter with
 *   REDIS_DEGRADED_SHARE of the cap.
 * A slot is held for the whole call (a stream until its last byte) and released on finish, error
 * or client disconnect. Each replica queues at most UPSTREAM_QUEUE_MAX requests, first in first
 * out, each for at most UPSTREAM_QUEUE_TIMEOUT_MS; beyond that the caller gets 429 with Retry-After.
 * Leases of a replica that died expire LIMITER_CLIENT_TIMEOUT_MS after its last heartbeat and are
 * reclaimed by the next acquire on any replica (a waiting replica retries once per heartbeat).
 */
@Injectable()
export class UpstreamLimiter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('limiter');
  private semaphore?: LeaseSemaphore;
  private readonly queue = new WaiterQueue<Grant>();
  private localRunning = 0;
  private readonly localWindow = { startedAt: 0, calls: 0 };
  private readonly clusterHeld = new Map<string, number>();
  private currentEpoch?: string;
  private clusterBackoffUntil = 0;
  private freedHeard = 0;
  private pumping = false;
  private pumpAgain = false;
  private heartbeat?: NodeJS.Timeout;
  private askingTogether: Array<(grant: Grant | undefined) => void> = [];
  private lastSyncedHeld = -1;
  private readonly waitListeners: Array<(waitedMs: number, mode: LimiterMode) => void> = [];
  private readonly rejectListeners: Array<(reason: string) => void> = [];

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig, private readonly state: SharedState) {}

  get enabled(): boolean {
    return this.config.limiter.maxConcurrent > 0 || this.config.limiter.reservoirPerMinute > 0;
  }

  onWait(listener: (waitedMs: number, mode: LimiterMode) => void): void {
    this.waitListeners.push(listener);
  }

  onReject(listener: (reason: string) => void): void {
    this.rejectListeners.push(listener);
  }

  /** Slots this replica holds and requests it has queued. */
  stats(): { running: number; queued: number; mode: LimiterMode } {
    let running = this.localRunning;
    for (const count of this.clusterHeld.values()) running += count;
    return { running, queued: this.queue.length, mode: this.mode() };
  }

  mode(): LimiterMode {
    if (!this.enabled) return 'off';
    if (!this.config.redis) return 'local';
    return this.useCluster() ? 'cluster' : 'degraded';
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled || !this.config.redis || !(this.state instanceof RedisSharedState)) return;
    const { maxConcurrent, clientTimeoutMs, reservoirPerMinute } = this.config.limiter;
    this.semaphore = this.state.leaseSemaphore({ name: 'upstream', capacity: maxConcurrent, leaseTtlMs: clientTimeoutMs, reservoirPerMinute });
    this.semaphore.onFreed(() => {
      this.freedHeard += 1;
      this.pump();
    });
    this.heartbeat = setInterval(() => this.beat(), Math.min(1_000, Math.floor(clientTimeoutMs / 3)));
    this.heartbeat.unref();
  }

  async acquire(signal?: AbortSignal): Promise<LimiterSlot> {
    if (!this.enabled) return NO_SLOT;
    if (signal?.aborted) throw abortReason(signal);
    const started = performance.now();
    if (this.queue.length === 0) {
      const freedBefore = this.freedHeard;
      const grant = this.semaphore ? await this.takeWithOthers() : (await this.take(1))[0];
      if (signal?.aborted) {
        // The client left while we asked: nobody will release this slot, so give it back now.
        if (grant) this.giveBack(grant);
        throw abortReason(signal);
      }
      if (grant) return this.slot(grant, started);
      // A slot freed while we asked: the "freed" push found no one queued yet, so look again.
      if (this.freedHeard !== freedBefore) queueMicrotask(() => this.pump());
    }
    return this.enqueue(started, signal);
  }

  private enqueue(started: number, signal?: AbortSignal): Promise<LimiterSlot> {
    const { queueTimeoutMs, maxConcurrent, queueMax } = this.config.limiter;
    if (this.queue.length >= queueMax) {
      this.report('queue_full');
      return Promise.reject(new LimiterRejectedError('queue_full', `The gateway's upstream limiter queue is full (UPSTREAM_QUEUE_MAX=${queueMax} waiting, UPSTREAM_MAX_CONCURRENT=${maxConcurrent} in flight). Retry shortly.`, 1));
    }
    return new Promise<LimiterSlot>((resolve, reject) => {
      const giveUp = (error: Error, queued = true): void => {
        if (waiter.settled) return;
        waiter.settled = true;
        if (queued) this.queue.forget();
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      };
      const waiter: Waiter<Grant> = {
        settled: false,
        grant: (grant) => {
          waiter.settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(this.slot(grant, started));
        },
        fail: (error) => giveUp(error, false),
      };
      const timer = setTimeout(() => {
        this.report('queue_timeout');
        giveUp(new LimiterRejectedError('queue_timeout', `The gateway's upstream limiter is saturated: no slot freed within UPSTREAM_QUEUE_TIMEOUT_MS (${queueTimeoutMs} ms) with UPSTREAM_MAX_CONCURRENT=${maxConcurrent} calls in flight. Retry shortly.`, Math.max(1, Math.ceil(queueTimeoutMs / 10_000))));
      }, queueTimeoutMs);
      const onAbort = (): void => giveUp(abortReason(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /**
   * One slot, asked for together with every other request that arrives in the same event-loop
   * turn: one acquire script for all of them (under load, many requests' sockets are read in one
   * turn), at the cost of a setImmediate hop. Resolves undefined when no slot is free.
   */
  private takeWithOthers(): Promise<Grant | undefined> {
    return new Promise((resolve) => {
      this.askingTogether.push(resolve);
      if (this.askingTogether.length > 1) return;
      setImmediate(() => {
        const asking = this.askingTogether;
        this.askingTogether = [];
        this.take(asking.length).then(
          (grants) => asking.forEach((answer, index) => answer(grants[index])),
          () => asking.forEach((answer) => answer(undefined)),
        );
      });
    });
  }

  /** Hands slots to queued waiters, oldest first, for as long as slots come. One pump at a time. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    if (this.queue.length === 0) return;
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          while (this.queue.length > 0) {
            const grants = await this.take(this.queue.length);
            // Waiters that gave up during the call leave grants over: hand them straight back.
            for (const grant of grants) if (!this.queue.grantNext(grant)) this.giveBack(grant);
            if (grants.length === 0) break;
          }
        } while (this.pumpAgain && this.queue.length > 0);
      } catch (error) {
        this.logger.error({ msg: 'limiter pump failed', error: (error as Error).message });
      } finally {
        this.pumping = false;
      }
    })();
  }

  /** Up to `want` slots: from the cluster semaphore when Redis is usable, else from the local share. */
  private async take(want: number): Promise<Grant[]> {
    if (this.semaphore && this.useCluster()) {
      try {
        const { granted, epoch } = await this.semaphore.acquire(want);
        if (granted > 0) {
          this.currentEpoch = epoch;
          this.lastSyncedHeld = -1;
          this.clusterHeld.set(epoch, (this.clusterHeld.get(epoch) ?? 0) + granted);
        }
        return Array.from({ length: granted }, () => ({ mode: 'cluster', epoch }));
      } catch (error) {
        // Redis failed under us: go on the degraded local share instead of failing the request.
        this.clusterBackoffUntil = Date.now() + CLUSTER_BACKOFF_MS;
        this.logger.debug({ msg: 'cluster limiter unavailable, using the local share', error: (error as Error).message });
      }
    }
    const mode: LimiterMode = this.config.redis ? 'degraded' : 'local';
    const count = Math.min(want, this.localRoom());
    this.localRunning += count;
    if (this.config.limiter.reservoirPerMinute > 0) this.localWindow.calls += count;
    return Array.from({ length: count }, () => ({ mode }));
  }

  private localRoom(): number {
    const { maxConcurrent, reservoirPerMinute } = this.config.limiter;
    const share = this.config.redis ? this.config.redis.degradedShare : 1;
    let room = maxConcurrent > 0 ? Math.max(1, Math.ceil(maxConcurrent * share)) - this.localRunning : Number.POSITIVE_INFINITY;
    if (reservoirPerMinute > 0) {
      const minute = Math.floor(Date.now() / 60_000);
      if (this.localWindow.startedAt !== minute) Object.assign(this.localWindow, { startedAt: minute, calls: 0 });
      room = Math.min(room, Math.max(1, Math.ceil(reservoirPerMinute * share)) - this.localWindow.calls);
    }
    return Math.max(0, room);
  }

  private slot(grant: Grant, started: number): LimiterSlot {
    const waitedMs = performance.now() - started;
    for (const listener of this.waitListeners) listener(waitedMs, grant.mode);
    let released = false;
    return {
      waitedMs,
      release: () => {
        if (released) return;
        released = true;
        this.giveBack(grant);
      },
    };
  }

  private giveBack(grant: Grant): void {
    if (grant.epoch === undefined) {
      this.localRunning -= 1;
      this.pump();
      return;
    }
    const held = (this.clusterHeld.get(grant.epoch) ?? 1) - 1;
    if (held > 0) this.clusterHeld.set(grant.epoch, held);
    else this.clusterHeld.delete(grant.epoch);
    // Batched per event-loop turn; other replicas hear "freed" if the semaphore was full.
    this.semaphore?.release(grant.epoch);
  }

  private useCluster(): boolean {
    return this.state.mode() === 'redis' && Date.now() >= this.clusterBackoffUntil;
  }

  /**
   * Per replica, not per request: keeps this replica's leases alive (and tells Redis its exact
   * count when no script of ours is in flight), and retries for queued waiters in case a "freed"
   * push was missed (a reconnect) or a dead replica's leases are due to be reaped.
   */
  private beat(): void {
    const semaphore = this.semaphore;
    if (!semaphore || !this.useCluster()) return this.pump();
    const epoch = this.currentEpoch;
    const held = epoch === undefined ? 0 : this.clusterHeld.get(epoch) ?? 0;
    // Quiet and holding nothing, with Redis told so: nothing to say.
    if (epoch !== undefined && semaphore.inFlight === 0 && (held > 0 || this.lastSyncedHeld !== 0)) {
      this.lastSyncedHeld = held;
      semaphore.sync(epoch, held)
        .then((known) => { if (!known && this.currentEpoch === epoch) this.currentEpoch = undefined; })
        .catch(() => undefined);
    }
    this.pump();
  }

  private report(reason: string): void {
    for (const listener of this.rejectListeners) listener(reason);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const waiter of this.queue.drain()) waiter.fail(new Error('the gateway is shutting down'));
  }
}

function abortReason(signal?: AbortSignal): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error('client disconnected');
}
