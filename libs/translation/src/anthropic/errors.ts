import type { AnthropicErrorBody, AnthropicErrorType } from './types';

/** Google's "no capacity on this model" (classified upstream as `capacity`): Anthropic's 529. */
export const OVERLOADED_STATUS = 529;

/**
 * The Anthropic error type (and status) for a gateway error: by HTTP status, except that Google's
 * capacity errors (errorClass `capacity`) become `overloaded_error` with Anthropic's 529, which
 * the SDK and Claude Code retry with backoff.
 */
export function anthropicErrorFor(status: number, errorClass?: string): { status: number; type: AnthropicErrorType } {
  if (errorClass === 'capacity') return { status: OVERLOADED_STATUS, type: 'overloaded_error' };
  switch (status) {
    case 400:
    case 405:
    case 415:
    case 422:
      return { status, type: 'invalid_request_error' };
    case 401:
      return { status, type: 'authentication_error' };
    case 403:
      return { status, type: 'permission_error' };
    case 404:
      return { status, type: 'not_found_error' };
    case 413:
      return { status, type: 'request_too_large' };
    case 429:
      return { status, type: 'rate_limit_error' };
    case OVERLOADED_STATUS:
      return { status, type: 'overloaded_error' };
    default:
      return { status, type: status < 500 ? 'invalid_request_error' : 'api_error' };
  }
}

export function anthropicErrorBody(type: AnthropicErrorType, message: string): AnthropicErrorBody {
  return { type: 'error', error: { type, message } };
}
