import { googleStatusForHttp } from '@app/common';

/**
 * Google's error bodies, parsed and classified the way Gemini CLI does (docs/wire/errors.md,
 * docs/upstream.md). Pure functions.
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
  | 'permission'          // 403 about the account or its project (licence, API disabled, project, scopes)
  | 'forbidden'           // any other 403: about this request (a file, a resource it names), not the account
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
  const error = isObject(parsed) ? parsed.error : undefined;
  if (isObject(error)) {
    const code = typeof error.code === 'number' && Number.isInteger(error.code) && error.code >= 400 && error.code <= 599 ? error.code : status;
    return {
      code,
      message: typeof error.message === 'string' && error.message.trim() !== '' ? capMessage(error.message) : `Code Assist answered HTTP ${status}.`,
      status: typeof error.status === 'string' && /^[A-Z_]{1,40}$/.test(error.status) ? error.status : statusName(code),
      details: Array.isArray(error.details) ? error.details.filter(isObject) : undefined,
    };
  }
  // Not a Google error body (an HTML page from a proxy, plain text…): never echo it to the client.
  return { code: status, message: `Code Assist answered HTTP ${status} without a Google error body.`, status: statusName(status) };
}

/** Google's message, kept (clients rely on it) but bounded. */
export const MAX_GOOGLE_MESSAGE_CHARS = 1_000;

function capMessage(message: string): string {
  return message.length <= MAX_GOOGLE_MESSAGE_CHARS ? message : `${message.slice(0, MAX_GOOGLE_MESSAGE_CHARS)}…`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function statusName(status: number): string {
  return googleStatusForHttp(status);
}

/** "34.07s", "900ms", "2s" → ms. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d{1,20}(?:\.\d{1,12})?)\s*(ms|s)\s*$/.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const ms = Math.round(match[2] === 'ms' ? amount : amount * 1000);
  return Number.isFinite(ms) ? ms : undefined;
}

const CAPACITY_WORDING = /exhausted your capacity|capacity exceeded|MODEL_CAPACITY_EXHAUSTED|No capacity available/i;
const MAX_RETRYABLE_DELAY_MS = 300_000;

export function classifyGoogleError(error: GoogleErrorPayload): ClassifiedError {
  const details = error.details ?? [];
  const typed = (suffix: string) => details.filter((detail) => String(detail['@type'] ?? '').endsWith(suffix));
  const errorInfo = typed('google.rpc.ErrorInfo')[0] as { reason?: string; domain?: string; metadata?: Record<string, string> } | undefined;
  const retryInfo = typed('google.rpc.RetryInfo')[0] as { retryDelay?: string } | undefined;
  const quotaFailure = typed('google.rpc.QuotaFailure')[0] as { violations?: Array<{ quotaId?: string }> } | undefined;
  const help = typed('google.rpc.Help')[0] as { links?: unknown } | undefined;
  const reason = typeof errorInfo?.reason === 'string' ? errorInfo.reason : undefined;
  const quotaIds = (Array.isArray(quotaFailure?.violations) ? quotaFailure.violations : []).map((violation) => String((violation as { quotaId?: unknown } | null)?.quotaId ?? ''));
  const retryDelayMs = parseDuration(retryInfo?.retryDelay) ?? parseDuration(errorInfo?.metadata?.quotaResetDelay) ?? retryInMessage(error.message);

  if (error.code === 401) return { errorClass: 'auth', reason };
  if (error.code === 404) return { errorClass: 'not-found', reason };
  if (error.code === 403 && reason === 'VALIDATION_REQUIRED') {
    return { errorClass: 'validation-required', reason, validationUrl: linkOf(help) ?? stringOrUndefined(errorInfo?.metadata?.validation_link) };
  }
  if ([429, 499, 503].includes(error.code)) {
    if (reason === 'MODEL_CAPACITY_EXHAUSTED' || reason === 'MODEL_CAPACITY_EXCEEDED') return { errorClass: 'capacity', reason, retryDelayMs };
    if (quotaIds.some((quotaId) => /PerDay|Daily/.test(quotaId))) return { errorClass: 'daily-quota', reason, retryDelayMs };
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
    if (quotaIds.some((quotaId) => /PerMinute/.test(quotaId))) return { errorClass: 'rate-limited', reason, retryDelayMs: 60_000 };
    if (CAPACITY_WORDING.test(error.message)) return { errorClass: 'capacity', reason };
    if (error.code === 503) return { errorClass: 'server', reason };
    return { errorClass: 'rate-limited', reason };
  }
  if (error.code === 403) return { errorClass: isAccountDenial(error, errorInfo) ? 'permission' : 'forbidden', reason };
  if (error.code >= 500) return { errorClass: 'server', reason, retryDelayMs };
  if (error.code >= 400) return { errorClass: 'invalid-request', reason };
  return { errorClass: 'other', reason };
}

/**
 * ErrorInfo reasons by which Google says the ACCOUNT (its licence, project, API enablement, token
 * scopes) is the problem: every request on it would fail the same way. Anything else answered 403
 * is about what this request asked for, and must not take the account away from other callers.
 */
export const ACCOUNT_DENIAL_REASONS: ReadonlySet<string> = new Set([
  'SUBSCRIPTION_REQUIRED', 'ACCESS_TOKEN_SCOPE_INSUFFICIENT', 'SERVICE_DISABLED', 'CONSUMER_INVALID', 'CONSUMER_SUSPENDED',
  'USER_PROJECT_DENIED', 'BILLING_DISABLED', 'ACCOUNT_STATE_INVALID', 'SECURITY_POLICY_VIOLATED',
]);

/** Wording of 403s Google sends about the account without an ErrorInfo (licence seats, tier eligibility). */
const ACCOUNT_DENIAL_WORDING = /named user on your organization|not eligible for Gemini Code Assist|lack a Gemini Code Assist license|has not been used in project|Permission denied on resource project/i;

function isAccountDenial(error: GoogleErrorPayload, errorInfo: { reason?: string; metadata?: Record<string, string> } | undefined): boolean {
  const reason = errorInfo?.reason;
  if (reason && ACCOUNT_DENIAL_REASONS.has(reason)) return true;
  if (reason === 'IAM_PERMISSION_DENIED') {
    // On the Code Assist or Vertex AI project itself (the account's), not on a resource the request named.
    const metadata = errorInfo?.metadata ?? {};
    return /^(cloudaicompanion|aiplatform)\./.test(String(metadata.permission ?? '')) || /^projects\/[^/]+$/.test(String(metadata.resource ?? ''));
  }
  return reason === undefined && ACCOUNT_DENIAL_WORDING.test(error.message);
}

function linkOf(help: { links?: unknown } | undefined): string | undefined {
  const first: unknown = Array.isArray(help?.links) ? help.links[0] : undefined;
  return stringOrUndefined((first as { url?: unknown } | null | undefined)?.url);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function retryInMessage(message: string): number | undefined {
  const match = /Please retry in (\d+(?:\.\d+)?)(ms|s)/i.exec(message);
  return match ? parseDuration(`${match[1]}${match[2]}`) : undefined;
}
