/**
 * Google's error bodies, parsed and classified the way Gemini CLI does
 * (docs/wire/errors.md). Pure functions.
 */
export interface GoogleErrorPayload {
  code: number;
  message: string;
  status: string;
  details?: Array<Record<string, unknown>>;
}

export type ErrorClass =
  | 'rate-limited'        // per-minute limit: retry after the delay
  | 'daily-quota'         // terminal until Google's reset
  | 'capacity'            // model capacity exhausted: elsewhere or later
  | 'auth'                // 401 from Google
  | 'validation-required' // account verification needed
  | 'not-found'
  | 'permission'
  | 'invalid-request'
  | 'server'              // 5xx
  | 'other';

export interface ClassifiedError {
  errorClass: ErrorClass;
  retryDelayMs?: number;
  reason?: string;
  validationUrl?: string;
}

/** Unwraps `[{"error":{…}}]` (stream calls) and `{"error":{…}}`; tolerates junk. */
export function parseGoogleErrorBody(status: number, text: string): GoogleErrorPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed)) parsed = parsed[0];
  const error = (parsed as { error?: unknown } | undefined)?.error;
  if (error && typeof error === 'object') {
    const body = error as Record<string, unknown>;
    return {
      code: typeof body.code === 'number' ? body.code : status,
      message: typeof body.message === 'string' ? body.message : `Upstream error ${status}`,
      status: typeof body.status === 'string' ? body.status : statusName(status),
      details: Array.isArray(body.details) ? (body.details as Array<Record<string, unknown>>) : undefined,
    };
  }
  const snippet = text.trim().slice(0, 200);
  return { code: status, message: snippet ? `Upstream error ${status}: ${snippet}` : `Upstream error ${status}`, status: statusName(status) };
}

export function statusName(status: number): string {
  return ({ 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ABORTED', 429: 'RESOURCE_EXHAUSTED', 499: 'CANCELLED', 500: 'INTERNAL', 501: 'UNIMPLEMENTED', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' } as Record<number, string>)[status] ?? (status >= 500 ? 'INTERNAL' : 'UNKNOWN');
}

/** "34.07s", "900ms", "2s" → ms. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$/.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  return Math.round(match[2] === 'ms' ? amount : amount * 1000);
}

const CAPACITY_WORDING = /exhausted your capacity|capacity exceeded|MODEL_CAPACITY_EXHAUSTED|No capacity available/i;
const MAX_RETRYABLE_DELAY_MS = 300_000;

export function classifyGoogleError(error: GoogleErrorPayload): ClassifiedError {
  const details = error.details ?? [];
  const typed = (suffix: string) => details.filter((detail) => String(detail['@type'] ?? '').endsWith(suffix));
  const errorInfo = typed('google.rpc.ErrorInfo')[0] as { reason?: string; domain?: string; metadata?: Record<string, string> } | undefined;
  const retryInfo = typed('google.rpc.RetryInfo')[0] as { retryDelay?: string } | undefined;
  const quotaFailure = typed('google.rpc.QuotaFailure')[0] as { violations?: Array<{ quotaId?: string }> } | undefined;
  const help = typed('google.rpc.Help')[0] as { links?: Array<{ url?: string }> } | undefined;
  const reason = errorInfo?.reason;
  const retryDelayMs = parseDuration(retryInfo?.retryDelay) ?? parseDuration(errorInfo?.metadata?.quotaResetDelay) ?? retryInMessage(error.message);

  if (error.code === 401) return { errorClass: 'auth', reason };
  if (error.code === 404) return { errorClass: 'not-found', reason };
  if (error.code === 403 && reason === 'VALIDATION_REQUIRED') {
    return { errorClass: 'validation-required', reason, validationUrl: help?.links?.[0]?.url ?? errorInfo?.metadata?.validation_link };
  }
  if ([429, 499, 503].includes(error.code)) {
    if (reason === 'MODEL_CAPACITY_EXHAUSTED' || reason === 'MODEL_CAPACITY_EXCEEDED') return { errorClass: 'capacity', reason, retryDelayMs };
    if (quotaFailure?.violations?.some((violation) => /PerDay|Daily/.test(violation.quotaId ?? ''))) return { errorClass: 'daily-quota', reason, retryDelayMs };
    if (reason === 'QUOTA_EXHAUSTED' || reason === 'INSUFFICIENT_G1_CREDITS_BALANCE') return { errorClass: 'daily-quota', reason, retryDelayMs };
    if (/limit: 0\b/.test(error.message)) return { errorClass: 'daily-quota', reason, retryDelayMs };
    if (reason === 'RATE_LIMIT_EXCEEDED') {
      return retryDelayMs !== undefined && retryDelayMs <= MAX_RETRYABLE_DELAY_MS
        ? { errorClass: 'rate-limited', reason, retryDelayMs }
        : { errorClass: 'daily-quota', reason, retryDelayMs };
    }
    if (retryDelayMs !== undefined) {
      return retryDelayMs <= MAX_RETRYABLE_DELAY_MS ? { errorClass: 'rate-limited', reason, retryDelayMs } : { errorClass: 'daily-quota', reason, retryDelayMs };
    }
    if (quotaFailure?.violations?.some((violation) => /PerMinute/.test(violation.quotaId ?? ''))) return { errorClass: 'rate-limited', reason, retryDelayMs: 60_000 };
    if (CAPACITY_WORDING.test(error.message)) return { errorClass: 'capacity', reason };
    if (error.code === 503) return { errorClass: 'server', reason };
    return { errorClass: 'rate-limited', reason };
  }
  if (error.code === 403) return { errorClass: 'permission', reason };
  if (error.code >= 500) return { errorClass: 'server', reason, retryDelayMs };
  if (error.code >= 400) return { errorClass: 'invalid-request', reason };
  return { errorClass: 'other', reason };
}

function retryInMessage(message: string): number | undefined {
  const match = /Please retry in (\d+(?:\.\d+)?)(ms|s)/i.exec(message);
  return match ? parseDuration(`${match[1]}${match[2]}`) : undefined;
}
