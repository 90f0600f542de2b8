import type { GenerateContentResponse } from '../gemini/types';
import { findStreamFailure, streamFailureOf, type StreamEvent } from './events';
import { mapFinishReason } from './finish-reason';
import { createGeminiStreamDecoder, toUsageEvent, TRUNCATED_STREAM_MESSAGE } from './gemini-stream-decoder';

function ids() {
  let next = 0;
  return () => `call_${next++}`;
}

function decodeAll(chunks: unknown[]): StreamEvent[] {
  const decoder = createGeminiStreamDecoder({ newToolCallId: ids() });
  return [...chunks.flatMap((chunk) => decoder.decode(chunk as GenerateContentResponse)), ...decoder.end()];
}

const text = (value: string, extra: Record<string, unknown> = {}) => ({ candidates: [{ content: { role: 'model', parts: [{ text: value }] }, ...extra }] });

describe('mapFinishReason', () => {
  const none = { toolCalls: 0, producedOutput: false };
  const output = { toolCalls: 0, producedOutput: true };
  const calls = { toolCalls: 2, producedOutput: true };

  it.each([
    ['STOP', output, 'stop'], ['STOP', none, 'stop'], ['STOP', calls, 'tool_calls'], ['MAX_TOKENS', calls, 'length'],
    ['SAFETY', output, 'content_filter'], ['RECITATION', output, 'content_filter'], ['LANGUAGE', none, 'content_filter'],
    ['BLOCKLIST', output, 'content_filter'], ['PROHIBITED_CONTENT', none, 'content_filter'], ['SPII', output, 'content_filter'],
    ['IMAGE_SAFETY', none, 'content_filter'], ['IMAGE_PROHIBITED_CONTENT', none, 'content_filter'], ['IMAGE_RECITATION', none, 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', none, 'error'], ['UNEXPECTED_TOOL_CALL', calls, 'error'], ['TOO_MANY_TOOL_CALLS', calls, 'error'],
    ['OTHER', output, 'stop'], ['OTHER', calls, 'tool_calls'], ['OTHER', none, 'error'],
    ['FINISH_REASON_UNSPECIFIED', none, 'error'], ['NO_IMAGE', none, 'error'], ['IMAGE_OTHER', output, 'stop'],
    ['SOMETHING_NEW', output, 'stop'], ['constructor', none, 'error'],
  ] as const)('%s with %j → %s', (raw, outcome, reason) => {
    const mapped = mapFinishReason(raw, outcome);
    expect(mapped.reason).toBe(reason);
    if (reason === 'error' || reason === 'content_filter') expect(mapped.message).toEqual(expect.any(String));
  });

  it('prefers upstream finishMessage for filters and appends it to tool failures', () => {
    expect(mapFinishReason('SAFETY', { toolCalls: 0, producedOutput: false }, 'Blocked: weapons').message).toBe('Blocked: weapons');
    expect(mapFinishReason('MALFORMED_FUNCTION_CALL', { toolCalls: 0, producedOutput: false }, 'bad args').message).toMatch(/Detail: bad args$/);
  });
});

describe('createGeminiStreamDecoder', () => {
  it('emits text, thoughts, images and calls in part order, then finish, then usage at the end', () => {
    const events = decodeAll([{
      candidates: [{
        content: { role: 'model', parts: [
          { text: 'plan', thought: true },
          { text: 'answer' },
          { inlineData: { mimeType: 'image/jpeg', data: 'AAAA' } },
          { inlineData: { data: 'BBBB' } },
          { inlineData: { mimeType: 'audio/pcm', data: 'CCCC' } },
          { functionCall: { name: 'f' }, thoughtSignature: 'sig' },
          { executableCode: { language: 'PYTHON', code: 'print(1)' } },
        ] },
        finishReason: 'STOP',
      }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 3, totalTokenCount: 18, cachedContentTokenCount: 4 },
    }]);
    expect(events).toEqual([
      { type: 'reasoning-delta', index: 0, text: 'plan' },
      { type: 'text-delta', index: 0, text: 'answer' },
      { type: 'image', index: 0, mimeType: 'image/jpeg', data: 'AAAA' },
      { type: 'image', index: 0, mimeType: 'image/png', data: 'BBBB' },
      { type: 'tool-call', index: 0, callIndex: 0, id: 'call_0', name: 'f', arguments: '{}', thoughtSignature: 'sig' },
      { type: 'finish', index: 0, reason: 'tool_calls', rawReason: 'STOP' },
      { type: 'usage', promptTokens: 10, completionTokens: 8, reasoningTokens: 3, totalTokens: 18, cachedTokens: 4 },
    ]);
  });

  it('merges usage across chunks (the last value of each field wins) and sums when total is missing', () => {
    const events = decodeAll([
      { ...text('a'), usageMetadata: { promptTokenCount: 7 } },
      { ...text('b', { finishReason: 'STOP' }), usageMetadata: { candidatesTokenCount: 2, thoughtsTokenCount: 1 } },
    ]);
    expect(events.at(-1)).toEqual({ type: 'usage', promptTokens: 7, completionTokens: 3, reasoningTokens: 1, totalTokens: 10 });
  });

  it('counts tool-use prompt tokens as prompt so that prompt + completion = total', () => {
    expect(toUsageEvent({ promptTokenCount: 12, toolUsePromptTokenCount: 90, candidatesTokenCount: 14, totalTokenCount: 116 }))
      .toEqual({ type: 'usage', promptTokens: 102, completionTokens: 14, reasoningTokens: 0, totalTokens: 116 });
  });

  it('reports each grounding source once per candidate across chunks', () => {
    const grounding = (uris: string[]) => ({ groundingChunks: uris.map((uri) => ({ web: { uri, title: uri.toUpperCase() } })) });
    const events = decodeAll([
      text('x', { groundingMetadata: grounding(['a', 'b', 'a']) }),
      text('y', { groundingMetadata: grounding(['b', 'c']), finishReason: 'STOP' }),
    ]).filter((event) => event.type === 'sources');
    expect(events).toEqual([
      { type: 'sources', index: 0, sources: [{ uri: 'a', title: 'A' }, { uri: 'b', title: 'B' }] },
      { type: 'sources', index: 0, sources: [{ uri: 'c', title: 'C' }] },
    ]);
  });

  it('keeps only the first finishReason of a candidate', () => {
    const finishes = decodeAll([text('a', { finishReason: 'STOP' }), text('b', { finishReason: 'MAX_TOKENS' })]).filter((event) => event.type === 'finish');
    expect(finishes).toEqual([{ type: 'finish', index: 0, reason: 'stop', rawReason: 'STOP' }]);
  });

  it('never ends a truncated stream cleanly, and reports it once even for several candidates', () => {
    const events = decodeAll([{ candidates: [{ index: 0, content: { parts: [{ text: 'a' }] } }, { index: 1, content: { parts: [{ text: 'b' }] } }] }]);
    expect(events.filter((event) => event.type === 'error')).toEqual([{ type: 'error', message: TRUNCATED_STREAM_MESSAGE, code: 'upstream_truncated' }]);
    expect(events.some((event) => event.type === 'finish')).toBe(false);
    expect(findStreamFailure(events)).toEqual({ message: TRUNCATED_STREAM_MESSAGE, code: 'upstream_truncated' });
  });

  it('treats a blocked prompt as finished (content_filter), not truncated', () => {
    const events = decodeAll([{ promptFeedback: { blockReason: 'SAFETY', blockReasonMessage: 'No.' } }]);
    expect(events).toEqual([
      { type: 'blocked', reason: 'SAFETY', message: 'No.' },
      { type: 'finish', index: 0, reason: 'content_filter', rawReason: 'SAFETY', message: 'No.' },
    ]);
    expect(findStreamFailure(events)).toBeUndefined();
  });

  it.each([
    ['null', null], ['a string', 'data'], ['an array', []], ['candidates not an array', { candidates: 'x' }],
    ['a null candidate', { candidates: [null] }], ['parts not an array', { candidates: [{ content: { parts: {} } }] }],
    ['junk parts', { candidates: [{ content: { parts: [null, 5, 'x', { text: 5 }, { functionCall: { args: 1 } }, { inlineData: 'x' }] } }] }],
    ['junk grounding', { candidates: [{ groundingMetadata: { groundingChunks: [null, { web: null }, { web: { uri: 5 } }] } }] }],
    ['junk usage', { usageMetadata: { promptTokenCount: 'many', totalTokenCount: -4 } }],
    ['junk feedback', { promptFeedback: { blockReason: 7 } }],
  ])('ignores %s without throwing', (_label, chunk) => {
    const decoder = createGeminiStreamDecoder({ newToolCallId: ids() });
    expect(decoder.decode(chunk as GenerateContentResponse).filter((event) => event.type !== 'sources')).toEqual([]);
    expect(() => decoder.end()).not.toThrow();
  });

  it('does nothing after end()', () => {
    const decoder = createGeminiStreamDecoder({ newToolCallId: ids() });
    decoder.decode(text('a', { finishReason: 'STOP' }) as GenerateContentResponse);
    expect(decoder.end()).toEqual([]);
    expect(decoder.decode(text('late') as GenerateContentResponse)).toEqual([]);
    expect(decoder.end()).toEqual([]);
  });

  it('turns an in-band error object into an error event', () => {
    const decoder = createGeminiStreamDecoder({ newToolCallId: ids() });
    const [event] = decoder.decode({ error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } } as GenerateContentResponse);
    expect(event).toEqual({ type: 'error', message: 'Quota exceeded', code: 'resource_exhausted' });
    expect(streamFailureOf(event)).toEqual({ message: 'Quota exceeded', code: 'resource_exhausted' });
  });
});
