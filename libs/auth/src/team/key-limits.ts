import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  GATEWAY_CONFIG, GatewayError, GatewayMetrics, RedisSharedState, SharedState, currentRequest,
  type ClientKeyPolicy, type GatewayConfig,
} from '@app/common';
import { globMatcher } from './keys-file';
import { RedisTeamStore } from './redis-team-store';
import { MemoryTeamStore, USAGE_METRICS, type AdmitResult, type TeamStore, type UsageRow } from './team-store';

const LEASE_TTL_MS = 60_000;
const LEASE_REFRESH_MS = 20_000;
/** Usage rows are summed in memory and written this often (and at shutdown): no Redis write per request. */
export const USAGE_FLUSH_MS = 5_000;

/** What one admitted request still has to report once Google answered (or did not). */
export interface Admission {
  settle(outcome: SettleOutcome): void;
}

export interface SettleOutcome {
  /** The model that served (after any fallback). */
  model: string;
  /** Whether the request reached Google (limits of our own that refused it do not count). */
  sentToGoogle: boolean;
  failed: boolean;
  usage?: { promptTokens: number; completionTokens: number; reasoningTokens: number };
}

export class KeyPolicyError extends GatewayError {
  constructor(message: string, options: { httpStatus: 403 | 429; code: string; retryAfterSeconds?: number }) {
    super(message, {
      httpStatus: options.httpStatus,
      googleStatus: options.httpStatus === 403 ? 'PERMISSION_DENIED' : 'RESOURCE_EXHAUSTED',
      openaiType: options.httpStatus === 403 ? 'permission_error' : 'rate_limit_error',
      openaiCode: options.code,
      retryAfterSeconds: options.retryAfterSeconds,
    });
  }
}

/**
 * Per-key policy (keys file) enforced the same on every replica, and usage kept for every key.
 * Before the call: one round trip (model allow-list and expiry are local). After it: one round trip
 * that frees the concurrency lease, charges tokens and adds the usage row. With Redis down the
 * in-process twin keeps serving, per replica, and says so once.
 */
