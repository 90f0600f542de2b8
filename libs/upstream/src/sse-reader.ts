import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Readable } from 'node:stream';
import { translateTransportError } from './code-assist-http';

/**
 * Reads Code Assist's `text/event-stream` body and yields each event's JSON. Multi-line `data:`
 * is joined (the SSE spec; Gemini CLI accepts it too); events that are not JSON are dropped and
 * reported through `onMalformed` instead of failing the stream.
 */
export async function* readJsonEvents<T>(body: Readable | AsyncIterable<Buffer>, options: { onMalformed?: (data: string) => void } = {}): AsyncGenerator<T> {
  const pending: T[] = [];
  const parser = createParser({
    onEvent(event: EventSourceMessage) {
      if (!event.data) return;
      try {
        pending.push(JSON.parse(event.data) as T);
      } catch {
        options.onMalformed?.(event.data);
      }
    },
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of body) {
      parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
      while (pending.length > 0) yield pending.shift() as T;
    }
  } catch (error) {
    throw translateTransportError(error, 'streamGenerateContent');
  }
  parser.feed(decoder.decode());
  // An unterminated last event is lost in Gemini CLI too; we flush a complete one if present.
  parser.feed('\n\n');
  while (pending.length > 0) yield pending.shift() as T;
}
