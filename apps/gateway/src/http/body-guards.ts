import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidRequestError, PayloadTooLargeError, RequestTimeoutError, ServiceUnavailableError, checkJsonStructure, type GatewayConfig } from '@app/common';
import { BodyBudget } from './body-budget';
import { closeAfterReply, hasUnreadBody } from './early-reply';

/**
 * Bounds what a request body can cost before any of it is trusted:
 * - the bodies held at once stay under REQUEST_BODY_BUDGET_BYTES (503 + Retry-After beyond it);
 * - a body that is not fully received within REQUEST_BODY_TIMEOUT_MS is answered 408 and its
 *   connection closed (slow or never-ending uploads hold nothing for long);
 * - JSON is scanned in one linear pass for depth and value count before JSON.parse, so nothing
 *   recursive meets a 5,000-deep body and a 10 MB body cannot become millions of objects.
 */
/**
 * A body that declares at most this many bytes skips the budget and the guarding stream (it cannot
 * cost more than its declared size, and the stream and budget bookkeeping cost more CPU than such a
 * body: about 40 µs per request, measured); only its read timeout stays.
 */
export const SMALL_BODY_BYTES = 64 * 1024;

export function installBodyGuards(fastify: FastifyInstance, config: GatewayConfig): void {
  const { bodyTimeoutMs } = config.http;
  const budget = new BodyBudget(config.http.bodyBudgetBytes);
  const overloaded = () => Object.assign(new ServiceUnavailableError('This replica is busy reading other large requests; retry in a moment.', { code: 'overloaded', retryAfterSeconds: 1 }), { statusCode: 503 });
  fastify.addHook('preParsing', async (request: FastifyRequest, reply: FastifyReply, payload: Readable): Promise<Readable> => {
    if (!hasUnreadBody(request)) return payload;
    const announced = Number(request.headers['content-length'] ?? 0) || 0;
    if (announced > 0 && announced <= SMALL_BODY_BYTES && request.headers['transfer-encoding'] === undefined) {
      const timer = setTimeout(() => {
        closeAfterReply(request, reply);
        // Fastify's body reader answers an error event with its statusCode (408), in the caller's dialect.
        payload.emit('error', Object.assign(new RequestTimeoutError(`The request body was not received within ${bodyTimeoutMs} ms (REQUEST_BODY_TIMEOUT_MS).`), { statusCode: 408 }));
      }, bodyTimeoutMs);
      const stop = () => clearTimeout(timer);
      payload.once('end', stop);
      payload.once('close', stop);
      return payload;
    }
    const reservation = await budget.reserve(reply, announced, bodyTimeoutMs);
    if (!reservation) {
      closeAfterReply(request, reply);
      throw overloaded();
    }
    let received = 0;
    const guarded = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        // Chunked bodies announce nothing: they are counted as they arrive.
        const extra = Math.min(chunk.length, received - announced);
        if (extra > 0 && !reservation.grow(extra)) {
          closeAfterReply(request, reply);
          callback(overloaded());
          return;
        }
        callback(null, chunk);
      },
    });
    const timer = setTimeout(() => {
      payload.unpipe(guarded);
      closeAfterReply(request, reply);
      guarded.destroy(Object.assign(new RequestTimeoutError(`The request body was not received within ${bodyTimeoutMs} ms (REQUEST_BODY_TIMEOUT_MS).`), { statusCode: 408 }));
    }, bodyTimeoutMs);
    const stop = () => clearTimeout(timer);
    payload.once('end', stop);
    payload.once('error', (error) => {
      stop();
      guarded.destroy(error);
    });
    guarded.once('close', stop);
    payload.pipe(guarded);
    return guarded;
  });

  const { maxJsonDepth, maxJsonNodes } = config.requestLimits;
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const problem = checkJsonStructure(body as string, { maxDepth: maxJsonDepth, maxNodes: maxJsonNodes });
    if (problem?.kind === 'depth') {
      done(Object.assign(new InvalidRequestError(`The request body nests deeper than ${problem.limit} levels (REQUEST_MAX_JSON_DEPTH).`, { code: 'nesting_too_deep' }), { statusCode: 400 }), undefined);
      return;
    }
    if (problem?.kind === 'nodes') {
      done(Object.assign(new PayloadTooLargeError(`The request body has more than ${problem.limit} JSON values (REQUEST_MAX_JSON_NODES).`, { code: 'too_many_values' }), { statusCode: 413 }), undefined);
      return;
    }
    parseJson(request, body as string, done);
  });
}

/**
 * Node answers malformed requests itself (bad request line, headers too large, header timeout)
 * before any route exists. Its plain pages are replaced by a JSON error readable by both dialects'
 * clients (Google's fields plus OpenAI's `type`/`param`). Nothing from the request is echoed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'ERR_HTTP_HEADERS_TIMEOUT' ? 408 : 400;
  const message = status === 431 ? 'Request headers are too large.' : status === 408 ? 'The request was not received in time.' : 'Malformed HTTP request.';
  const body = JSON.stringify({ error: { code: status, message, status: status === 408 ? 'DEADLINE_EXCEEDED' : 'INVALID_ARGUMENT', type: 'invalid_request_error', param: null } });
  // Never inject a page into an answer already under way on this socket (as Node itself checks).
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroySoon();
}
