import { GatewayError, ServiceUnavailableError, UpstreamError, UpstreamTimeoutError, UpstreamUnreachableError } from '@app/common';
import { CredentialRevokedError, type Cooldown } from '@app/auth';
import { IneligibleTierError, OnboardingTimeoutError, ProjectRequiredError, ValidationRequiredError } from './onboarding-errors';

export interface FailoverDecision {
  /** Try again (on another account) if attempts and time remain. */
  retry: boolean;
  /** Metric/reason label. */
  reason: string;
  /** What to record for the account; `scope: 'model'` cools only this account × model. */
  cooldown?: Omit<Cooldown, 'until'> & { durationMs: number; scope: 'model' | 'account' };
}

const AUTH_COOLDOWN_MS = 30_000;
const PERMISSION_COOLDOWN_MS = 5 * 60_000;
const DISABLED_MS = 7 * 24 * 3_600_000;
const DEFAULT_RATE_LIMIT_MS = 60_000;
const DEFAULT_CAPACITY_MS = 5_000;

/**
 * Reads a failed call the way Gemini CLI reads Google's signals (wire spec §3.3) and says what to
 * do: which account to cool down or disable, and whether another account may succeed.
 */
export function assessFailure(error: unknown, options: { serverErrorCooldownMs: number; now?: number }): FailoverDecision {
  if (error instanceof UpstreamError) {
    const delay = error.retryDelayMs;
    const message = error.message;
    switch (error.errorClass) {
      case 'rate-limited':
        return { retry: true, reason: 'rate_limited', cooldown: { class: 'rate_limited', durationMs: delay ?? DEFAULT_RATE_LIMIT_MS, scope: 'model', message } };
      case 'daily-quota':
        return { retry: true, reason: 'daily_quota', cooldown: { class: 'daily_quota', durationMs: delay ?? untilPacificMidnight(options.now ?? Date.now()), scope: 'model', message } };
      case 'capacity':
        return { retry: true, reason: 'capacity', cooldown: { class: 'capacity', durationMs: delay ?? DEFAULT_CAPACITY_MS, scope: 'model', message, soft: true } };
      case 'server':
        return { retry: true, reason: 'server', cooldown: { class: 'server', durationMs: options.serverErrorCooldownMs, scope: 'model', message, soft: true } };
      case 'permission':
        return { retry: true, reason: 'permission', cooldown: { class: 'permission', durationMs: PERMISSION_COOLDOWN_MS, scope: 'account', message } };
      default:
        return { retry: false, reason: error.errorClass ?? 'other' }; // 400, 404: another account would say the same
    }
  }
  if (error instanceof ValidationRequiredError) {
    return { retry: true, reason: 'validation_required', cooldown: { class: 'validation_required', durationMs: DISABLED_MS, scope: 'account', message: error.message, link: error.validationUrl, disabled: true } };
  }
  if (error instanceof ProjectRequiredError || error instanceof IneligibleTierError) {
    return { retry: true, reason: 'ineligible', cooldown: { class: 'ineligible', durationMs: DISABLED_MS, scope: 'account', message: error.message, disabled: true } };
  }
  if (error instanceof CredentialRevokedError) {
    return { retry: true, reason: 'revoked', cooldown: { class: 'revoked', durationMs: DISABLED_MS, scope: 'account', message: error.message, disabled: true } };
  }
  if (error instanceof OnboardingTimeoutError) return { retry: true, reason: 'onboarding', cooldown: { class: 'server', durationMs: AUTH_COOLDOWN_MS, scope: 'account', message: error.message } };
  if (error instanceof ServiceUnavailableError && error.openaiCode === 'google_unauthenticated') {
    return { retry: true, reason: 'auth', cooldown: { class: 'auth', durationMs: AUTH_COOLDOWN_MS, scope: 'account', message: error.message } };
  }
  if (error instanceof UpstreamTimeoutError || error instanceof UpstreamUnreachableError) return { retry: true, reason: error instanceof UpstreamTimeoutError ? 'timeout' : 'network' };
  if (error instanceof ServiceUnavailableError && error.openaiCode === 'google_token_refresh_failed') return { retry: true, reason: 'token_refresh' };
  return { retry: false, reason: error instanceof GatewayError ? (error.openaiCode ?? 'other') : 'other' };
}

/** Google's daily quotas reset at midnight Pacific time. */
export function untilPacificMidnight(now: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', hour12: false, hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(now));
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0) % 24;
  const elapsedToday = ((value('hour') * 60 + value('minute')) * 60 + value('second')) * 1000;
  return Math.max(60_000, 24 * 3_600_000 - elapsedToday);
}
