import { UpstreamError } from '@app/common';
import type { Cooldown } from '@app/auth';
import { ValidationRequiredError } from './onboarding-errors';
import { classifyFailure, type FailureClass } from './failure-class';

/** Who pays for a failure: this request alone, this account × model, or the whole account. */
export type FailureScope = 'request' | 'model' | 'account';

export interface FailoverDecision {
  /** Try again (on another account, or the same once its reset passed) if attempts and time remain. */
  retry: boolean;
  /** The failure class; also the metric/reason label. */
  reason: FailureClass;
  scope: FailureScope;
  /** What to record for the account (for every replica); absent when the account is not to blame. */
  cooldown?: Omit<Cooldown, 'until'> & { durationMs: number };
}

export interface FailoverOptions {
  serverErrorCooldownMs: number;
  now?: number;
}

const AUTH_COOLDOWN_MS = 30_000;
const PERMISSION_COOLDOWN_MS = 5 * 60_000;
const DISABLED_MS = 7 * 24 * 3_600_000;
const DEFAULT_RATE_LIMIT_MS = 60_000;
const DEFAULT_CAPACITY_MS = 5_000;
/**
 * No delay Google names benches an account for longer than its quota horizon: daily quotas reset
 * within a day, so a RetryInfo beyond 24 h ("99999999999s") is treated as 24 h.
 */
export const MAX_COOLDOWN_MS = 24 * 3_600_000;

type Rule = (error: unknown, options: FailoverOptions) => Omit<FailoverDecision, 'reason'>;

const requestOnly: Rule = () => ({ retry: false, scope: 'request' });
const elsewhere: Rule = () => ({ retry: true, scope: 'request' });
const delayOf = (error: unknown): number | undefined => (error instanceof UpstreamError ? error.retryDelayMs : undefined);
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const capped = (ms: number): number => Math.min(MAX_COOLDOWN_MS, Math.max(0, ms));

/**
 * Every failure class → what to do. Reads Google's signals the way Gemini CLI does (docs/upstream.md):
 * quota and capacity cool one account × model; only what the account itself caused (a revoked
 * grant, a missing licence or project, a verification request, a token Google keeps refusing)
 * touches the whole account; what the request caused (400, 404, a 403 about what it asked for,
 * a body we could not encode) fails that request alone and cools nothing.
 */
const RULES: Readonly<Record<FailureClass, Rule>> = {
  rate_limited: (error) => ({ retry: true, scope: 'model', cooldown: { class: 'rate_limited', durationMs: capped(delayOf(error) ?? DEFAULT_RATE_LIMIT_MS), message: messageOf(error) } }),
  daily_quota: (error, options) => ({
    retry: true, scope: 'model',
    cooldown: { class: 'daily_quota', durationMs: capped(delayOf(error) ?? untilPacificMidnight(options.now ?? Date.now())), message: messageOf(error) },
  }),
  capacity: (error) => ({ retry: true, scope: 'model', cooldown: { class: 'capacity', durationMs: capped(delayOf(error) ?? DEFAULT_CAPACITY_MS), message: messageOf(error), soft: true } }),
  server: (error, options) => ({ retry: true, scope: 'model', cooldown: { class: 'server', durationMs: options.serverErrorCooldownMs, message: messageOf(error), soft: true } }),
  // Refused right after a refresh: prefer other accounts for a while, but never lock a one-account gateway out.
  auth: (error) => ({ retry: true, scope: 'account', cooldown: { class: 'auth', durationMs: AUTH_COOLDOWN_MS, message: messageOf(error), soft: true } }),
  permission: (error) => ({ retry: true, scope: 'account', cooldown: { class: 'permission', durationMs: PERMISSION_COOLDOWN_MS, message: messageOf(error) } }),
  validation_required: (error) => ({
    retry: true, scope: 'account',
    cooldown: { class: 'validation_required', durationMs: DISABLED_MS, message: messageOf(error), link: error instanceof ValidationRequiredError ? error.validationUrl : undefined, disabled: true },
  }),
  ineligible: (error) => ({ retry: true, scope: 'account', cooldown: { class: 'ineligible', durationMs: DISABLED_MS, message: messageOf(error), disabled: true } }),
  rejected: (error) => ({ retry: true, scope: 'account', cooldown: { class: 'rejected', durationMs: DISABLED_MS, message: messageOf(error), disabled: true } }),
  revoked: (error) => ({ retry: true, scope: 'account', cooldown: { class: 'revoked', durationMs: DISABLED_MS, message: messageOf(error), disabled: true } }),
  onboarding: (error) => ({ retry: true, scope: 'account', cooldown: { class: 'server', durationMs: AUTH_COOLDOWN_MS, message: messageOf(error) } }),
  timeout: elsewhere,
  network: elsewhere,
  token_refresh: elsewhere,
  forbidden: requestOnly,
  not_found: requestOnly,
  invalid_request: requestOnly,
  local: requestOnly,
  bad_response: requestOnly,
  cancelled: requestOnly,
  other: requestOnly,
};

/** What to do after an attempt failed BEFORE Google accepted the call. After the first byte nothing is retried. */
export function assessFailure(error: unknown, options: FailoverOptions): FailoverDecision {
  const reason = classifyFailure(error);
  return { reason, ...RULES[reason](error, options) };
}

/** Google's daily quotas reset at midnight Pacific time. */
export function untilPacificMidnight(now: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', hour12: false, hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(now));
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  // hour12:false may spell midnight "24".
  const elapsedToday = (((value('hour') % 24) * 60 + value('minute')) * 60 + value('second')) * 1000;
  return Math.max(60_000, 24 * 3_600_000 - elapsedToday);
}
