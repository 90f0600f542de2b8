import { Global, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { GATEWAY_CONFIG } from '../config/config.module';
import type { GatewayConfig } from '../config/config.schema';
import { RedisSharedState, describeRedis } from './redis-shared-state';
import { MemorySharedState, SharedState } from './shared-state';

/** Listeners for shared-state transitions and command timings (metrics plug in here). */
export class SharedStateEvents {
  private readonly transitionListeners: Array<(mode: string, reason?: string) => void> = [];
  private readonly commandListeners: Array<(durationMs: number, ok: boolean) => void> = [];

  onTransition(listener: (mode: string, reason?: string) => void): void {
    this.transitionListeners.push(listener);
  }

  onCommand(listener: (durationMs: number, ok: boolean) => void): void {
    this.commandListeners.push(listener);
  }

  emitTransition(mode: string, reason?: string): void {
    for (const listener of this.transitionListeners) listener(mode, reason);
  }

  emitCommand(durationMs: number, ok: boolean): void {
    for (const listener of this.commandListeners) listener(durationMs, ok);
  }
}

@Global()
@Module({
  providers: [
    SharedStateEvents,
    {
      provide: SharedState,
      inject: [GATEWAY_CONFIG, SharedStateEvents],
      useFactory: (config: GatewayConfig, events: SharedStateEvents): SharedState => {
        if (!config.redis) return new MemorySharedState();
        const logger = new Logger('shared-state');
        const where = describeRedis(config.redis.connection);
        return new RedisSharedState({
          connection: config.redis.connection,
          keyPrefix: config.redis.keyPrefix,
          commandTimeoutMs: config.redis.commandTimeoutMs,
          onTransition: (mode, reason) => {
            // Once per transition, never per command: a Redis outage must be loud but not noisy.
            if (mode === 'degraded') logger.error({ msg: 'Redis unreachable: running degraded on local state (per-replica limiter share, local tokens)', redis: where, reason });
            else logger.log({ msg: 'Redis reachable again: shared state restored', redis: where });
            events.emitTransition(mode, reason);
          },
          onCommand: (durationMs, ok) => events.emitCommand(durationMs, ok),
        });
      },
    },
  ],
  exports: [SharedState, SharedStateEvents],
})
export class SharedStateModule implements OnModuleInit, OnApplicationShutdown {
  constructor(private readonly state: SharedState) {}

  /** Start-up waits briefly for Redis; if it is not there the replica still starts, degraded. */
  async onModuleInit(): Promise<void> {
    if (this.state instanceof RedisSharedState) await this.state.waitUntilReady(3_000);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.state.close();
  }
}
