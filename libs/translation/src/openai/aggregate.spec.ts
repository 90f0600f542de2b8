import { findStreamFailure } from '../stream/events';
import { sequentialIds } from './__fixtures__/load-fixtures';
import { aggregateChatCompletion, decodeGeminiResponse, geminiResponseToChatCompletion } from './aggregate';

const identity = { id: 'chatcmpl-1', created: 1_700_000_000, model: 'gemini-2.5-flash' };

describe('geminiResponseToChatCompletion', () => {
  it('converts the non-streaming example of spec §6.4', () => {
    const completion = geminiResponseToChatCompletion({
      candidates: [{
        content: { role: 'model', parts: [
          { text: '**Checking the weather**\nI should call the tool.', thought: true },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'CpcCAdHtim9+/w==' },
        ] },
        finishReason: 'STOP',
        index: 0,
      }],
      usageMetadata: { promptTokenCount: 57, candidatesTokenCount: 15, totalTokenCount: 140, thoughtsTokenCount: 68 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'H0ZmaPq6Fsvvz7IP_9qT8Ac',
    }, { ...identity, newToolCallId: sequentialIds() });
    expect(completion).toEqual({
      ...identity,
      object: 'chat.completion',
      choices: [{
        index: 0,
        logprobs: null,
        finish_reason: 'tool_calls',
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          reasoning_content: '**Checking the weather**\nI should call the tool.',
          tool_calls: [{ id: 'call_0000.ts.CpcCAdHtim9-_w', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
      }],
      usage: { prompt_tokens: 57, completion_tokens: 83, total_tokens: 140, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 68 } },
    });
    expect(completion).not.toHaveProperty('system_fingerprint');
  });

  it('joins text parts exactly as sent (no blank lines inserted)', () => {
    const completion = geminiResponseToChatCompletion({
      candidates: [{ content: { parts: [{ text: 'Hello' }, { text: ', ' }, { text: 'world' }] }, finishReason: 'STOP' }],
    }, { ...identity, newToolCallId: sequentialIds() });
    expect(completion.choices[0].message.content).toBe('Hello, world');
  });

  it('lets the caller detect failures before aggregating', () => {
    const events = decodeGeminiResponse({ candidates: [{ finishReason: 'MALFORMED_FUNCTION_CALL' }] }, { newToolCallId: sequentialIds() });
    expect(findStreamFailure(events)?.code).toBe('malformed_function_call');
  });
});

describe('aggregateChatCompletion', () => {
  it('always has choice 0 and usage, even for no events', () => {
    const completion = aggregateChatCompletion(identity, []);
    expect(completion.choices).toEqual([{ index: 0, logprobs: null, finish_reason: 'stop', message: { role: 'assistant', content: '', refusal: null } }]);
    expect(completion.usage.total_tokens).toBe(0);
  });

  it('orders choices by candidate index and keeps the first finish of each', () => {
    const completion = aggregateChatCompletion(identity, [
      { type: 'text-delta', index: 1, text: 'b' },
      { type: 'text-delta', index: 0, text: 'a' },
      { type: 'finish', index: 1, reason: 'length', rawReason: 'MAX_TOKENS' },
      { type: 'finish', index: 1, reason: 'stop', rawReason: 'STOP' },
      { type: 'finish', index: 0, reason: 'stop', rawReason: 'STOP' },
    ]);
    expect(completion.choices.map((choice) => [choice.index, choice.message.content, choice.finish_reason])).toEqual([[0, 'a', 'stop'], [1, 'b', 'length']]);
  });
});
