import type { StreamEvent } from '../stream/events';
import type { StreamEncoder, WireFrame } from '../stream/stream-transform';
import { anthropicErrorBody, anthropicErrorFor } from './errors';
import { createAnthropicEventEncoder, type AnthropicStreamEvent } from './message-events';
import type { AnthropicResponseIdentity } from './types';

const frame = (event: AnthropicStreamEvent): WireFrame => ({ kind: 'data', event: event.type, data: event });

/**
 * The Anthropic dialect as a StreamEncoder: `event: <type>` + `data: {...}` frames in Anthropic's
 * order (message-events.ts), `event: ping` while the model is silent, and `event: error` with
 * `{"type":"error","error":{type,message}}` when the stream fails after its headers went out.
 */
export function createAnthropicStreamEncoder(identity: AnthropicResponseIdentity): StreamEncoder {
  const events = createAnthropicEventEncoder(identity);
  return {
    encode: (_chunk, neutral: readonly StreamEvent[]) => events.encode(neutral).map(frame),
    end: (neutral) => events.end(neutral).map(frame),
    fail: (error) => {
      const { type } = anthropicErrorFor(error.status, error.errorClass);
      return [{ kind: 'data', event: 'error', data: anthropicErrorBody(type, error.message) }];
    },
    heartbeat: { kind: 'data', event: 'ping', data: { type: 'ping' } },
    modelFailuresAreErrors: true,
  };
}
