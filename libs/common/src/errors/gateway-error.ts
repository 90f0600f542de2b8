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
