/**
 * Google error bodies (AIP-193) as Google sends them (see docs/upstream.md, "Google's errors") and the OAuth
 * error bodies. Stream calls wrap them in a one-element array.
 */
import type { EmulatorErrorName } from './types';

export interface GoogleErrorObject {
  code: number;
  message: string;
  status: string;
  errors?: Array<{ message: string; domain: string; reason: string }>;
  details?: Array<Record<string, unknown>>;
}

export interface GoogleErrorBody {
  error: GoogleErrorObject;
}

/** An error ready to send: HTTP status, body and extra headers. */
export interface EmulatorError {
  httpStatus: number;
  body: GoogleErrorBody;
  headers?: Record<string, string>;
}

const CODE_ASSIST_DOMAIN = 'cloudcode-pa.googleapis.com';
const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';
const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
const QUOTA_FAILURE = 'type.googleapis.com/google.rpc.QuotaFailure';
const HELP = 'type.googleapis.com/google.rpc.Help';
const DEFAULT_RATE_LIMIT_SECONDS = 7;
const DEFAULT_DAILY_QUOTA_SECONDS = 51820;

export const WWW_AUTHENTICATE = 'Bearer realm="https://accounts.google.com/", error="invalid_token"';

/** google.rpc.Code name for an HTTP status (googleapis google/rpc/code.proto mapping). */
export function rpcStatusFor(httpStatus: number): string {
  const known: Record<number, string> = {
    400: 'INVALID_ARGUMENT',
    401: 'UNAUTHENTICATED',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    409: 'ABORTED',
    429: 'RESOURCE_EXHAUSTED',
    499: 'CANCELLED',
    500: 'INTERNAL',
    501: 'UNIMPLEMENTED',
    503: 'UNAVAILABLE',
    504: 'DEADLINE_EXCEEDED',
  };
  return known[httpStatus] ?? 'UNKNOWN';
}

function make(httpStatus: number, error: Omit<GoogleErrorObject, 'code' | 'status'> & { status?: string }, headers?: Record<string, string>): EmulatorError {
  const { message, status, errors, details } = error;
  const body: GoogleErrorObject = { code: httpStatus, message, ...(errors ? { errors } : {}), status: status ?? rpcStatusFor(httpStatus) };
  if (details) body.details = details;
  return { httpStatus, body: { error: body }, headers };
}

/** "39s", "14h23m40s" — the style of Code Assist quota messages. */
export function formatResetDelay(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  if (hours > 0) return `${hours}h${minutes}m${rest}s`;
  if (minutes > 0) return `${minutes}m${rest}s`;
  return `${rest}s`;
}

const resetTimestamp = (seconds: number): string => new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function unauthenticatedError(credentialMissing: boolean): EmulatorError {
  const message = credentialMissing
    ? 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'
    : 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
  return make(401, { message }, { 'www-authenticate': WWW_AUTHENTICATE });
}

export const notFoundError = (): EmulatorError => make(404, { message: 'Requested entity was not found.' });

export const invalidArgumentError = (message = 'Request contains an invalid argument.'): EmulatorError => make(400, { message });

export const invalidJsonError = (detail: string): EmulatorError =>
  make(400, { message: `Invalid JSON payload received. ${detail}` });

export const internalError = (): EmulatorError => make(500, { message: 'Internal error encountered.' });

export const unavailableError = (): EmulatorError => make(503, { message: 'The service is currently unavailable.' });

/** onboardUser for the free tier with a project (§1.7). */
export const preconditionFailedError = (): EmulatorError => make(400, { message: 'Precondition check failed.', status: 'FAILED_PRECONDITION' });

/** onboardUser with a tier the account is not eligible for (§2). */
export const notEligibleError = (): EmulatorError =>
  make(403, { message: 'Your account is not eligible for Gemini Code Assist for individuals at this time.' });

/** Bad or foreign project (§3.2 "Bad project"). */
export function consumerInvalidError(project: string): EmulatorError {
  return make(403, {
    message: `Permission denied on resource project ${project}.`,
    details: [
      { '@type': ERROR_INFO, reason: 'CONSUMER_INVALID', domain: 'googleapis.com', metadata: { consumer: `projects/${project}`, service: 'cloudaicompanion.googleapis.com' } },
    ],
  });
}

/**
 * A 403 caused by the request, not the account: it names a file the caller may not read (the
 * wording of Google's file API). No ErrorInfo: nothing about the account or its project.
 */
export const forbiddenResourceError = (): EmulatorError =>
  make(403, { message: 'You do not have permission to access the File emulator-file or it may not exist.' });

/** Account verification required (§3.2). */
export function validationRequiredError(): EmulatorError {
  return make(403, {
    message: 'Validation required to continue.',
    details: [
      { '@type': ERROR_INFO, reason: 'VALIDATION_REQUIRED', domain: CODE_ASSIST_DOMAIN, metadata: { validation_link: 'https://accounts.google.com/signin/continue?sarp=1&scc=1&continue=emulator' } },
      {
        '@type': HELP,
        links: [
          { description: 'Complete validation to continue', url: 'https://accounts.google.com/signin/continue?sarp=1&scc=1&continue=emulator' },
          { description: 'Learn more', url: 'https://support.google.com/accounts?p=al_alert' },
        ],
      },
    ],
  });
}

