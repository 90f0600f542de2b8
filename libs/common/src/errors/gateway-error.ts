/**
 * The error family every lib throws. One filter (errors/exception.filter.ts) turns them into the
 * caller's dialect. Each carries both vocabularies so no layer has to guess:
 * Google: {error:{code,message,status,details}}; OpenAI: {error:{message,type,param,code}}.
 */
export type GoogleStatus =
  | 'INVALID_ARGUMENT' | 'FAILED_PRECONDITION' | 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'NOT_FOUND'
  | 'RESOURCE_EXHAUSTED' | 'CANCELLED' | 'INTERNAL' | 'UNAVAILABLE' | 'DEADLINE_EXCEEDED' | 'UNKNOWN' | string;

export interface GatewayErrorOptions {
  httpStatus: number;
  googleStatus: GoogleStatus;
  openaiType: string;
  openaiCode?: string | null;
  param?: string | null;
  /** Google `details` entries, kept verbatim (RetryInfo, ErrorInfo, Help…). */
  details?: Array<Record<string, unknown>>;
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly httpStatus: number;
  readonly googleStatus: GoogleStatus;
  readonly openaiType: string;
  readonly openaiCode: string | null;
  readonly param: string | null;
  readonly details?: Array<Record<string, unknown>>;
  readonly retryAfterSeconds?: number;

  constructor(message: string, options: GatewayErrorOptions) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.httpStatus = options.httpStatus;
    this.googleStatus = options.googleStatus;
    this.openaiType = options.openaiType;
    this.openaiCode = options.openaiCode ?? null;
    this.param = options.param ?? null;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export class InvalidRequestError extends GatewayError {
  constructor(message: string, options: { param?: string | null; code?: string | null } = {}) {
    super(message, { httpStatus: 400, googleStatus: 'INVALID_ARGUMENT', openaiType: 'invalid_request_error', openaiCode: options.code ?? null, param: options.param ?? null });
  }
}

export class AuthenticationError extends GatewayError {
  constructor(message = 'Invalid or missing API key. Send it as "Authorization: Bearer <key>", HTTP Basic (any user name), "x-goog-api-key: <key>", "x-api-key: <key>" or "?key=<key>".') {
    super(message, { httpStatus: 401, googleStatus: 'UNAUTHENTICATED', openaiType: 'invalid_request_error', openaiCode: 'invalid_api_key' });
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string, options: { code?: string; param?: string | null } = {}) {
    super(message, { httpStatus: 404, googleStatus: 'NOT_FOUND', openaiType: 'invalid_request_error', openaiCode: options.code ?? 'not_found', param: options.param ?? null });
  }
}

export class ModelNotFoundError extends NotFoundError {
  constructor(model: string) {
    super(`models/${model} is not found for API version v1beta, or is not supported by this gateway. Call ListModels (GET /v1beta/models or /v1/models) to see the available models.`, { code: 'model_not_found', param: 'model' });
  }
}

/** The gateway itself cannot serve: credentials missing or revoked, onboarding impossible, … */
export class ServiceUnavailableError extends GatewayError {
  constructor(message: string, options: { code?: string; retryAfterSeconds?: number; details?: Array<Record<string, unknown>>; cause?: unknown } = {}) {
    super(message, { httpStatus: 503, googleStatus: 'UNAVAILABLE', openaiType: 'api_error', openaiCode: options.code ?? 'service_unavailable', retryAfterSeconds: options.retryAfterSeconds, details: options.details, cause: options.cause });
  }
}

export class UpstreamTimeoutError extends GatewayError {
  constructor(message: string) {
    super(message, { httpStatus: 504, googleStatus: 'DEADLINE_EXCEEDED', openaiType: 'api_error', openaiCode: 'upstream_timeout' });
  }
}

export class UpstreamUnreachableError extends GatewayError {
  constructor(message: string, cause?: unknown) {
    super(message, { httpStatus: 502, googleStatus: 'UNAVAILABLE', openaiType: 'api_error', openaiCode: 'upstream_unreachable', cause });
  }
}

/** A stream that Google ended without a finish reason: the answer is incomplete. */
export class TruncatedStreamError extends GatewayError {
  constructor(message = 'The upstream stream ended before the model finished (no finish reason); the answer is incomplete.') {
    super(message, { httpStatus: 502, googleStatus: 'UNAVAILABLE', openaiType: 'api_error', openaiCode: 'upstream_truncated' });
  }
}

/**
 * The one HTTP ↔ google.rpc.Code map (googleapis google/rpc/code.proto). The gateway answers
 * Google-dialect errors with these names and reads Google's answers with them.
 */
const GOOGLE_STATUS_BY_HTTP: Readonly<Record<number, GoogleStatus>> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED', 499: 'CANCELLED', 500: 'INTERNAL', 501: 'UNIMPLEMENTED', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
};
const HTTP_BY_GOOGLE_STATUS: Readonly<Record<string, number>> = {
  ...Object.fromEntries(Object.entries(GOOGLE_STATUS_BY_HTTP).map(([http, name]) => [name, Number(http)])),
  FAILED_PRECONDITION: 400, OUT_OF_RANGE: 400, ALREADY_EXISTS: 409, UNKNOWN: 500, DATA_LOSS: 500,
};

