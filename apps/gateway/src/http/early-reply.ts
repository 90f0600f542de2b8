import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A request answered before its body was read (401, 404, 408, 413): the connection is closed after
 * the answer, so Node never buffers or keeps reading a body nobody will use. Node discards what
 * arrives until the socket closes (it never stores it), which lets the client read the answer
 * instead of seeing a reset mid-upload.
 */
export function closeAfterReply(request: FastifyRequest, reply: FastifyReply): void {
  if (hasUnreadBody(request)) void reply.header('connection', 'close');
}

export function hasUnreadBody(request: FastifyRequest): boolean {
  const raw = request.raw;
  if (raw.complete) return false;
  const length = Number(raw.headers['content-length'] ?? 0);
  return length > 0 || raw.headers['transfer-encoding'] !== undefined;
}
