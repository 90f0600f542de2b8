import { GatewayError } from './gateway-error';

/** The body (or the whole structure it would parse into) is larger than this gateway accepts. */
export class PayloadTooLargeError extends GatewayError {
  constructor(message: string, options: { code?: string; param?: string | null } = {}) {
    super(message, { httpStatus: 413, googleStatus: 'INVALID_ARGUMENT', openaiType: 'invalid_request_error', openaiCode: options.code ?? 'request_too_large', param: options.param ?? null });
  }
}

/** The client did not send its request body in time (REQUEST_BODY_TIMEOUT_MS). */
export class RequestTimeoutError extends GatewayError {
  constructor(message: string) {
    super(message, { httpStatus: 408, googleStatus: 'DEADLINE_EXCEEDED', openaiType: 'invalid_request_error', openaiCode: 'request_timeout' });
  }
}
