import { GatewayError, ServiceUnavailableError, UpstreamError } from '@app/common';
import { noUsableAccountMessage, type CredentialPool, type GoogleCredential, type PickResult } from '@app/auth';

type NoAccount = Extract<PickResult, { credential?: undefined }>;

export type Selection =
  | { kind: 'account'; credential: GoogleCredential; release(): void }
  /** No account now, but the earliest is usable within the wait allowance: wait this long, then pick again from all. */
  | { kind: 'wait'; waitMs: number }
  | { kind: 'none'; error: GatewayError };

export interface SelectionBudget {
  /** This attempt's number in the request, from 1 (waits count as attempts). */
  attempt: number;
  maxAttempts: number;
  /** Time left of the request's retry budget. */
  budgetLeftMs: number;
  /** UPSTREAM_WAIT_FOR_RESET_MS: how long a request may wait for an account's reset. */
  waitForResetMs: number;
  /** The last failure of this request, to hand back when no account is left. */
  lastError?: unknown;
  now?: number;
}

/**
 * Which Google account serves the next attempt: one from the pool (not yet tried in this request),
 * or a short wait for the earliest reset, or the error that says why none can.
 */
export class AccountSelection {
  constructor(private readonly pool: Pick<CredentialPool, 'pick' | 'size'>, private readonly adminStatusEnabled = false) {}

  next(model: string, tried: ReadonlySet<string>, budget: SelectionBudget): Selection {
    const pick = this.pool.pick(model, tried);
    if (pick.credential) return { kind: 'account', credential: pick.credential, release: pick.release };
    const now = budget.now ?? Date.now();
    const waitMs = pick.earliestResetMs - now;
    if (Number.isFinite(waitMs) && waitMs <= budget.waitForResetMs && waitMs <= budget.budgetLeftMs && budget.attempt <= budget.maxAttempts) {
      return { kind: 'wait', waitMs: Math.max(0, waitMs) + 10 };
    }
    return { kind: 'none', error: this.noAccountError(model, pick, budget.lastError, now) };
  }

  /** Out of attempts: if no account is usable now, say when the earliest will be, else the last error as is. */
  finalError(model: string, error: unknown): unknown {
    const next = this.pool.pick(model);
    if (next.credential) {
      next.release();
      return error;
    }
    return this.noAccountError(model, next, error);
  }

  /** Every account is cooling, disabled or already tried: Google's own reason, Retry-After = earliest reset. */
  noAccountError(model: string, pick: NoAccount, lastError: unknown, now = Date.now()): GatewayError {
    const retryAfterSeconds = Number.isFinite(pick.earliestResetMs) ? Math.max(1, Math.ceil((pick.earliestResetMs - now) / 1000)) : undefined;
    // The client sees the real reason: Google's error (with Retry-After = the earliest reset), or ours.
    if (lastError instanceof UpstreamError && retryAfterSeconds !== undefined) return lastError.withRetryAfter(retryAfterSeconds);
    if (lastError instanceof GatewayError) return lastError;
    const earliest = [...pick.reasons].filter((reason) => !reason.disabled).sort((a, b) => a.until - b.until)[0];
    if (retryAfterSeconds === undefined || !earliest) {
      const reasons = [...new Set(pick.reasons.map((reason) => reason.message))].join(' | ');
      return new ServiceUnavailableError(noUsableAccountMessage({ model, configuredAccounts: this.pool.size, reasons, adminStatusEnabled: this.adminStatusEnabled }), { code: 'no_usable_credential' });
    }
    const daily = pick.reasons.every((reason) => reason.class === 'daily_quota' || reason.disabled);
    return new GatewayError(`All Google accounts are cooling down for ${model}; the earliest is usable again in ${retryAfterSeconds} s. Google said: ${earliest.message}`, {
      httpStatus: 429, googleStatus: 'RESOURCE_EXHAUSTED', openaiType: 'rate_limit_error', openaiCode: daily ? 'insufficient_quota' : 'rate_limit_exceeded', retryAfterSeconds,
    });
  }
}
