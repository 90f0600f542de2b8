import type { Writable } from 'node:stream';

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
 * Heartbeats do not hide a stall: they are writes too, and they pile up the same way.
 */
export function watchSendStall(response: Writable, stallMs: number, options: SendStallOptions = {}): SendStallWatch {
  if (stallMs <= 0) return { stop: () => undefined };
  const onStall = options.onStall ?? (() => response.destroy());
  let stalledSince: number | undefined;
  const onDrain = () => { stalledSince = undefined; };
  const timer = setInterval(() => {
    if (!response.writableNeedDrain) {
      stalledSince = undefined;
      return;
    }
    const now = Date.now();
    stalledSince ??= now;
    if (now - stalledSince >= stallMs) {
      stop();
      onStall();
    }
  }, options.checkEveryMs ?? Math.max(10, Math.min(1_000, Math.floor(stallMs / 4))));
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    response.off('drain', onDrain);
    response.off('close', stop);
    response.off('finish', stop);
  };
  response.on('drain', onDrain);
  response.once('close', stop);
  response.once('finish', stop);
  return { stop };
}
