import type { FinishEvent, SourcesEvent, StreamEvent, UsageEvent } from '../stream/events';
import type { StreamEncoder, WireFrame } from '../stream/stream-transform';
import { encodeOpenAIStreamError } from './stream-error';
import { imageMarkdown } from './markdown-image';
import { encodeToolCallId } from './tool-call-id';
import type { ChatCompletionChunk, ChatCompletionChunkDelta, OpenAIAnnotation, OpenAIFinishReason, ResponseIdentity } from './types';
import { toOpenAIUsage } from './usage';

export interface ChunkEncoderOptions extends ResponseIdentity {
  /** `stream_options.include_usage`: a final `choices: []` chunk with usage, and `usage: null` before it. */
  includeUsage: boolean;
}

export interface ChatCompletionChunkEncoder {
  /** Chunks for one event; often none (usage, blocked, failures). Never an empty-delta chunk except a finish. */
  encode(event: StreamEvent): ChatCompletionChunk[];
  /** Chunks after the last event: the usage chunk when requested. */
  end(): ChatCompletionChunk[];
}

/**
 * Neutral events → OpenAI `chat.completion.chunk`s.
 * - `role: "assistant"` rides on the first delta of each choice (and only there);
 * - text → `content`, thoughts → `reasoning_content`, images → Markdown data URI in `content`;
 * - a tool call is sent whole in one delta (`tool_calls[{index, id, type, function}]`), its id
 *   carrying the thought signature (tool-call-id.ts);
 * - grounding sources → `annotations` (url_citation) on a delta of their own, spanning the content so far;
 * - a content_filter finish with an explanation puts it in `refusal`, never in the text;
 * - failures (`error` events, `error` finishes) produce nothing here: see streamFailureOf and
 *   encodeOpenAIStreamError.
 */
export function createChatCompletionChunkEncoder(options: ChunkEncoderOptions): ChatCompletionChunkEncoder {
  const roleSent = new Set<number>();
  const contentLength = new Map<number, number>();
  let usage: UsageEvent | undefined;

  function chunk(index: number, delta: ChatCompletionChunkDelta, finishReason: OpenAIFinishReason | null = null): ChatCompletionChunk {
    const withRole: ChatCompletionChunkDelta = roleSent.has(index) ? delta : { role: 'assistant', ...delta };
    roleSent.add(index);
    return {
      id: options.id,
      object: 'chat.completion.chunk',
      created: options.created,
      model: options.model,
      choices: [{ index, delta: withRole, logprobs: null, finish_reason: finishReason }],
      ...(options.includeUsage ? { usage: null } : {}),
    };
  }

  function content(index: number, text: string): ChatCompletionChunk[] {
    if (text === '') return [];
    contentLength.set(index, (contentLength.get(index) ?? 0) + text.length);
    return [chunk(index, { content: text })];
  }

  function annotations(event: SourcesEvent): ChatCompletionChunk[] {
    if (event.sources.length === 0) return [];
    const end = contentLength.get(event.index) ?? 0;
    const list: OpenAIAnnotation[] = event.sources.map((source) => ({
      type: 'url_citation',
      url_citation: { url: source.uri, title: source.title, start_index: 0, end_index: end },
    }));
    return [chunk(event.index, { annotations: list })];
  }

  function finish(event: FinishEvent): ChatCompletionChunk[] {
    if (event.reason === 'error') return [];
    const delta: ChatCompletionChunkDelta = event.reason === 'content_filter' && event.message ? { refusal: event.message } : {};
    return [chunk(event.index, delta, event.reason)];
  }

  return {
    encode(event) {
      switch (event.type) {
        case 'text-delta':
          return content(event.index, event.text);
        case 'reasoning-delta':
          return event.text === '' ? [] : [chunk(event.index, { reasoning_content: event.text })];
        case 'image':
          return content(event.index, imageMarkdown(event.mimeType, event.data));
        case 'tool-call':
          return [chunk(event.index, {
            tool_calls: [{
              index: event.callIndex,
              id: encodeToolCallId(event.id, event.thoughtSignature),
              type: 'function',
              function: { name: event.name, arguments: event.arguments },
            }],
          })];
        case 'sources':
          return annotations(event);
        case 'finish':
          return finish(event);
        case 'usage':
          usage = event;
          return [];
        case 'blocked':
        case 'error':
          return [];
      }
    },

    end() {
      if (!options.includeUsage) return [];
      return [{
        id: options.id,
        object: 'chat.completion.chunk',
        created: options.created,
        model: options.model,
        choices: [],
        usage: toOpenAIUsage(usage),
      }];
    },
  };
}

/**
 * The OpenAI dialect as a StreamEncoder: chat.completion.chunk frames, a usage chunk when asked for,
 * `[DONE]` at the end, `data: {"error":…}` (which the openai SDK raises) after a failure, and
 * `: keep-alive` comments while the model is silent.
 */
export function createOpenAIStreamEncoder(options: ChunkEncoderOptions): StreamEncoder {
  const chunks = createChatCompletionChunkEncoder(options);
  const frames = (events: readonly StreamEvent[]): WireFrame[] =>
    events.flatMap((event) => chunks.encode(event)).map((data) => ({ kind: 'data', data }));
  return {
    encode: (_chunk, events) => frames(events),
    end: (events) => [...frames(events), ...chunks.end().map((data): WireFrame => ({ kind: 'data', data })), { kind: 'data', data: '[DONE]' }],
    fail: (error) => [{ kind: 'data', data: encodeOpenAIStreamError({ message: error.message, type: error.openaiType, code: error.code }) }],
    heartbeat: { kind: 'comment', text: 'keep-alive' },
    modelFailuresAreErrors: true,
  };
}
