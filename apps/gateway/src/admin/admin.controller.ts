import { Controller, Get, Headers, Inject } from '@nestjs/common';
import { ClientKeyVerifier, CredentialPool, Public } from '@app/auth';
import { AuthenticationError, GATEWAY_CONFIG, NotFoundError, SharedState, type GatewayConfig } from '@app/common';
import { DrainState } from '@app/health';
import { UpstreamLimiter } from '@app/upstream';

/**
 * `GET /admin/status` for operators: every Google account's label, state, cooldowns, in-flight
 * calls, requests today and last error class, plus the limiter and shared state. Protected by
 * ADMIN_API_KEY (not by client keys); absent when no admin key is configured. No secrets.
 */
@Public()
@Controller('admin')
export class AdminController {
  private readonly verifier?: ClientKeyVerifier;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly pool: CredentialPool,
    private readonly limiter: UpstreamLimiter,
    private readonly state: SharedState,
    private readonly drain: DrainState,
  ) {
    if (config.admin.key) this.verifier = new ClientKeyVerifier([{ name: 'admin', key: config.admin.key }]);
  }

  @Get('status')
  async status(@Headers('authorization') authorization?: string) {
    if (!this.verifier) throw new NotFoundError('The admin endpoint is disabled: set ADMIN_API_KEY to enable /admin/status.');
    // Bearer only: a query string ends up in access logs and a Basic/x-goog-api-key header is what
    // client keys use; the admin key is kept to one form that nothing logs.
    const bearer = /^\s*bearer\s+/i.test(authorization ?? '') ? authorization : undefined;
    if (!this.verifier.identify({ authorization: bearer })) throw new AuthenticationError('The admin endpoint needs ADMIN_API_KEY (Authorization: Bearer <admin key>).');
    const limiter = this.limiter.stats();
    return {
      accounts: await this.pool.status(),
      limiter: { mode: limiter.mode, maxConcurrent: this.config.limiter.maxConcurrent, runningHere: limiter.running, queuedHere: limiter.queued },
      sharedState: { mode: this.state.mode() },
      replica: { draining: this.drain.isDraining, openStreams: this.drain.openStreams, inFlightRequests: this.drain.inFlightRequests },
    };
  }
}
