/**
 * Server-sent events as cloudcode-pa sends them (§1.4): one `data: <compact JSON>` line per event,
 * each event terminated by a blank line, CRLF line endings, no `[DONE]`; the body simply ends.
 */
import type { RequestContext } from './http-utils';

export const formatSseEvent = (event: unknown): string => `data: ${JSON.stringify(event)}\r\n\r\n`;

export class SseWriter {
  constructor(private readonly context: RequestContext) {}

  get gone(): boolean {
    return this.context.signal.aborted || this.context.response.destroyed;
  }

  start(): void {
    const { response } = this.context;
    if (response.headersSent || this.gone) return;
    this.context.record.status = 200;
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      vary: 'Origin, X-Origin, Referer',
    });
    response.flushHeaders();
  }

  /** Writes one event; resolves once the bytes were handed to the socket (backpressure aware). False if the client is gone. */
  send(event: unknown): Promise<boolean> {
    if (this.gone) return Promise.resolve(false);
    const { response } = this.context;
    return new Promise((resolve) => {
      const onClose = (): void => resolve(false);
      response.once('close', onClose);
      response.write(formatSseEvent(event), () => {
        response.off('close', onClose);
        resolve(!this.gone);
      });
    });
  }

  end(): void {
    if (!this.context.response.writableEnded && !this.gone) this.context.response.end();
  }

  /** Simulates a network failure: drops the connection without the terminating chunk. */
  destroy(): void {
    this.context.request.socket.destroy();
  }
}
