import type { GeminiCandidate, GeminiPart, GeminiUsageMetadata, GenerateContentResponse } from '../gemini/types';
import type { FinishEvent, Source, StreamEvent, UsageEvent } from './events';
import { mapFinishReason } from './finish-reason';

export interface GeminiStreamDecoderOptions {
  /** A fresh tool-call id per function call (`call_…`); injected so the decoder stays pure. */
  newToolCallId: () => string;
}

export interface GeminiStreamDecoder {
  /** Events for one upstream chunk (an unwrapped GenerateContentResponse). Never throws. */
  decode(chunk: GenerateContentResponse): StreamEvent[];
  /**
   * Terminal events once the upstream body has ended: synthesized finishes for tool-call turns that
   * carried no finishReason, the usage, and an `error` for every candidate that never finished.
   */
  end(): StreamEvent[];
}

export const TRUNCATED_STREAM_MESSAGE = 'upstream stream ended without a finish reason (truncated)';

interface CandidateState {
  finished: boolean;
  toolCalls: number;
  producedOutput: boolean;
  reportedSourceUris: Set<string>;
}

/**
 * Turns Gemini response chunks (streaming deltas, or one whole non-streaming response) into
 * neutral events. Stateful per response: tracks, per candidate index, whether a finishReason or a
 * function call was seen, so that `end()` can tell a finished answer from a truncated stream.
 * Lenient: a chunk of the wrong shape yields no events rather than an exception.
 */
