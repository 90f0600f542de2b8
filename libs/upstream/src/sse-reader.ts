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

/**
 * Reads Code Assist's `text/event-stream` body and yields each event's JSON object. Multi-line
 * `data:` is joined (the SSE spec; Gemini CLI accepts it too).
 */
export async function* readJsonEvents<T extends object>(body: AsyncIterable<Buffer | Uint8Array | string>, options: ReadJsonEventsOptions = {}): AsyncGenerator<T> {
  const limit = options.maxEventChars ?? MAX_UPSTREAM_EVENT_CHARS;
  const pending: T[] = [];
  let oversized = false;
  const parser = createParser({
    maxBufferSize: limit,
    onError(error) {
      if (error.type === 'max-buffer-size-exceeded') oversized = true;
    },
    onEvent(event: EventSourceMessage) {
      if (!event.data) return;
      let value: unknown;
      try {
        value = JSON.parse(event.data);
      } catch {
        value = undefined;
      }
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) pending.push(value as T);
      else options.onMalformed?.(event.data.slice(0, 200));
    },
  });
  const decoder = new TextDecoder();
  const tooLarge = () => new UpstreamBadResponseError(`Code Assist sent a stream event larger than ${Math.round(limit / 1024 / 1024)} MiB; the stream was stopped.`);
  try {
    for await (const chunk of body) {
      parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      if (oversized) throw tooLarge();
      while (pending.length > 0) yield pending.shift() as T;
    }
  } catch (error) {
    if (error instanceof UpstreamBadResponseError) throw error;
    throw translateTransportError(error, 'streamGenerateContent');
  }
  parser.feed(decoder.decode());
  // An unterminated last event is lost in Gemini CLI too; we flush a complete one if present.
  parser.feed('\n\n');
  if (oversized) throw tooLarge();
  while (pending.length > 0) yield pending.shift() as T;
}
