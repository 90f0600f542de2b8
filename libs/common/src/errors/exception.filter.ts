import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { dialectForUrl, encodeError, toGatewayError } from './dialects';
import { GatewayError, InvalidRequestError, NotFoundError } from './gateway-error';

/**
 * The one place errors become HTTP answers, in the caller's dialect. Streams that already sent
 * headers finish their own way (a final error event), so this filter only logs those.
 */
@Catch()
export class GatewayExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (exception instanceof HttpException && request.url.startsWith('/health')) {
      // Probe bodies (terminus's per-indicator report) are kept as they are.
      void reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    sendError(reply, request.url, fromAnything(exception), this.logger);
  }
}

export function sendError(reply: FastifyReply, url: string, error: GatewayError, logger?: { error(message: string): void }): void {
  if (error.httpStatus >= 500 && logger) logger.error(`${error.name}: ${error.message}${causeText(error)}`);
  if (reply.sent || reply.raw.headersSent) {
    if (!reply.raw.writableEnded) reply.raw.end();
    return;
  }
  const encoded = encodeError(error, dialectForUrl(url));
  // Google answers a JSON-array stream (streamGenerateContent without alt=sse) with its error inside an array.
  const body = isJsonArrayStream(url) ? [encoded.body] : encoded.body;
  void reply.status(encoded.status).headers(encoded.headers).type('application/json; charset=utf-8').send(body);
}

function isJsonArrayStream(url: string): boolean {
  const [path, query = ''] = url.split('?', 2);
  return path.endsWith(':streamGenerateContent') && !new URLSearchParams(query).has('alt', 'sse');
}

/** Maps Nest/Fastify framework errors (bad JSON, unknown route, body too large) onto our family. */
export function fromAnything(exception: unknown): GatewayError {
  if (exception instanceof GatewayError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return new NotFoundError('Not found. This gateway serves /v1/chat/completions, /v1/messages, /v1/models, /v1beta/models/{model}:generateContent, :streamGenerateContent and :countTokens.', { code: 'not_found' });
    return new GatewayError(exception.message, { httpStatus: status, googleStatus: googleStatusFor(status), openaiType: status < 500 ? 'invalid_request_error' : 'api_error' });
  }
  const fastifyCode = (exception as { code?: string } | null)?.code;
  const statusCode = (exception as { statusCode?: number } | null)?.statusCode;
  switch (fastifyCode) {
    case 'FST_ERR_CTP_INVALID_JSON':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidRequestError('Invalid JSON in request body.', { code: 'invalid_json' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('Request body is too large (see MAX_BODY_BYTES).', { httpStatus: 413, googleStatus: 'INVALID_ARGUMENT', openaiType: 'invalid_request_error', openaiCode: 'request_too_large' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('Unsupported Content-Type; send application/json.', { httpStatus: 415, googleStatus: 'INVALID_ARGUMENT', openaiType: 'invalid_request_error', openaiCode: 'unsupported_media_type' });
    default:
      if (statusCode && statusCode >= 400 && statusCode < 500) {
        return new GatewayError((exception as Error).message ?? 'Bad request.', { httpStatus: statusCode, googleStatus: googleStatusFor(statusCode), openaiType: 'invalid_request_error' });
      }
      return toGatewayError(exception);
  }
}

function googleStatusFor(status: number): string {
  return ({ 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 405: 'INVALID_ARGUMENT', 413: 'INVALID_ARGUMENT', 429: 'RESOURCE_EXHAUSTED', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' } as Record<number, string>)[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
}

function causeText(error: Error): string {
  const cause = error.cause;
  if (!cause) return '';
  return ` (cause: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)})`;
}