@Injectable()
export class KeyLimits implements OnModuleDestroy {
  private readonly logger = new Logger('key-limits');
  private readonly local = new MemoryTeamStore();
  private readonly redis?: RedisTeamStore;
  private readonly held = new Map<string, Set<string>>();
  private readonly timer: NodeJS.Timeout;
  private readonly flushTimer: NodeJS.Timeout;
  private pendingUsage = new Map<string, UsageRow>();
  private degraded = false;
  private readonly matchers = new WeakMap<ClientKeyPolicy, (model: string) => boolean>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly metrics: GatewayMetrics,
    sharedState: SharedState,
  ) {
    if (sharedState instanceof RedisSharedState) this.redis = new RedisTeamStore(sharedState.client);
    this.timer = setInterval(() => void this.refreshLeases(), LEASE_REFRESH_MS);
    this.timer.unref();
    this.flushTimer = setInterval(() => void this.flushUsage(), USAGE_FLUSH_MS);
    this.flushTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.flushTimer);
    await this.flushUsage();
  }

  /** Writes the usage summed since the last flush (one pipeline per key × model × day). */
  async flushUsage(): Promise<void> {
    if (this.pendingUsage.size === 0) return;
    const rows = [...this.pendingUsage.values()];
    this.pendingUsage = new Map();
    const retentionMs = this.config.team.usageRetentionDays * 86_400_000;
    for (const row of rows) {
      await this.store((store) => store.settle({ ...row, day: row.date, chargeTokens: 0, retentionMs })).catch(() => undefined);
    }
  }

  /** Checks the caller's key for `requestedModel`; throws 403/429 in the caller's dialect, or admits. */
  async admit(requestedModel: string): Promise<Admission> {
    const context = currentRequest();
    const name = context?.clientKeyName ?? 'none';
    const policy = context?.clientPolicy;
    let lease: string | undefined;
    if (policy) {
      const now = Date.now();
      if (policy.models && !this.allows(policy, requestedModel)) {
        this.metrics.keyLimitRejections.inc({ client: name, reason: 'model' });
        throw new KeyPolicyError(`The API key "${name}" may not use the model ${requestedModel}.`, { httpStatus: 403, code: 'model_not_allowed' });
      }
      if (policy.requestsPerMinute || policy.maxConcurrent || policy.tokensPerDay) {
        const candidate = randomUUID();
        const result = await this.store((store) => store.admit({
          key: name, lease: candidate, now, day: utcDay(now), leaseTtlMs: LEASE_TTL_MS,
          requestsPerMinute: policy.requestsPerMinute, maxConcurrent: policy.maxConcurrent, tokensPerDay: policy.tokensPerDay,
        }));
        if (context) context.responseHeaders = { ...context.responseHeaders, ...rateLimitHeaders(policy, result, now) };
        if (result.verdict !== 'ok') throw this.refusal(name, policy, result, now);
        if (policy.maxConcurrent) {
          lease = candidate;
          this.hold(name, lease);
        }
      }
    }
    let settled = false;
    return {
      settle: (outcome) => {
        if (settled) return;
        settled = true;
        if (lease) this.held.get(name)?.delete(lease);
        const usage = outcome.usage ?? { promptTokens: 0, completionTokens: 0, reasoningTokens: 0 };
        const day = utcDay(Date.now());
        this.addUsage({
          key: name, model: outcome.model, date: day,
          requests: outcome.sentToGoogle ? 1 : 0, errors: outcome.failed ? 1 : 0,
          promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, reasoningTokens: usage.reasoningTokens,
        });
        // What a limit depends on is written at once: the freed lease, the tokens of a budgeted key.
        const chargeTokens = policy?.tokensPerDay ? usage.promptTokens + usage.completionTokens : 0;
        if (!lease && chargeTokens === 0) return;
        void this.store((store) => store.settle({
          key: name, model: outcome.model, day, lease, chargeTokens,
          requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, reasoningTokens: 0,
          retentionMs: this.config.team.usageRetentionDays * 86_400_000,
        })).catch(() => undefined);
      },
    };
  }

  /** Usage rows from `from` to `to` (UTC days, inclusive), aggregated over all replicas. */
  async usage(from: string, to: string, key?: string): Promise<UsageRow[]> {
    return this.store((store) => store.usage(daysBetween(from, to), key));
  }

  private addUsage(delta: UsageRow): void {
    const id = `${delta.key}\t${delta.model}\t${delta.date}`;
    const row = this.pendingUsage.get(id);
    if (!row) {
      this.pendingUsage.set(id, { ...delta });
      return;
    }
    for (const metric of USAGE_METRICS) row[metric] += delta[metric];
  }

  private allows(policy: ClientKeyPolicy, model: string): boolean {
    let matcher = this.matchers.get(policy);
    if (!matcher) {
      matcher = globMatcher(policy.models ?? []);
      this.matchers.set(policy, matcher);
    }
    return matcher(model);
  }

  private refusal(name: string, policy: ClientKeyPolicy, result: AdmitResult, now: number): KeyPolicyError {
    this.metrics.keyLimitRejections.inc({ client: name, reason: result.verdict });
    switch (result.verdict) {
      case 'tokens':
        return new KeyPolicyError(`The API key "${name}" has used its ${policy.tokensPerDay} tokens for today (UTC).`, { httpStatus: 429, code: 'key_tokens_exhausted', retryAfterSeconds: secondsUntilUtcMidnight(now) });
      case 'concurrency':
        return new KeyPolicyError(`The API key "${name}" already has ${policy.maxConcurrent} requests in flight (its maxConcurrent).`, { httpStatus: 429, code: 'key_concurrency_exceeded', retryAfterSeconds: 1 });
      default:
        return new KeyPolicyError(`The API key "${name}" is over its ${policy.requestsPerMinute} requests per minute.`, { httpStatus: 429, code: 'key_rate_limited', retryAfterSeconds: secondsUntil(result.windowFreesAt, now) });
    }
  }

  private hold(name: string, lease: string): void {
    let leases = this.held.get(name);
    if (!leases) {
      leases = new Set();
      this.held.set(name, leases);
    }
    leases.add(lease);
  }

  private async refreshLeases(): Promise<void> {
    const until = Date.now() + LEASE_TTL_MS;
    for (const [name, leases] of this.held) {
      if (leases.size === 0) {
        this.held.delete(name);
        continue;
      }
      await this.store((store) => store.refreshLeases(name, [...leases], until)).catch(() => undefined);
    }
  }

  /** Redis when configured and answering, else the in-process twin (logged once per outage). */
  private async store<T>(work: (store: TeamStore) => Promise<T>): Promise<T> {
    if (!this.redis) return work(this.local);
    try {
      if (!this.redis.ready) throw new Error('Redis is not connected');
      const result = await work(this.redis);
      if (this.degraded) {
        this.degraded = false;
        this.logger.log({ msg: 'per-key limits are cluster-wide again' });
      }
      return result;
    } catch (error) {
      if (!this.degraded) {
        this.degraded = true;
        this.logger.error({ msg: 'Redis unreachable: per-key limits and usage fall back to this replica alone', reason: (error as Error).message });
      }
      return work(this.local);
    }
  }
}

/** OpenAI-style rate-limit headers for a limited key (x-ratelimit-*-requests / -tokens). */
function rateLimitHeaders(policy: ClientKeyPolicy, result: AdmitResult, now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  if (policy.requestsPerMinute) {
    headers['x-ratelimit-limit-requests'] = String(policy.requestsPerMinute);
    headers['x-ratelimit-remaining-requests'] = String(Math.max(0, policy.requestsPerMinute - result.requestsInWindow));
    headers['x-ratelimit-reset-requests'] = `${secondsUntil(result.windowFreesAt, now)}s`;
  }
  if (policy.tokensPerDay) {
    headers['x-ratelimit-limit-tokens'] = String(policy.tokensPerDay);
    headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, policy.tokensPerDay - result.tokensUsed));
    headers['x-ratelimit-reset-tokens'] = `${secondsUntilUtcMidnight(now)}s`;
  }
  return headers;
}

function secondsUntil(at: number | undefined, now: number): number {
  return at === undefined ? 0 : Math.max(1, Math.ceil((at - now) / 1000));
}

let cachedDay = { number: -1, text: '' };

/** `YYYY-MM-DD` of an instant, UTC (cached per day: it is asked on every request). */
export function utcDay(epochMs: number): string {
  const number = Math.floor(epochMs / 86_400_000);
  if (number !== cachedDay.number) cachedDay = { number, text: new Date(number * 86_400_000).toISOString().slice(0, 10) };
  return cachedDay.text;
}

function secondsUntilUtcMidnight(now: number): number {
  const midnight = new Date(now);
  midnight.setUTCHours(24, 0, 0, 0);
  return Math.max(1, Math.ceil((midnight.getTime() - now) / 1000));
}

/** Every UTC day from `from` to `to`, inclusive (at most 366). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= Date.parse(`${to}T00:00:00Z`) && days.length < 366; at += 86_400_000) days.push(utcDay(at));
  return days;
}
