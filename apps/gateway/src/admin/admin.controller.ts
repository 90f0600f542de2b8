import { Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ClientKeyVerifier, CredentialPool, KeyLimits, Public, USAGE_METRICS, utcDay, type AccountStatus, type UsageRow } from '@app/auth';
import { AuthenticationError, GATEWAY_CONFIG, InvalidRequestError, NotFoundError, SharedState, type GatewayConfig } from '@app/common';
import { DrainState } from '@app/health';
import { UpstreamLimiter, UpstreamQuota } from '@app/upstream';

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
    private readonly keyLimits: KeyLimits,
    private readonly quota: UpstreamQuota,
  ) {
    if (config.admin.key) this.verifier = new ClientKeyVerifier([{ name: 'admin', key: config.admin.key }]);
  }

  /**
   * Bearer only: a query string ends up in access logs and a Basic/x-goog-api-key header is what
   * client keys use; the admin key is kept to one form that nothing logs.
   */
  private authorize(authorization: string | undefined, route: string): void {
    if (!this.verifier) throw new NotFoundError(`The admin endpoint is disabled: set ADMIN_API_KEY to enable ${route}.`);
    const bearer = /^\s*bearer\s+/i.test(authorization ?? '') ? authorization : undefined;
    if (!this.verifier.identify({ authorization: bearer })) throw new AuthenticationError('The admin endpoint needs ADMIN_API_KEY (Authorization: Bearer <admin key>).');
  }

  @Get('status')
  async status(@Headers('authorization') authorization?: string) {
    this.authorize(authorization, '/admin/status');
    const limiter = this.limiter.stats();
    const accounts = await this.pool.status();
    return {
      accounts,
      backends: backendSummary(accounts),
      quota: await this.quota.snapshot(),
      limiter: { mode: limiter.mode, maxConcurrent: this.config.limiter.maxConcurrent, runningHere: limiter.running, queuedHere: limiter.queued },
      sharedState: { mode: this.state.mode() },
      replica: { draining: this.drain.isDraining, openStreams: this.drain.openStreams, inFlightRequests: this.drain.inFlightRequests },
    };
  }

  /**
   * `GET /admin/usage?key=&from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv]`: usage per client key × model ×
   * UTC day, summed over every replica. `key` here is a key NAME (the admin key only goes in the
   * Authorization header on this route).
   */
  @Get('usage')
  async usage(@Headers('authorization') authorization: string | undefined, @Query() query: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply) {
    this.authorize(authorization, '/admin/usage');
    const today = utcDay(Date.now());
    const from = dateParam(query.from, 'from') ?? today;
    const to = dateParam(query.to, 'to') ?? today;
    if (from > to) throw new InvalidRequestError('from must not be after to.', { param: 'from' });
    if (Date.parse(to) - Date.parse(from) > 366 * 86_400_000) throw new InvalidRequestError('At most 366 days per query.', { param: 'to' });
    const key = typeof query.key === 'string' && query.key !== '' ? query.key : undefined;
    const rows = await this.keyLimits.usage(from, to, key);
    if (query.format === 'csv') {
      void reply.type('text/csv; charset=utf-8');
      return toCsv(rows);
    }
    return { rows };
  }
}

const COLUMNS: ReadonlyArray<keyof UsageRow> = ['key', 'model', 'date', ...USAGE_METRICS];

function toCsv(rows: readonly UsageRow[]): string {
  const cell = (value: string | number): string => (typeof value === 'number' || /^[\w.@:-]*$/.test(value) ? String(value) : `"${value.replace(/"/g, '""')}"`);
  return [COLUMNS.join(','), ...rows.map((row) => COLUMNS.map((column) => cell(row[column])).join(','))].join('\n') + '\n';
}

function dateParam(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidRequestError(`${name} must be a date as YYYY-MM-DD.`, { param: name });
  }
  return value;
}

/** Per backend (code_assist, gemini_api, vertex): how many credentials, and how many are active now. */
function backendSummary(accounts: AccountStatus[]): Record<string, { credentials: number; active: number; priorities: number[] }> {
  const summary: Record<string, { credentials: number; active: number; priorities: number[] }> = {};
  for (const account of accounts) {
    const entry = (summary[account.backend] ??= { credentials: 0, active: 0, priorities: [] });
    entry.credentials += 1;
    if (account.state === 'active') entry.active += 1;
    if (!entry.priorities.includes(account.priority)) entry.priorities = [...entry.priorities, account.priority].sort((a, b) => a - b);
  }
  return summary;
}