export function createGeminiStreamDecoder(options: GeminiStreamDecoderOptions): GeminiStreamDecoder {
  const candidates = new Map<number, CandidateState>();
  let usage: GeminiUsageMetadata | undefined;
  let promptBlocked = false;
  let ended = false;

  function stateOf(index: number): CandidateState {
    let state = candidates.get(index);
    if (!state) {
      state = { finished: false, toolCalls: 0, producedOutput: false, reportedSourceUris: new Set() };
      candidates.set(index, state);
    }
    return state;
  }

  function decodePart(part: GeminiPart, index: number, state: CandidateState): StreamEvent[] {
    if (!isRecord(part)) return [];
    if (typeof part.text === 'string') {
      if (part.text === '') return [];
      if (part.thought === true) return [{ type: 'reasoning-delta', index, text: part.text }];
      state.producedOutput = true;
      return [{ type: 'text-delta', index, text: part.text }];
    }
    const call = part.functionCall;
    if (isRecord(call) && typeof call.name === 'string') {
      const callIndex = state.toolCalls;
      state.toolCalls += 1;
      state.producedOutput = true;
      const args = isRecord(call.args) ? call.args : {};
      return [{
        type: 'tool-call',
        index,
        callIndex,
        id: options.newToolCallId(),
        name: call.name,
        arguments: JSON.stringify(args),
        ...(typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '' ? { thoughtSignature: part.thoughtSignature } : {}),
      }];
    }
    const blob = part.inlineData;
    if (isRecord(blob) && typeof blob.data === 'string' && blob.data !== '' && part.thought !== true) {
      const mimeType = typeof blob.mimeType === 'string' && blob.mimeType !== '' ? blob.mimeType : 'image/png';
      if (!mimeType.startsWith('image/')) return [];
      state.producedOutput = true;
      return [{ type: 'image', index, mimeType, data: blob.data }];
    }
    return [];
  }

  function decodeSources(candidate: GeminiCandidate, index: number, state: CandidateState): StreamEvent[] {
    const chunks = isRecord(candidate.groundingMetadata) ? candidate.groundingMetadata.groundingChunks : undefined;
    if (!Array.isArray(chunks)) return [];
    const sources: Source[] = [];
    for (const chunk of chunks) {
      const web = isRecord(chunk) && isRecord(chunk.web) ? chunk.web : undefined;
      if (!web || typeof web.uri !== 'string' || web.uri === '' || state.reportedSourceUris.has(web.uri)) continue;
      state.reportedSourceUris.add(web.uri);
      sources.push({ uri: web.uri, title: typeof web.title === 'string' && web.title !== '' ? web.title : web.uri });
    }
    return sources.length > 0 ? [{ type: 'sources', index, sources }] : [];
  }

  function decodeCandidate(candidate: GeminiCandidate, position: number): StreamEvent[] {
    if (!isRecord(candidate)) return [];
    const index = typeof candidate.index === 'number' && Number.isInteger(candidate.index) && candidate.index >= 0 ? candidate.index : position;
    const state = stateOf(index);
    const events: StreamEvent[] = [];
    const parts = isRecord(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts : [];
    for (const part of parts) events.push(...decodePart(part, index, state));
    events.push(...decodeSources(candidate, index, state));
    if (typeof candidate.finishReason === 'string' && candidate.finishReason !== '' && !state.finished) {
      state.finished = true;
      const finishMessage = typeof candidate.finishMessage === 'string' ? candidate.finishMessage : undefined;
      const mapped = mapFinishReason(candidate.finishReason, state, finishMessage);
      events.push({ type: 'finish', index, reason: mapped.reason, rawReason: candidate.finishReason, ...(mapped.message ? { message: mapped.message } : {}) });
    }
    return events;
  }

  function decodePromptBlock(chunk: GenerateContentResponse): StreamEvent[] {
    const feedback = chunk.promptFeedback;
    if (promptBlocked || !isRecord(feedback) || typeof feedback.blockReason !== 'string' || feedback.blockReason === '') return [];
    promptBlocked = true;
    stateOf(0).finished = true;
    const reason = feedback.blockReason;
    const message = typeof feedback.blockReasonMessage === 'string' && feedback.blockReasonMessage !== ''
      ? feedback.blockReasonMessage
      : `The prompt was blocked by the content filter (${reason}).`;
    return [
      { type: 'blocked', reason, message },
      { type: 'finish', index: 0, reason: 'content_filter', rawReason: reason, message },
    ];
  }

  return {
    decode(chunk) {
      if (ended || !isRecord(chunk)) return [];
      if (isRecord(chunk.error)) {
        const error = chunk.error;
        return [{
          type: 'error',
          message: typeof error.message === 'string' && error.message !== '' ? error.message : 'The upstream service reported an error mid-stream.',
          code: typeof error.status === 'string' ? error.status.toLowerCase() : 'upstream_error',
        }];
      }
      if (isRecord(chunk.usageMetadata)) usage = { ...usage, ...definedNumbers(chunk.usageMetadata) };
      const events = decodePromptBlock(chunk);
      const list = Array.isArray(chunk.candidates) ? chunk.candidates : [];
      list.forEach((candidate, position) => events.push(...decodeCandidate(candidate, position)));
      return events;
    },

    end() {
      if (ended) return [];
      ended = true;
      const finishes: FinishEvent[] = [];
      const failures: StreamEvent[] = [];
      for (const [index, state] of [...candidates.entries()].sort(([a], [b]) => a - b)) {
        if (state.finished) continue;
        // Gemini CLI accepts a function-call turn without finishReason; so do we.
        if (state.toolCalls > 0) finishes.push({ type: 'finish', index, reason: 'tool_calls', rawReason: null });
        else failures.push({ type: 'error', message: TRUNCATED_STREAM_MESSAGE, code: 'upstream_truncated' });
      }
      if (candidates.size === 0) failures.push({ type: 'error', message: TRUNCATED_STREAM_MESSAGE, code: 'upstream_truncated' });
      const usageEvents: StreamEvent[] = usage ? [toUsageEvent(usage)] : [];
      // One failure is enough for the client; several candidates truncating together say the same thing.
      return [...finishes, ...usageEvents, ...failures.slice(0, 1)];
    },
  };
}

/**
 * Gemini usage → neutral usage. `candidatesTokenCount` excludes thoughts, OpenAI's completion count
 * includes them; tool-use prompt tokens (search grounding) are input the caller pays for, so they
 * count as prompt, which keeps prompt + completion = total.
 */
export function toUsageEvent(metadata: GeminiUsageMetadata): UsageEvent {
  const reasoningTokens = count(metadata.thoughtsTokenCount);
  const promptTokens = count(metadata.promptTokenCount) + count(metadata.toolUsePromptTokenCount);
  const completionTokens = count(metadata.candidatesTokenCount) + reasoningTokens;
  const totalTokens = typeof metadata.totalTokenCount === 'number' && metadata.totalTokenCount > 0 ? metadata.totalTokenCount : promptTokens + completionTokens;
  const event: UsageEvent = { type: 'usage', promptTokens, completionTokens, reasoningTokens, totalTokens };
  if (typeof metadata.cachedContentTokenCount === 'number') event.cachedTokens = metadata.cachedContentTokenCount;
  return event;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

function definedNumbers(metadata: Record<string, unknown>): GeminiUsageMetadata {
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => typeof value === 'number'));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
