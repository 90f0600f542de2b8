import type { StreamEvent } from '../stream/events';
import { createChatCompletionChunkEncoder } from './chunk-encoder';
import { encodeOpenAIStreamError } from './stream-error';

const identity = { id: 'chatcmpl-1', created: 1_700_000_000, model: 'gemini-2.5-flash-search' };

function encodeAll(events: StreamEvent[], includeUsage = false) {
  const encoder = createChatCompletionChunkEncoder({ ...identity, includeUsage });
  return [...events.flatMap((event) => encoder.encode(event)), ...encoder.end()];
}

describe('createChatCompletionChunkEncoder', () => {
  it('sends role once per choice, on its first delta, whatever that delta is', () => {
    const chunks = encodeAll([
      { type: 'reasoning-delta', index: 0, text: 'hmm' },
      { type: 'text-delta', index: 1, text: 'B' },
      { type: 'text-delta', index: 0, text: 'A' },
      { type: 'finish', index: 1, reason: 'stop', rawReason: 'STOP' },
      { type: 'finish', index: 2, reason: 'stop', rawReason: 'STOP' },
    ]);
    expect(chunks.map((chunk) => chunk.choices[0].delta)).toEqual([
      { role: 'assistant', reasoning_content: 'hmm' },
      { role: 'assistant', content: 'B' },
      { content: 'A' },
      {},
      { role: 'assistant' },
    ]);
    expect(chunks.every((chunk) => chunk.id === 'chatcmpl-1' && chunk.created === 1_700_000_000 && chunk.object === 'chat.completion.chunk')).toBe(true);
  });

  it('makes no chunk for empty text, usage, blocked, errors or error finishes', () => {
    expect(encodeAll([
      { type: 'text-delta', index: 0, text: '' },
      { type: 'reasoning-delta', index: 0, text: '' },
      { type: 'usage', promptTokens: 1, completionTokens: 1, reasoningTokens: 0, totalTokens: 2 },
      { type: 'blocked', reason: 'SAFETY', message: 'no' },
      { type: 'error', message: 'boom' },
      { type: 'finish', index: 0, reason: 'error', rawReason: 'MALFORMED_FUNCTION_CALL', message: 'bad call' },
      { type: 'sources', index: 0, sources: [] },
    ])).toEqual([]);
  });

  it('encodes a tool call whole, with the signature in its id', () => {
    const [chunk] = encodeAll([{ type: 'tool-call', index: 0, callIndex: 3, id: 'call_9', name: 'f', arguments: '{"a":1}', thoughtSignature: 'AAAA' }]);
    expect(chunk.choices[0].delta.tool_calls).toEqual([{ index: 3, id: 'call_9.ts.AAAA', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }]);
  });

  it('puts usage: null on every chunk and a final choices-less usage chunk when include_usage is set, zeros if upstream sent none', () => {
    const chunks = encodeAll([{ type: 'text-delta', index: 0, text: 'x' }], true);
    expect(chunks[0].usage).toBeNull();
    expect(chunks[1]).toEqual({
      ...identity,
      object: 'chat.completion.chunk',
      choices: [],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
    expect(encodeAll([{ type: 'text-delta', index: 0, text: 'x' }], false)[0]).not.toHaveProperty('usage');
  });
});

describe('encodeOpenAIStreamError', () => {
  it("builds OpenAI's error body with defaults", () => {
    expect(encodeOpenAIStreamError({ message: 'truncated', code: 'upstream_truncated' })).toEqual({
      error: { message: 'truncated', type: 'server_error', param: null, code: 'upstream_truncated' },
    });
    expect(encodeOpenAIStreamError({ message: 'm', type: 'invalid_request_error', param: 'messages', code: null })).toEqual({
      error: { message: 'm', type: 'invalid_request_error', param: 'messages', code: null },
    });
  });
});
