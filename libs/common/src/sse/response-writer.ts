import type { ServerResponse } from 'node:http';

/**
 * Writes a streamed answer to a raw Node response with backpressure: `write()` resolves when the
 * socket took the bytes (or waits for 'drain'), so a slow client slows the upstream read instead
 * of growing our memory. `signal` aborts when the client goes away.
 */
export class StreamResponseWriter {
  private readonly abortController = new AbortController();
  private finished = false;

  constructor(private readonly response: ServerResponse) {
    const onClose = (): void => {
      if (!this.response.writableFinished) this.abortController.abort(new Error('client disconnected'));
    };
    response.once('close', onClose);
  }

  /** Aborted when the client disconnects before the answer is complete. */
  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  get clientGone(): boolean {
    return this.abortController.signal.aborted;
  }

  get headersSent(): boolean {
    return this.response.headersSent;
  }

  start(status: number, headers: Record<string, string>): void {
    if (this.response.headersSent) return;
    this.response.writeHead(status, headers);
    this.response.flushHeaders();
  }

  async write(chunk: string): Promise<void> {
    if (this.clientGone || this.finished) return;
    if (this.response.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      this.response.once('drain', done);
      this.response.once('close', done);
    });
  }

  end(chunk?: string): void {
    if (this.finished) return;
    this.finished = true;
    // A client that left may have only half-closed its side; drop the socket instead of
    // answering into it, or it lingers as a "busy" connection and blocks server shutdown.
    if (this.clientGone) this.response.destroy();
    else if (!this.response.writableEnded) this.response.end(chunk);
  }
}

export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};
