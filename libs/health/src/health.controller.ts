import { Controller, Get, HttpCode } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { AccessTokenService, CredentialStore, Public } from '@app/auth';
import { SharedState } from '@app/common';
import { DrainState } from './drain-state';

/**
 * Probes. `/health/live` answers from the process alone: nothing external (Redis, Google) may
 * restart a pod. `/health/ready` says whether this replica should get traffic: not draining, a
 * usable Google credential loaded, shared state reachable or consciously degraded (reported). Google's quota running out does not flip readiness, or every
 * replica would leave the load balancer at once. `/health` keeps the original's body.
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly drain: DrainState,
    private readonly credentials: CredentialStore,
    private readonly tokens: AccessTokenService,
    private readonly state: SharedState,
  ) {}

  @Get()
  @HttpCode(200)
  legacy(): { status: string; service: string } {
    return { status: 'healthy', service: 'geminicli2api' };
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) })]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => {
        const session = this.indicators.check('lifecycle');
        return this.drain.isDraining ? session.down({ message: 'shutting down' }) : session.up();
      },
      () => {
        const session = this.indicators.check('credentials');
        const usable = this.credentials.all.filter((credential) => !this.tokens.isRevoked(credential.id)).length;
        return usable > 0
          ? session.up({ usable, total: this.credentials.all.length })
          : session.down({ usable, total: this.credentials.all.length, message: this.credentials.all.length === 0 ? 'no Google credential loaded' : 'every Google credential was revoked' });
      },
      () => {
        // Degraded (Redis unreachable) is a conscious mode that keeps serving on local state, so it
        // stays "up": taking every replica out of the load balancer because Redis blinked would be
        // the outage we are avoiding. The mode is reported for operators and `doctor`.
        const mode = this.state.mode();
        return this.indicators.check('sharedState').up({ mode });
      },
    ]);
  }
}
