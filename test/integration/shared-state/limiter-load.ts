import { setTimeout as sleep } from 'node:timers/promises';
import { RedisSharedState, loadConfig, type GatewayConfig } from '@app/common';
import { UpstreamLimiter, type LimiterMode } from '@app/upstream';

/** One in-process "replica": its own Redis connections, its own limiter. */
export interface LimiterReplica {
  limiter: UpstreamLimiter;
  state: RedisSharedState;
  /** Grants by mode since the last `resetCounts`. */
  grants: Record<string, number>;
  close(): Promise<void>;
}

export async function startLimiterReplica(env: Record<string, string>): Promise<LimiterReplica> {
  const config: GatewayConfig = loadConfig({ GEMINI_AUTH_PASSWORD: 'unused-in-these-tests', LOG_LEVEL: 'silent', ...env });
  if (!config.redis) throw new Error('these tests need a Redis setting');
  const state = new RedisSharedState({ connection: config.redis.connection, keyPrefix: config.redis.keyPrefix, commandTimeoutMs: config.redis.commandTimeoutMs });
  const limiter = new UpstreamLimiter(config, state);
  const grants: Record<string, number> = {};
  limiter.onWait((_waitedMs, mode: LimiterMode) => (grants[mode] = (grants[mode] ?? 0) + 1));
  await state.waitUntilReady(10_000);
  await limiter.onModuleInit();
  return {
    limiter,
    state,
    grants,
    close: async () => {
      await limiter.onApplicationShutdown();
      await state.close();
    },
  };
}

/** Workers that take a slot, hold it a few ms, give it back, and record the most held at once. */
export class SlotLoad {
  held = 0;
  maxHeld = 0;
  completed = 0;
  readonly failures: string[] = [];
  private running = false;
  private workers: Array<Promise<void>> = [];

  constructor(private readonly replicas: LimiterReplica[], private readonly holdMs: () => number) {}

  start(workersPerReplica: number): void {
    this.running = true;
    for (const replica of this.replicas) {
      for (let index = 0; index < workersPerReplica; index += 1) this.workers.push(this.work(replica));
    }
  }

  resetMax(): void {
    this.maxHeld = this.held;
    for (const replica of this.replicas) for (const mode of Object.keys(replica.grants)) delete replica.grants[mode];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
    this.workers = [];
  }

  private async work(replica: LimiterReplica): Promise<void> {
    while (this.running) {
      try {
        const slot = await replica.limiter.acquire();
        this.held += 1;
        this.maxHeld = Math.max(this.maxHeld, this.held);
        await sleep(this.holdMs());
        this.held -= 1;
        this.completed += 1;
        slot.release();
      } catch (error) {
        this.failures.push((error as Error).message);
        await sleep(5);
      }
    }
  }
}
