import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { GATEWAY_CONFIG, GatewayError, SharedState, redisClientOptions, type GatewayConfig } from '@app/common';
import { RecoveringIORedisConnection, reapDeadLimiterClients } from './bottleneck-redis';

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

const NO_SLOT: LimiterSlot = { release: () => undefined, waitedMs: 0 };
const REAP_INTERVAL_MS = 2_000;

/**
 * The cap on in-flight upstream generation calls (UPSTREAM_MAX_CONCURRENT), with bottleneck:
 * - clustered on Redis when REDIS_URL is set: the cap holds for all replicas together;
 * - local otherwise, and — while Redis is unreachable — local with REDIS_DEGRADED_SHARE of the cap.
 * A slot is held for the whole call (a stream until its last byte) and released on finish, error
 * or client disconnect. Each replica queues at most UPSTREAM_QUEUE_MAX requests, each for at most
 * UPSTREAM_QUEUE_TIMEOUT_MS; beyond that the caller gets 429 with Retry-After.
 * Slots held by a replica that died are reclaimed within LIMITER_CLIENT_TIMEOUT_MS + 3 s.
 */
@Injectable()
export class UpstreamLimiter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('limiter');
  private readonly limiterId: string;
  private clusterClient?: Redis;
  private connection?: RecoveringIORedisConnection;
  private cluster?: Bottleneck;
  private local?: Bottleneck;
  private reaper?: NodeJS.Timeout;
  private runningHere = 0;
  private queuedHere = 0;
  private readonly waitListeners: Array<(waitedMs: number, mode: LimiterMode) => void> = [];
  private readonly rejectListeners: Array<(reason: string) => void> = [];

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig, private readonly state: SharedState) {
    this.limiterId = `${config.redis?.keyPrefix ?? ''}upstream`;
  }

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
    return { running: this.runningHere, queued: this.queuedHere, mode: this.mode() };
  }

  mode(): LimiterMode {
    if (!this.enabled) return 'off';
    if (!this.config.redis) return 'local';
    return this.useCluster() ? 'cluster' : 'degraded';
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled) return;
    const { maxConcurrent } = this.config.limiter;
    const share = this.config.redis ? this.config.redis.degradedShare : 1;
    this.local = new Bottleneck({ ...this.commonOptions(), maxConcurrent: maxConcurrent > 0 ? Math.max(1, Math.ceil(maxConcurrent * share)) : null });
    this.local.on('error', (error: Error) => this.logger.error({ msg: 'local limiter error', error: error.message }));
    if (!this.config.redis) return;
    // Its own connection (no key prefix: bottleneck names its keys b_<id>_…, and <id> carries our prefix).
    this.clusterClient = new Redis(this.config.redis.url, { ...redisClientOptions({ commandTimeoutMs: this.config.redis.commandTimeoutMs }) });
    this.clusterClient.on('error', () => undefined); // outages are reported once, by the shared state
    const connection = new RecoveringIORedisConnection({ client: this.clusterClient });
    connection.on('error', () => undefined);
    this.connection = connection;
    this.cluster = new Bottleneck({
      ...this.commonOptions(),
      id: this.limiterId,
      datastore: 'ioredis',
      connection,
      clearDatastore: false,
      maxConcurrent: maxConcurrent > 0 ? maxConcurrent : null,
      heartbeatInterval: 1_000,
      clientTimeout: this.config.limiter.clientTimeoutMs,
    });
    // Always attach an error listener: bottleneck emits 'error' for heartbeat failures while Redis is down.
    this.cluster.on('error', (error: Error) => this.logger.debug({ msg: 'cluster limiter error', error: error.message }));
    this.reaper = setInterval(() => {
      if (this.clusterClient?.status !== 'ready') return;
      reapDeadLimiterClients(this.clusterClient, this.limiterId, this.config.limiter.clientTimeoutMs)
        .then((reaped) => { if (reaped > 0) this.logger.warn({ msg: 'reclaimed the slots of a replica that stopped heartbeating', slots: reaped }); })
        .catch(() => undefined);
    }, REAP_INTERVAL_MS);
    this.reaper.unref();
  }

  async acquire(signal?: AbortSignal): Promise<LimiterSlot> {
    if (!this.enabled) return NO_SLOT;
    if (this.cluster && this.useCluster()) {
      try {
        return await this.schedule(this.cluster, 'cluster', signal);
      } catch (error) {
        if (error instanceof LimiterRejectedError || signal?.aborted) throw error;
        // Redis failed under us: this request goes on the degraded local share instead of failing.
        this.logger.debug({ msg: 'cluster limiter unavailable, using the local share', error: (error as Error).message });
      }
    }
    return this.schedule(this.local as Bottleneck, this.config.redis ? 'degraded' : 'local', signal);
  }

  private useCluster(): boolean {
    return this.state.mode() === 'redis' && this.clusterClient?.status === 'ready';
  }

  private commonOptions(): Bottleneck.ConstructorOptions {
    const { queueMax, reservoirPerMinute } = this.config.limiter;
    return {
      highWater: queueMax,
      strategy: Bottleneck.strategy.OVERFLOW,
      ...(reservoirPerMinute > 0 ? { reservoir: reservoirPerMinute, reservoirRefreshAmount: reservoirPerMinute, reservoirRefreshInterval: 60_000 } : {}),
    };
  }

  private schedule(limiter: Bottleneck, mode: LimiterMode, signal?: AbortSignal): Promise<LimiterSlot> {
    const started = performance.now();
    const { queueTimeoutMs, maxConcurrent, queueMax } = this.config.limiter;
    return new Promise<LimiterSlot>((resolve, reject) => {
      let gaveUp = false;
      let inQueue = true;
      let finish: () => void = () => undefined;
      const done = new Promise<void>((resolveDone) => (finish = resolveDone));
      this.queuedHere += 1;
      const leaveQueue = (): void => {
        if (!inQueue) return;
        inQueue = false;
        this.queuedHere -= 1;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const giveUp = (error: Error): void => {
        gaveUp = true;
        leaveQueue();
        finish(); // if the job still starts later, it ends at once and hands the slot back
        reject(error);
      };
      const timer = setTimeout(() => {
        this.report('queue_timeout');
        giveUp(new LimiterRejectedError('queue_timeout', `The gateway's upstream limiter is saturated: no slot freed within UPSTREAM_QUEUE_TIMEOUT_MS (${queueTimeoutMs} ms) with UPSTREAM_MAX_CONCURRENT=${maxConcurrent} calls in flight. Retry shortly.`, Math.max(1, Math.ceil(queueTimeoutMs / 10_000))));
      }, queueTimeoutMs);
      const onAbort = (): void => giveUp(signal?.reason instanceof Error ? signal.reason : new Error('client disconnected'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      limiter.schedule(() => {
        if (gaveUp) return Promise.resolve();
        leaveQueue();
        this.runningHere += 1;
        let released = false;
        const waitedMs = performance.now() - started;
        for (const listener of this.waitListeners) listener(waitedMs, mode);
        resolve({
          waitedMs,
          release: () => {
            if (released) return;
            released = true;
            this.runningHere -= 1;
            finish();
          },
        });
        return done;
      }).catch((error: Error) => {
        if (gaveUp || !inQueue) return;
        if (/dropped/i.test(error.message)) {
          this.report('queue_full');
          giveUp(new LimiterRejectedError('queue_full', `The gateway's upstream limiter queue is full (UPSTREAM_QUEUE_MAX=${queueMax} waiting, UPSTREAM_MAX_CONCURRENT=${maxConcurrent} in flight). Retry shortly.`, 1));
        } else {
          giveUp(error);
        }
      });
    });
  }

  private report(reason: string): void {
    for (const listener of this.rejectListeners) listener(reason);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    await this.local?.stop({ dropWaitingJobs: true }).catch(() => undefined);
    await Promise.resolve(this.cluster?.disconnect(false)).catch(() => undefined);
    // A connection passed to bottleneck is ours to close (its subscriber too), or it keeps the process alive.
    await Promise.resolve(this.connection?.disconnect(false)).catch(() => undefined);
    this.clusterClient?.disconnect();
  }
}
