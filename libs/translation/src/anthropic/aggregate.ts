import type { StreamEvent } from '../stream/events';
import { createAnthropicEventEncoder, type AnthropicStreamEvent } from './message-events';
import type { AnthropicContentBlock, AnthropicMessage, AnthropicResponseIdentity } from './types';

/**
 * Events of a whole response → one Anthropic `Message` (non-streamed), by folding the very event
 * sequence the stream encoder sends, as the SDK's own accumulator does: both paths agree by
 * construction. Check findStreamFailure(events) first; failures are not represented here.
 */
export function aggregateAnthropicMessage(identity: AnthropicResponseIdentity, events: readonly StreamEvent[]): AnthropicMessage {
  return foldAnthropicEvents(createAnthropicEventEncoder(identity).end(events));
}

export function foldAnthropicEvents(events: readonly AnthropicStreamEvent[]): AnthropicMessage {
  let message: AnthropicMessage | undefined;
  const json = new Map<number, string>();
  for (const event of events) {
    switch (event.type) {
      case 'message_start':
        message = { ...event.message, content: [] };
        break;
      case 'content_block_start':
        message?.content.push({ ...event.content_block } as AnthropicContentBlock);
        break;
      case 'content_block_delta': {
        const block = message?.content[event.index];
        const delta = event.delta;
        if (block?.type === 'text' && delta.type === 'text_delta') block.text += delta.text;
        else if (block?.type === 'thinking' && delta.type === 'thinking_delta') block.thinking += delta.thinking;
        else if (block?.type === 'thinking' && delta.type === 'signature_delta') block.signature = delta.signature;
        else if (block?.type === 'tool_use' && delta.type === 'input_json_delta') json.set(event.index, (json.get(event.index) ?? '') + delta.partial_json);
        break;
      }
      case 'content_block_stop': {
        const block = message?.content[event.index];
        const text = json.get(event.index);
        if (block?.type === 'tool_use' && text !== undefined) block.input = parseInput(text);
        break;
      }
      case 'message_delta':
        if (message) Object.assign(message, event.delta, { usage: event.usage });
        break;
      case 'message_stop':
        break;
    }
  }
  if (!message) throw new Error('foldAnthropicEvents: no message_start');
  return message;
}

function parseInput(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
