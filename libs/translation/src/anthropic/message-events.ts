import type { FinishReason, StreamEvent, UsageEvent } from '../stream/events';
import { imageMarkdown } from '../openai/markdown-image';
import { encodeToolCallId } from '../openai/tool-call-id';
import type { AnthropicContentBlock, AnthropicMessage, AnthropicResponseIdentity, AnthropicStopReason, AnthropicUsage } from './types';

/** Anthropic's streaming events (the `type` of each SSE `data`, also its `event:` name). */
export type AnthropicStreamEvent =
  | { type: 'message_start'; message: AnthropicMessage }
  | { type: 'content_block_start'; index: number; content_block: AnthropicContentBlock }
  | { type: 'content_block_delta'; index: number; delta: AnthropicBlockDelta }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason: AnthropicStopReason; stop_sequence: string | null }; usage: AnthropicUsage }
  | { type: 'message_stop' };

export type AnthropicBlockDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }
  | { type: 'input_json_delta'; partial_json: string };

/** The prefix of our tool_use ids; the base id and the thought signature follow (tool-call-id.ts). */
export const TOOL_USE_ID_PREFIX = 'toolu_';

export interface AnthropicEventEncoder {
  /** Events for neutral events of candidate 0 (Anthropic has one); `message_start` comes first. */
  encode(events: readonly StreamEvent[]): AnthropicStreamEvent[];
  /** Closes the open block, then `message_delta` (stop_reason, usage) and `message_stop`. */
  end(events: readonly StreamEvent[]): AnthropicStreamEvent[];
}

/**
 * Neutral events → Anthropic's event sequence. Blocks open and close in order: thoughts become a
 * `thinking` block, text a `text` block, each call a `tool_use` block sent whole (one
 * `input_json_delta`). Gemini's thoughtSignature rides twice, so it survives any client and any
 * replica without server state: inside the tool_use id (`toolu_<id>.ts.<signature>`, as the OpenAI
 * route does), and as the `signature_delta` of the thinking block right before the call.
 */
export function createAnthropicEventEncoder(identity: AnthropicResponseIdentity): AnthropicEventEncoder {
  let started = false;
  let open: { index: number; kind: 'text' | 'thinking' } | undefined;
  let nextIndex = 0;
  let finish: FinishReason | undefined;
  let usage: UsageEvent | undefined;

  const out: AnthropicStreamEvent[] = [];
  const start = () => {
    if (started) return;
    started = true;
    out.push({
      type: 'message_start',
      message: { id: identity.id, type: 'message', role: 'assistant', model: identity.model, content: [], stop_reason: null, stop_sequence: null, usage: toAnthropicUsage(undefined) },
    });
  };
  const close = () => {
    if (open) out.push({ type: 'content_block_stop', index: open.index });
    open = undefined;
  };
  const ensure = (kind: 'text' | 'thinking'): number => {
    if (open?.kind === kind) return open.index;
    close();
    open = { index: nextIndex++, kind };
    out.push({ type: 'content_block_start', index: open.index, content_block: kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' } });
    return open.index;
  };

  function one(event: StreamEvent): void {
    if ('index' in event && event.index !== 0) return;
    switch (event.type) {
      case 'text-delta':
        out.push({ type: 'content_block_delta', index: ensure('text'), delta: { type: 'text_delta', text: event.text } });
        return;
      case 'image':
        out.push({ type: 'content_block_delta', index: ensure('text'), delta: { type: 'text_delta', text: imageMarkdown(event.mimeType, event.data) } });
        return;
      case 'reasoning-delta':
        out.push({ type: 'content_block_delta', index: ensure('thinking'), delta: { type: 'thinking_delta', thinking: event.text } });
        return;
      case 'tool-call': {
        if (open?.kind === 'thinking' && event.thoughtSignature) {
          out.push({ type: 'content_block_delta', index: open.index, delta: { type: 'signature_delta', signature: event.thoughtSignature } });
        }
        close();
        const index = nextIndex++;
        const id = encodeToolCallId(`${TOOL_USE_ID_PREFIX}${event.id}`, event.thoughtSignature);
        out.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id, name: event.name, input: {} } });
        out.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: event.arguments } });
        out.push({ type: 'content_block_stop', index });
        return;
      }
      case 'finish':
        finish ??= event.reason;
        return;
      case 'blocked':
        finish ??= 'content_filter';
        return;
      case 'usage':
        usage = event;
        return;
      case 'sources':
      case 'error':
        return;
    }
  }

  const drain = (): AnthropicStreamEvent[] => out.splice(0, out.length);

  return {
    encode(events) {
      start();
      events.forEach(one);
      return drain();
    },
    end(events) {
      start();
      events.forEach(one);
      close();
      out.push({ type: 'message_delta', delta: stopOf(finish, identity.stopSequences), usage: toAnthropicUsage(usage) });
      out.push({ type: 'message_stop' });
      return drain();
    },
  };
}

/**
 * Gemini does not say which stop sequence ended a STOP finish, nor whether one did: with
 * stop_sequences in the request, a plain stop is reported as `stop_sequence` (naming the sequence
 * when there was only one).
 */
function stopOf(finish: FinishReason | undefined, stopSequences: readonly string[] | undefined): { stop_reason: AnthropicStopReason; stop_sequence: string | null } {
  switch (finish) {
    case 'length':
      return { stop_reason: 'max_tokens', stop_sequence: null };
    case 'tool_calls':
      return { stop_reason: 'tool_use', stop_sequence: null };
    case 'content_filter':
      return { stop_reason: 'refusal', stop_sequence: null };
    default: {
      const sequences = (stopSequences ?? []).filter((stop) => stop !== '');
      if (sequences.length === 0) return { stop_reason: 'end_turn', stop_sequence: null };
      return { stop_reason: 'stop_sequence', stop_sequence: sequences.length === 1 ? sequences[0] : null };
    }
  }
}

/** Neutral usage → Anthropic's: cached prompt tokens are reported apart, output includes thoughts. */
export function toAnthropicUsage(usage: UsageEvent | undefined): AnthropicUsage {
  const cached = usage?.cachedTokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage?.promptTokens ?? 0) - cached),
    output_tokens: usage?.completionTokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
}
