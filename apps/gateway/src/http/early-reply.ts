import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** How long a connection answered early keeps swallowing the rest of its body before it is cut. */
export const LINGER_MS = 2_000;

/**
 * A request answered before its body was read (401, 404, 408, 413): the connection closes after
 * the answer, so a body nobody will use is never buffered, parsed or waited for.
 *
 * Closing at once would lose the answer: unread bytes in our receive buffer make the kernel send
 * a reset, and a reset can make the client drop the answer it has not read yet. So, as nginx's
 * lingering close does, the answer goes out with a FIN, what still arrives is discarded (Node
 * dumps the request body, it never stores it), and the socket is destroyed after LINGER_MS.
 */
export function closeAfterReply(request: FastifyRequest, reply: FastifyReply): void {
  if (!hasUnreadBody(request)) return;
  void reply.header('connection', 'close');
  const socket = request.raw.socket as Socket & { destroySoon?: () => void };
  // Node's HTTP server calls destroySoon() once a `Connection: close` answer is written.
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}

export function hasUnreadBody(request: FastifyRequest): boolean {
  const raw = request.raw;
  if (raw.complete) return false;
  const length = Number(raw.headers['content-length'] ?? 0);
  return length > 0 || raw.headers['transfer-encoding'] !== undefined;
}
