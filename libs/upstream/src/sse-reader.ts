import { AsyncResource } from 'node:async_hooks';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { UpstreamBadResponseError } from '@app/common';
import { translateTransportError } from './code-assist-http';

/**
 * The most one SSE event (a line without its newline, or the `data:` lines of one event) may hold,
 * in characters (≈ bytes for JSON). Code Assist's largest events (an inline image) are a few MB;
 * past this the stream fails with a 502 instead of buffering without bound.
 */
export const MAX_UPSTREAM_EVENT_CHARS = 16 * 1024 * 1024;

export interface ReadJsonEventsOptions {
  /** An event that is not a JSON object: dropped and reported here instead of failing the stream. */
  onMalformed?: (data: string) => void;
  maxEventChars?: number;
}

/** What the push reader needs of a response body: a Node Readable (undici's BodyReadable, or a twin). */
export interface EventStreamBody {
  on(event: 'data', listener: (chunk: Buffer | Uint8Array | string) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(error?: Error): unknown;
  readonly destroyed: boolean;
}

/** Where the push reader hands what it read. Exactly one of `end` or `error` is called, once. */
export interface JsonEventSink<T> {
  event(value: T): void;
  end(): void;
  error(error: unknown): void;
}

export interface JsonEventPump {
  /** Stops reading from the socket (backpressure); events already read are still delivered. */
  pause(): void;
  resume(): void;
  /** Stops for good without calling the sink again, and destroys the body (frees the socket). */
  stop(): void;
}

/**
 * Reads Code Assist's `text/event-stream` body as it arrives and hands each event's JSON object to
 * `sink.event`, synchronously, from the socket's own `data` callback: no promise, iterator or
 * buffer per chunk, and nothing allocated while a stream waits for its next chunk (10,000 streams
 * that wait 5 s between chunks used to keep three suspended async generators and their promises
 * each; see docs/benchmarks.md). Multi-line `data:` is joined (the SSE spec; Gemini CLI accepts it
 * too). The sink runs in the async context of the caller of this function (the request's), not the
 * pooled socket's, so logs and usage carry the right request. A sink that throws ends the stream
 * with that error; nothing escapes into the socket's callback.
 */
export function pumpJsonEvents<T extends object>(body: EventStreamBody, sink: JsonEventSink<T>, options: ReadJsonEventsOptions = {}): JsonEventPump {
  const limit = options.maxEventChars ?? MAX_UPSTREAM_EVENT_CHARS;
  const scope = new AsyncResource('geminicli2api.upstream-stream');
  const decoder = new TextDecoder();
  let finished = false;
  let oversized = false;

  const tooLarge = (): UpstreamBadResponseError =>
    new UpstreamBadResponseError(`Code Assist sent a stream event larger than ${Math.round(limit / 1024 / 1024)} MiB; the stream was stopped.`);
  const detach = (): void => {
    body.removeListener('data', onData);
    body.removeListener('end', onEnd);
    body.removeListener('close', onClose);
    body.removeListener('error', onError);
    // A body destroyed later (an abort, a reset) may still emit 'error': never unhandled.
    body.on('error', ignore);
  };
  const finish = (error?: unknown): void => {
    if (finished) return;
    finished = true;
    detach();
    if (error !== undefined && !body.destroyed) body.destroy();
    scope.runInAsyncScope(() => (error === undefined ? sink.end() : sink.error(error)));
    scope.emitDestroy();
  };
  const parser = createParser({
    maxBufferSize: limit,
    onError(error) {
      if (error.type === 'max-buffer-size-exceeded') oversized = true;
    },
    onEvent(event: EventSourceMessage) {
      if (finished || !event.data) return;
      let value: unknown;
      try {
        value = JSON.parse(event.data);
      } catch {
        value = undefined;
      }
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) scope.runInAsyncScope(sink.event, sink, value as T);
      else options.onMalformed?.(event.data.slice(0, 200));
    },
  });
  function onData(chunk: Buffer | Uint8Array | string): void {
    if (finished) return;
    try {
      parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    } catch (error) {
      finish(error ?? new Error('the stream reader failed'));
      return;
    }
    if (oversized) finish(tooLarge());
  }
  function onEnd(): void {
    if (finished) return;
    try {
      parser.feed(decoder.decode());
      // An unterminated last event is lost in Gemini CLI too; we flush a complete one if present.
      parser.feed('\n\n');
    } catch (error) {
      finish(error ?? new Error('the stream reader failed'));
      return;
    }
    finish(oversized ? tooLarge() : undefined);
  }
  function onError(error: Error): void {
    finish(translateTransportError(error, 'streamGenerateContent'));
  }
  function onClose(): void {
    // Closed without 'end' or 'error': the connection went away mid-answer.
    finish(translateTransportError(Object.assign(new Error('the upstream stream closed before it ended'), { code: 'UND_ERR_SOCKET' }), 'streamGenerateContent'));
  }

  body.on('end', onEnd);
  body.on('close', onClose);
  body.on('error', onError);
  body.on('data', onData);
  return {
    pause: () => void body.pause(),
    resume: () => void body.resume(),
    stop: () => {
      if (finished) return;
      finished = true;
      detach();
      if (!body.destroyed) body.destroy();
      scope.emitDestroy();
    },
  };
}

/**
 * The same reader as an async iterator, for callers that want to pull (tests, tools). The gateway's
 * streams use `pumpJsonEvents` directly.
 */
export async function* readJsonEvents<T extends object>(body: EventStreamBody, options: ReadJsonEventsOptions = {}): AsyncGenerator<T> {
  const queue: T[] = [];
  let outcome: { error?: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  const pump = pumpJsonEvents<T>(body, {
    event: (value) => {
      queue.push(value);
      if (queue.length >= 64) pump.pause();
      notify();
    },
    end: () => {
      outcome = {};
      notify();
    },
    error: (error) => {
      outcome = { error };
      notify();
    },
  }, options);
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift() as T;
      if (outcome) break;
      pump.resume();
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (outcome.error !== undefined) throw outcome.error;
  } finally {
    pump.stop();
  }
}

function ignore(): void {}
