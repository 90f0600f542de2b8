import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayMetrics, MetricsServer, SharedState, SharedStateEvents, type GatewayConfig } from '@app/common';
import { AccessTokenService, CredentialPool, CredentialStore } from '@app/auth';
import { UpstreamLimiter } from '@app/upstream';

/**
 * Connects components to the metrics declared in libs/common/src/metrics/metrics.ts: event
 * listeners for what happens (refreshes, limiter waits, Redis commands) and scrape-time reads for
 * what is (limiter occupancy, shared-state mode, credential states).
 */
@Injectable()
export class MetricsBinder implements OnModuleInit {
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly server: MetricsServer,
    private readonly limiter: UpstreamLimiter,
    private readonly tokens: AccessTokenService,
    private readonly credentials: CredentialStore,
    private readonly pool: CredentialPool,
    private readonly state: SharedState,
    private readonly stateEvents: SharedStateEvents,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    const { metrics } = this;
    metrics.limiterMaxConcurrent.set(this.config.limiter.maxConcurrent);
    this.tokens.onRefresh((credential, result) => metrics.tokenRefreshes.inc({ credential: credential.label, result }));
    this.limiter.onWait((waitedMs) => metrics.limiterQueueWait.observe(waitedMs / 1000));
    this.limiter.onReject((reason) => metrics.limiterRejections.inc({ reason }));
    this.stateEvents.onCommand((durationMs, ok) => {
      metrics.redisCommandDuration.observe(durationMs / 1000);
      if (!ok) metrics.redisErrors.inc();
    });
    // Every series exists from the first scrape (dashboards and alerts need zeros, not gaps).
    for (const reason of ['queue_full', 'queue_timeout']) metrics.limiterRejections.inc({ reason }, 0);
    metrics.redisErrors.inc(0);
    for (const credential of this.credentials.all) {
      for (const result of ['success', 'failure', 'revoked']) metrics.tokenRefreshes.inc({ credential: credential.label, result }, 0);
    }
    this.server.onScrape(() => this.refreshGauges());
  }

  private refreshGauges(): void {
    const { metrics } = this;
    const limiter = this.limiter.stats();
    metrics.limiterRunning.set(limiter.running);
    metrics.limiterQueued.set(limiter.queued);
    const mode = this.state.mode();
    for (const candidate of ['local', 'redis', 'degraded']) metrics.sharedStateMode.set({ mode: candidate }, candidate === mode ? 1 : 0);
    metrics.redisUp.set(this.config.redis && mode === 'redis' ? 1 : 0);
    for (const credential of this.credentials.all) {
      const state = this.pool.stateOf(credential);
      for (const candidate of ['active', 'cooling_down', 'disabled', 'onboarding']) metrics.credentialState.set({ credential: credential.label, state: candidate }, candidate === state ? 1 : 0);
    }
  }
}
