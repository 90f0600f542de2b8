import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { OVERHEAD_HEADER, overheadMs, requestContext, requestIdFrom, surfaceOf, type GatewayMetrics, type RequestContext } from '@app/common';

/**
 * Per-request observability, installed as Fastify hooks so it also covers hijacked streams and
 * framework errors: a request id (adopted from X-Request-ID or made) in AsyncLocalStorage for every
 * log line and echoed back; in-flight gauge; duration and count by route template; one access log
 * line (probes at debug, so they do not flood info); the gateway-overhead header and histogram.
 */
export interface DrainCounter {
  readonly isDraining: boolean;
  requestStarted(): void;
  requestEnded(): void;
}

export function installHttpObservability(fastify: FastifyInstance, metrics: GatewayMetrics, logger: Logger, drain: DrainCounter): void {
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const context: RequestContext = {
      requestId: requestIdFrom(request.headers['x-request-id']),
      surface: surfaceOf(request.url),
      startedAt: performance.now(),
      upstreamMs: 0,
    };
    void reply.header('x-request-id', context.requestId);
    // While draining, keep-alive connections are told to go: the next request opens a new
    // connection, which the load balancer sends to a replica that is still ready.
    if (drain.isDraining) void reply.header('connection', 'close');
    drain.requestStarted();
    metrics.httpInFlight.inc({ surface: context.surface });
    reply.raw.once('close', () => finish(request, reply, context));
    requestContext.run(context, done);
  });

  fastify.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
    const context = requestContext.getStore();
    if (context && context.surface !== 'health' && context.surface !== 'other') void reply.header(OVERHEAD_HEADER, overheadMs(context).toFixed(2));
    if (context?.responseHeaders) void reply.headers(context.responseHeaders);
    done(null, payload);
  });

  function finish(request: FastifyRequest, reply: FastifyReply, context: RequestContext): void {
    const durationMs = performance.now() - context.startedAt;
    const route = request.routeOptions?.url ?? 'unmatched';
    const status = String(reply.raw.statusCode);
    const aborted = !reply.raw.writableFinished;
    drain.requestEnded();
    metrics.httpInFlight.dec({ surface: context.surface });
    metrics.httpDuration.observe({ route, method: request.method, status, surface: context.surface }, durationMs / 1000);
    metrics.httpRequests.inc({ route, method: request.method, status, surface: context.surface, client: context.clientKeyName ?? 'none' });
    if (context.upstreamMs > 0 && !isStream(reply)) metrics.gatewayOverhead.observe({ surface: context.surface }, overheadMs(context) / 1000);
    const line = { msg: 'request', requestId: context.requestId, method: request.method, route, status: Number(status), durationMs: Math.round(durationMs), surface: context.surface, client: context.clientKeyName, clientClosed: aborted || undefined };
    if (context.surface === 'health') logger.debug(line);
    else logger.info(line);
  }
}

function isStream(reply: FastifyReply): boolean {
  return String(reply.raw.getHeader('content-type') ?? '').startsWith('text/event-stream') || reply.raw.getHeader('x-accel-buffering') === 'no';
}
