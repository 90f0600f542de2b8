import type { GenerateContentResponse } from '../gemini/types';
import type { FinishReason, StreamEvent, UsageEvent } from '../stream/events';
import { createGeminiStreamDecoder } from '../stream/gemini-stream-decoder';
import { imageMarkdown } from './markdown-image';
import { encodeToolCallId } from './tool-call-id';
import type { ChatCompletion, ChatCompletionChoice, ChatCompletionMessage, OpenAIAnnotation, OpenAIFinishReason, OpenAIToolCall, ResponseIdentity } from './types';
import { toOpenAIUsage } from './usage';

interface ChoiceDraft {
  content: string;
  reasoning: string;
  toolCalls: OpenAIToolCall[];
  sources: Array<{ uri: string; title: string }>;
  refusal: string | null;
  finishReason: FinishReason | undefined;
}

/**
 * Events of a whole response → one `chat.completion` (non-streaming). Text parts are concatenated
 * as they came (no blank lines inserted); each candidate index is a choice; usage is always present.
 * Failures are not represented here: check findStreamFailure(events) first and answer with an error.
 */
export function aggregateChatCompletion(identity: ResponseIdentity, events: readonly StreamEvent[]): ChatCompletion {
  const drafts = new Map<number, ChoiceDraft>();
  const draftOf = (index: number): ChoiceDraft => {
    let draft = drafts.get(index);
    if (!draft) {
      draft = { content: '', reasoning: '', toolCalls: [], sources: [], refusal: null, finishReason: undefined };
      drafts.set(index, draft);
    }
    return draft;
  };
  draftOf(0);
  let usage: UsageEvent | undefined;

  for (const event of events) {
    switch (event.type) {
      case 'text-delta':
        draftOf(event.index).content += event.text;
        break;
      case 'reasoning-delta':
        draftOf(event.index).reasoning += event.text;
        break;
      case 'image':
        draftOf(event.index).content += imageMarkdown(event.mimeType, event.data);
        break;
      case 'tool-call':
        draftOf(event.index).toolCalls.push({
          id: encodeToolCallId(event.id, event.thoughtSignature),
          type: 'function',
          function: { name: event.name, arguments: event.arguments },
        });
        break;
      case 'sources':
        draftOf(event.index).sources.push(...event.sources);
        break;
      case 'finish': {
        const draft = draftOf(event.index);
        draft.finishReason ??= event.reason;
        if (event.reason === 'content_filter' && event.message) draft.refusal = event.message;
        break;
      }
      case 'usage':
        usage = event;
        break;
      case 'blocked':
      case 'error':
        break;
    }
  }

  const choices = [...drafts.entries()].sort(([a], [b]) => a - b).map(([index, draft]) => toChoice(index, draft));
  return { id: identity.id, object: 'chat.completion', created: identity.created, model: identity.model, choices, usage: toOpenAIUsage(usage) };
}

export interface GeminiResponseConversionOptions extends ResponseIdentity {
  newToolCallId: () => string;
}

/** A whole (non-streaming) Gemini response → neutral events, terminal events included. */
export function decodeGeminiResponse(response: GenerateContentResponse, options: { newToolCallId: () => string }): StreamEvent[] {
  const decoder = createGeminiStreamDecoder({ newToolCallId: options.newToolCallId });
  return [...decoder.decode(response), ...decoder.end()];
}

/**
 * Convenience: decode + aggregate. Use decodeGeminiResponse + findStreamFailure + aggregate instead
 * when failures (MALFORMED_FUNCTION_CALL, empty OTHER) must become an error response.
 */
export function geminiResponseToChatCompletion(response: GenerateContentResponse, options: GeminiResponseConversionOptions): ChatCompletion {
  const { newToolCallId, ...identity } = options;
  return aggregateChatCompletion(identity, decodeGeminiResponse(response, { newToolCallId }));
}

function toChoice(index: number, draft: ChoiceDraft): ChatCompletionChoice {
  const hasCalls = draft.toolCalls.length > 0;
  const message: ChatCompletionMessage = {
    role: 'assistant',
    content: draft.content !== '' ? draft.content : hasCalls || draft.refusal !== null ? null : '',
    refusal: draft.refusal,
  };
  if (draft.reasoning !== '') message.reasoning_content = draft.reasoning;
  if (hasCalls) message.tool_calls = draft.toolCalls;
  if (draft.sources.length > 0) message.annotations = draft.sources.map((source) => annotation(source, draft.content.length));
  return { index, message, logprobs: null, finish_reason: toOpenAIFinishReason(draft.finishReason, hasCalls) };
}

function annotation(source: { uri: string; title: string }, contentLength: number): OpenAIAnnotation {
  return { type: 'url_citation', url_citation: { url: source.uri, title: source.title, start_index: 0, end_index: contentLength } };
}

/** `error` finishes are failures the caller should have reported; as a last resort they read as a stop. */
function toOpenAIFinishReason(reason: FinishReason | undefined, hasCalls: boolean): OpenAIFinishReason {
  if (reason === undefined || reason === 'error') return hasCalls ? 'tool_calls' : 'stop';
  return reason;
}
