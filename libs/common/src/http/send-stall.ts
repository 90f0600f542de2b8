import type { Writable } from 'node:stream';
import { tickEvery, type TickTask } from './shared-ticker';

export interface SendStallWatch {
  /** Stops watching (idempotent); called by itself when the response closes or finishes. */
  stop(): void;
}

export interface SendStallOptions {
  /** What to do on a stall; by default the response is destroyed, which closes the socket. */
  onStall?: () => void;
  /** How often the buffer is looked at; by default a quarter of `stallMs`, at most 1 s. */
  checkEveryMs?: number;
}

/**
 * A client that stops reading a stream keeps its limiter slot and its upstream call for as long
 * as the socket stays open: writes only pile up in buffers. This watch fires when the response
 * has needed a drain (`writableNeedDrain`) for `stallMs` without one: by default it destroys the
 * response, which is a client disconnect to everything downstream (the request's abort signal
 * fires, the upstream call is cancelled, the limiter slot is freed). `stallMs` 0 disables it.
 * Heartbeats do not hide a stall: they are writes too, and they pile up the same way. Every watch
 * with the same check period shares one timer (see tickEvery).
 */
export function watchSendStall(response: Writable, stallMs: number, options: SendStallOptions = {}): SendStallWatch {
  if (stallMs <= 0) return { stop: () => undefined };
  const watch = new StallWatch(response, stallMs, options.onStall ?? (() => response.destroy()));
  watch.begin(options.checkEveryMs ?? Math.max(10, Math.min(1_000, Math.floor(stallMs / 4))));
  return watch;
}

class StallWatch implements TickTask, SendStallWatch {
  private stalledSince?: number;
  private untick?: () => void;
  private readonly onDrain = (): void => {
    this.stalledSince = undefined;
  };
  readonly stop = (): void => {
    this.untick?.();
    this.untick = undefined;
    this.response.off('drain', this.onDrain);
    this.response.off('close', this.stop);
    this.response.off('finish', this.stop);
  };

  constructor(private readonly response: Writable, private readonly stallMs: number, private readonly onStall: () => void) {}

  begin(checkEveryMs: number): void {
    this.untick = tickEvery(checkEveryMs, this);
    this.response.on('drain', this.onDrain);
    this.response.once('close', this.stop);
    this.response.once('finish', this.stop);
  }

  tick(now: number): void {
    if (!this.response.writableNeedDrain) {
      this.stalledSince = undefined;
      return;
    }
    this.stalledSince ??= now;
    if (now - this.stalledSince >= this.stallMs) {
      this.stop();
      this.onStall();
    }
  }
}