/** Per-minute rate limit: retryable, RetryInfo + quotaResetDelay (§3.2, §3.3). */
export function rateLimitError(model: string, seconds = DEFAULT_RATE_LIMIT_SECONDS, httpStatus = 429): EmulatorError {
  return make(httpStatus, {
    message: `You have exhausted your capacity on this model. Your quota will reset after ${formatResetDelay(seconds)}.`,
    details: [
      {
        '@type': ERROR_INFO,
        reason: 'RATE_LIMIT_EXCEEDED',
        domain: CODE_ASSIST_DOMAIN,
        metadata: { uiMessage: 'true', model, quotaResetDelay: `${seconds}s`, quotaResetTimeStamp: resetTimestamp(seconds) },
      },
      { '@type': RETRY_INFO, retryDelay: `${seconds}s` },
    ],
  });
}

/** Daily quota: terminal (QUOTA_EXHAUSTED + a PerDay QuotaFailure), RetryInfo of hours. */
export function dailyQuotaError(model: string, seconds = DEFAULT_DAILY_QUOTA_SECONDS, httpStatus = 429): EmulatorError {
  return make(httpStatus, {
    message: `You have exhausted your capacity on this model. Your quota will reset after ${formatResetDelay(seconds)}.`,
    details: [
      {
        '@type': ERROR_INFO,
        reason: 'QUOTA_EXHAUSTED',
        domain: CODE_ASSIST_DOMAIN,
        metadata: { uiMessage: 'true', model, quotaResetDelay: `${seconds}s`, quotaResetTimeStamp: resetTimestamp(seconds) },
      },
      {
        '@type': QUOTA_FAILURE,
        violations: [
          {
            quotaMetric: 'cloudcode-pa.googleapis.com/generate_content_requests',
            quotaId: 'GenerateRequestsPerDayPerProjectPerModel',
            quotaDimensions: { location: 'global', model },
          },
        ],
      },
      { '@type': RETRY_INFO, retryDelay: `${seconds}s` },
    ],
  });
}

/** Model capacity exhausted: 429 (or 503 when asked), with the legacy `errors` array (§3.2). */
export function capacityError(model: string, httpStatus = 429, retryDelaySeconds?: number): EmulatorError {
  const message = `No capacity available for model ${model} on the server`;
  const details: Array<Record<string, unknown>> = [
    { '@type': ERROR_INFO, reason: 'MODEL_CAPACITY_EXHAUSTED', domain: CODE_ASSIST_DOMAIN, metadata: { model } },
  ];
  if (retryDelaySeconds !== undefined) details.push({ '@type': RETRY_INFO, retryDelay: `${retryDelaySeconds}s` });
  return make(httpStatus, { message, errors: [{ message, domain: 'global', reason: 'rateLimitExceeded' }], details });
}

export interface BehaviourErrorInput {
  error: EmulatorErrorName;
  model: string;
  project: string;
  retryDelaySeconds?: number;
  status?: number;
}

/** The error an `{kind:'error'}` behaviour produces; `status` overrides the HTTP code (and the rpc status name). */
export function behaviourError(input: BehaviourErrorInput): EmulatorError {
  const built = buildBehaviourError(input);
  if (input.status === undefined || input.status === built.httpStatus) return built;
  const status = input.status;
  return { ...built, httpStatus: status, body: { error: { ...built.body.error, code: status, status: rpcStatusFor(status) } } };
}

function buildBehaviourError(input: BehaviourErrorInput): EmulatorError {
  switch (input.error) {
    case 'rate-limit':
      return rateLimitError(input.model, input.retryDelaySeconds);
    case 'daily-quota':
      return dailyQuotaError(input.model, input.retryDelaySeconds);
    case 'capacity':
      return capacityError(input.model, 429, input.retryDelaySeconds);
    case 'server':
      return internalError();
    case 'unavailable':
      return unavailableError();
    case 'not-found':
      return notFoundError();
    case 'unauthenticated':
      return unauthenticatedError(false);
    case 'validation-required':
      return validationRequiredError();
    case 'permission-denied':
      return consumerInvalidError(input.project);
    case 'forbidden-resource':
      return forbiddenResourceError();
    case 'invalid-argument':
      return invalidArgumentError();
  }
}

export const ERROR_NAMES: readonly EmulatorErrorName[] = [
  'rate-limit',
  'daily-quota',
  'capacity',
  'server',
  'unavailable',
  'not-found',
  'unauthenticated',
  'validation-required',
  'permission-denied',
  'forbidden-resource',
  'invalid-argument',
];

// ---- OAuth (§4.6, §4.7): flat `{error, error_description}` bodies ----

export interface OAuthError {
  httpStatus: number;
  body: { error: string; error_description: string };
}

export const oauthError = (httpStatus: number, error: string, description: string): OAuthError => ({
  httpStatus,
  body: { error, error_description: description },
});

export const invalidGrantRevoked = (): OAuthError => oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
export const invalidClient = (): OAuthError => oauthError(401, 'invalid_client', 'Unauthorized');
export const invalidTokenInfo = (): OAuthError => oauthError(400, 'invalid_token', 'Invalid Value');
