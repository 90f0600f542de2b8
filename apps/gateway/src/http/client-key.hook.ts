import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest, ClientKeyGuard } from '@app/auth';
import { NotFoundError, sendError, toGatewayError } from '@app/common';
import { closeAfterReply } from './early-reply';

/**
 * Routes reachable without a client key. Mirrors the controllers marked @Public(); a public route
 * missing here fails closed (401), and the guard still checks every other route a second time.
 * Every `/admin/*` route checks ADMIN_API_KEY itself.
 */
const PUBLIC_ROUTES = new Set(['/', '/health', '/health/live', '/health/ready']);
const isPublic = (route: string) => PUBLIC_ROUTES.has(route) || route.startsWith('/admin/');

export const UNKNOWN_ROUTE_MESSAGE = 'Not found. This gateway serves /v1/chat/completions, /v1/models, /v1/messages, /v1/responses, /v1beta/models/{model}:generateContent, :streamGenerateContent and :countTokens.';

/**
 * Checks the client key in onRequest, before Fastify reads a byte of the body: an unauthenticated
 * caller never gets a body buffered, parsed or timed. Unknown routes answer 404 here too (no body
 * read, no URL echoed). Answers use the caller's dialect.
 */
export function installClientKeyHook(fastify: FastifyInstance, guard: ClientKeyGuard): void {
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (request.is404) {
      closeAfterReply(request, reply);
      sendError(reply, request.url, new NotFoundError(UNKNOWN_ROUTE_MESSAGE, { code: 'not_found' }));
      return;
    }
    const route = request.routeOptions.url;
    if (route !== undefined && isPublic(route)) {
      done();
      return;
    }
    try {
      guard.authenticate(request as AuthenticatedRequest);
    } catch (error) {
      closeAfterReply(request, reply);
      sendError(reply, request.url, toGatewayError(error));
      return;
    }
    done();
  });
}