/** google.rpc.Code name for an HTTP status; unknown 5xx → INTERNAL, other unknowns → UNKNOWN. */
export function googleStatusForHttp(httpStatus: number): GoogleStatus {
  return GOOGLE_STATUS_BY_HTTP[httpStatus] ?? (httpStatus >= 500 ? 'INTERNAL' : 'UNKNOWN');
}

/** HTTP status for a google.rpc.Code name (undefined when the name is not one of Google's). */
export function httpStatusForGoogle(status: string): number | undefined {
  return HTTP_BY_GOOGLE_STATUS[status];
}

/** Google rejected the access token even right after a refresh. */
export class GoogleUnauthenticatedError extends ServiceUnavailableError {
  constructor(message: string, details?: Array<Record<string, unknown>>) {
    super(message, { code: 'google_unauthenticated', details });
  }
}

/** Refreshing an access token failed for a reason other than a revoked grant (network, 5xx…). */
export class TokenRefreshFailedError extends ServiceUnavailableError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'google_token_refresh_failed', retryAfterSeconds: 5, cause });
  }
}

/** Code Assist answered something that is not what its protocol promises (non-JSON, not an object, an oversized event). */
export class UpstreamBadResponseError extends GatewayError {
  constructor(message: string) {
    super(message, { httpStatus: 502, googleStatus: 'UNAVAILABLE', openaiType: 'api_error', openaiCode: 'upstream_bad_response' });
  }
}

/**
 * The caller's request could not be turned into a call to Google (e.g. JSON too deep to encode).
 * Raised before a byte was sent: it says nothing about the network or the Google account.
 */
export class RequestEncodingError extends InvalidRequestError {
  constructor(message: string) {
    super(message, { code: 'request_not_encodable' });
  }
}

const OPENAI_BY_STATUS: Record<number, { type: string; code: string }> = {
  400: { type: 'invalid_request_error', code: 'invalid_request' },
  401: { type: 'authentication_error', code: 'upstream_unauthenticated' },
  403: { type: 'permission_error', code: 'permission_denied' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
};

export interface GoogleErrorPayloadLike {
  code: number;
  message: string;
  status: string;
  details?: Array<Record<string, unknown>>;
}

/** An error answered by Google, kept as Google said it (status, message, details). */
export class UpstreamError extends GatewayError {
  readonly reason?: string;
  /** How Gemini CLI would classify it (rate-limited, daily-quota, capacity, server, …). */
  readonly errorClass?: string;
  readonly retryDelayMs?: number;
  readonly body: GoogleErrorPayloadLike;

  constructor(body: GoogleErrorPayloadLike, options: { retryAfterSeconds?: number; reason?: string; errorClass?: string; retryDelayMs?: number } = {}) {
    const mapped = OPENAI_BY_STATUS[body.code] ?? { type: 'api_error', code: 'upstream_error' };
    super(body.message, {
      httpStatus: body.code >= 400 && body.code <= 599 ? body.code : 502,
      googleStatus: body.status,
      openaiType: mapped.type,
      openaiCode: options.reason === 'QUOTA_EXHAUSTED' ? 'insufficient_quota' : mapped.code,
      details: body.details,
      retryAfterSeconds: options.retryAfterSeconds,
    });
    this.reason = options.reason;
    this.errorClass = options.errorClass;
    this.retryDelayMs = options.retryDelayMs;
    this.body = body;
  }

  /** The same Google error with another Retry-After (e.g. the earliest reset across accounts). */
  withRetryAfter(retryAfterSeconds: number): UpstreamError {
    return new UpstreamError(this.body, { retryAfterSeconds, reason: this.reason, errorClass: this.errorClass, retryDelayMs: this.retryDelayMs });
  }
}
