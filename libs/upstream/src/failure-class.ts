import {
  GatewayError, GoogleUnauthenticatedError, RequestEncodingError, ServiceUnavailableError, TokenRefreshFailedError, UpstreamBadResponseError,
  UpstreamError, UpstreamTimeoutError, UpstreamUnreachableError,
} from '@app/common';
import { CredentialRevokedError } from '@app/auth';
import { IneligibleTierError, OnboardingTimeoutError, ProjectRequiredError, ValidationRequiredError } from './onboarding-errors';
import type { ErrorClass } from './google-errors';
import { isAbort } from './code-assist-http';
import { CredentialRejectedError } from './backends/credential-rejected';

/**
 * The one vocabulary for "why did this upstream call fail". The same words label the
 * `upstream_retries_total` reasons, an account's `lastErrorClass` in /admin/status and the pool's
 * cooldown classes, so a log line, a metric and the status page say the same thing.
 */
export type FailureClass =
  // What Google said about the account (the account or its project caused it):
  | 'rate_limited' | 'daily_quota' | 'capacity' | 'server' | 'auth' | 'permission' | 'validation_required' | 'revoked' | 'ineligible' | 'onboarding'
  // Google refused the credential itself (an invalid API key, a service account without the permission):
  | 'rejected'
  // What this request caused (another account would answer the same):
  | 'forbidden' | 'not_found' | 'invalid_request' | 'local'
  // The way there and back:
  | 'timeout' | 'network' | 'token_refresh' | 'bad_response'
  // The gateway's own answers:
  | 'cancelled' | 'other';

const BY_GOOGLE_CLASS: Readonly<Record<ErrorClass, FailureClass>> = {
  'rate-limited': 'rate_limited', 'daily-quota': 'daily_quota', capacity: 'capacity', auth: 'auth', 'validation-required': 'validation_required',
  'not-found': 'not_found', permission: 'permission', forbidden: 'forbidden', 'invalid-request': 'invalid_request', server: 'server', other: 'other',
};

export function failureClassOfGoogleError(errorClass: ErrorClass): FailureClass {
  return BY_GOOGLE_CLASS[errorClass];
}

/** Reads any error thrown by an upstream attempt. Named classes only; no message or code strings. */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof UpstreamError) return error.errorClass && error.errorClass in BY_GOOGLE_CLASS ? BY_GOOGLE_CLASS[error.errorClass as ErrorClass] : 'other';
  if (error instanceof CredentialRejectedError) return 'rejected';
  if (error instanceof ValidationRequiredError) return 'validation_required';
  if (error instanceof ProjectRequiredError || error instanceof IneligibleTierError) return 'ineligible';
  if (error instanceof CredentialRevokedError) return 'revoked';
  if (error instanceof OnboardingTimeoutError) return 'onboarding';
  if (error instanceof GoogleUnauthenticatedError) return 'auth';
  if (error instanceof UpstreamTimeoutError) return 'timeout';
  if (error instanceof UpstreamUnreachableError) return 'network';
  if (error instanceof UpstreamBadResponseError) return 'bad_response';
  if (error instanceof RequestEncodingError) return 'local';
  if (error instanceof TokenRefreshFailedError) return 'token_refresh';
  // libs/auth's token endpoint still throws the base class with this code (see docs/upstream.md).
  if (error instanceof ServiceUnavailableError && error.openaiCode === 'google_token_refresh_failed') return 'token_refresh';
  if (isAbort(error)) return 'cancelled';
  return error instanceof GatewayError && error.httpStatus < 500 ? 'invalid_request' : 'other';
}

/**
 * Label of `geminicli2api_upstream_errors_total{class}`; the values dashboards already know are
 * kept (a 404 and a request-caused 403 count as invalid_request, an account 403 as other).
 */
export function metricClassFor(failure: FailureClass): string {
  switch (failure) {
    case 'not_found':
    case 'forbidden':
    case 'local':
      return 'invalid_request';
    case 'rate_limited':
    case 'daily_quota':
    case 'capacity':
    case 'auth':
    case 'server':
    case 'timeout':
    case 'network':
    case 'validation_required':
    case 'invalid_request':
    case 'bad_response':
      return failure;
    default:
      return 'other';
  }
}
