import type { ServerResponse } from 'node:http';
import { OVERHEAD_HEADER, currentRequest, overheadMs } from '../logging/request-context';

export type StreamOutcome = 'completed' | 'error' | 'client_closed' | 'drained';

export interface StreamHooks {
  /** First byte sent to the client (headers); `overhead` = gateway time so far minus Google's first byte. */
  onStart?(elapsedMs: number, overhead: number): void;
  onEnd?(outcome: StreamOutcome, elapsedMs: number): void;
}

/**
 * Writes a streamed answer to a raw Node response with backpressure: `write()` resolves when the
 * socket took the bytes (or waits for 'drain'), so a slow client slows the upstream read instead
 * of growing our memory. `signal` aborts when the client goes away. `terminate()` lets a shutdown
 * end the stream with the surface's own final error event.
 */
export class StreamResponseWriter {
  private readonly abortController = new AbortController();
  private clientLeft = false;
  private finished = false;
  private outcome: StreamOutcome = 'completed';
  private terminator?: () => void;
  private wasTerminated = false;
  private readonly startedAt = performance.now();
  private lastWriteAt = performance.now();

  constructor(private readonly response: ServerResponse, private readonly hooks: StreamHooks = {}) {
    response.once('close', () => {
      if (!this.response.writableFinished) {
        this.clientLeft = true;
        this.abortController.abort(new Error('client disconnected'));
        if (!this.finished) this.outcome = 'client_closed';
      }
      if (!this.finished) this.finished = true;
      this.hooks.onEnd?.(this.outcome, performance.now() - this.startedAt);
    });
  }

  /** Aborted when the client disconnects before the answer is complete, or the stream is terminated. */
  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  /** The client went away (or the stream was terminated): stop working on it. */
  get clientGone(): boolean {
    return this.abortController.signal.aborted;
  }

  get headersSent(): boolean {
    return this.response.headersSent;
  }

  get ended(): boolean {
    return this.finished;
  }

  /** Milliseconds since the last write (for keep-alive heartbeats). */
  get idleMs(): number {
    return performance.now() - this.lastWriteAt;
  }

  /** How a shutdown ends this stream (the surface writes its own final error event). */
  onTerminate(terminator: () => void): void {
    this.terminator = terminator;
  }

  /**
   * Ends the stream for a shutdown. Once headers went out, the surface's terminator writes its
   * final error event; before that, only the signal is aborted, so the pending upstream call
   * fails and the request is answered with an error status like any other.
   */
  terminate(): void {
    if (this.finished || this.wasTerminated) return;
    this.wasTerminated = true;
    this.outcome = 'drained';
    if (this.response.headersSent) {
      this.terminator?.();
      this.end();
    }
    this.abortController.abort(new Error('stream terminated: server shutting down'));
  }

  /** Whether a shutdown terminated this stream. */
  get terminated(): boolean {
    return this.wasTerminated;
  }

  /** Marks the outcome of a stream that ends with an error event. */
  failed(): void {
    if (this.outcome === 'completed') this.outcome = 'error';
  }

  start(status: number, headers: Record<string, string>): void {
    if (this.response.headersSent) return;
    const context = currentRequest();
    const all: Record<string, string> = { ...headers };
    let overhead = 0;
    if (context) {
      overhead = overheadMs(context);
      all['x-request-id'] = context.requestId;
      if (context.responseHeaders) Object.assign(all, context.responseHeaders);
      all[OVERHEAD_HEADER] = overhead.toFixed(2);
    }
    this.response.writeHead(status, all);
    this.response.flushHeaders();
    this.lastWriteAt = performance.now();
    this.hooks.onStart?.(performance.now() - (context?.startedAt ?? this.startedAt), overhead);
  }

  async write(chunk: string): Promise<void> {
    if (this.writeNow(chunk)) return;
    await new Promise<void>((resolve) => this.onceDrained(resolve));
  }

  /**
   * Writes without waiting: true while the socket takes more, false once its buffer is full (call
   * `onceDrained` and stop producing until then). A stream that is over takes nothing and says true.
   */
  writeNow(chunk: string): boolean {
    if (this.clientGone || this.finished) return true;
    this.lastWriteAt = performance.now();
    return this.response.write(chunk);
  }

  /** Calls `then` once the socket drained, or the response closed (whichever comes first). */
  onceDrained(then: () => void): void {
    const done = (): void => {
      this.response.off('drain', done);
      this.response.off('close', done);
      then();
    };
    this.response.once('drain', done);
    this.response.once('close', done);
  }

  end(chunk?: string): void {
    if (this.finished) return;
    this.finished = true;
    // A client that left may have only half-closed its side; drop the socket instead of
    // answering into it, or it lingers as a "busy" connection and blocks server shutdown.
    if (this.clientLeft) this.response.destroy();
    else if (!this.response.writableEnded) this.response.end(chunk);
  }
}

export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};
