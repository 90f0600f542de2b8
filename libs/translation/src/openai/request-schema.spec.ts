import { TranslationError } from '../errors';
import { formatParam } from './request-issues';
import { parseChatCompletionRequest } from './request-schema';

const user = (content: unknown) => ({ role: 'user', content });

function errorOf(body: unknown): TranslationError {
  try {
    parseChatCompletionRequest(body);
  } catch (error) {
    if (error instanceof TranslationError) return error;
    throw error;
  }
  throw new Error('expected a TranslationError');
}

describe('parseChatCompletionRequest', () => {
  it('ignores unknown fields at every level and accepts OpenAI nulls', () => {
    const request = parseChatCompletionRequest({
      model: 'gemini-2.5-flash',
      messages: [{ ...user('hi'), name: 'alice', extra: 1 }, { role: 'assistant', content: null, refusal: null, audio: null }],
      temperature: null,
      stream_options: null,
      logit_bias: { 50256: -100 },
      store: true,
      service_tier: 'auto',
    });
    expect(request.messages[0]).toEqual({ role: 'user', content: 'hi', name: 'alice' });
    expect(request).not.toHaveProperty('logit_bias');
    expect(request.temperature).toBeNull();
  });

  it('accepts every role, the bare-string image_url form and arguments given as an object', () => {
    const request = parseChatCompletionRequest({
      model: 'm',
      messages: [
        { role: 'system', content: 's' },
        { role: 'developer', content: [{ type: 'text', text: 'd' }] },
        user([{ type: 'image_url', image_url: 'data:image/png;base64,AAAA' }]),
        { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: { a: 1 } } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'r' },
        { role: 'function', name: 'f', content: null },
      ],
    });
    expect(request.messages.map((message) => message.role)).toEqual(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
  });

  it.each([
    ['temperature', 0], ['temperature', 2], ['top_p', 0], ['top_p', 1], ['n', 1], ['n', 8],
    ['presence_penalty', -2], ['frequency_penalty', 2], ['max_tokens', 1], ['seed', -5],
  ])('accepts the documented bound %s = %d', (name, value) => {
    expect(() => parseChatCompletionRequest({ model: 'm', messages: [user('x')], [name]: value })).not.toThrow();
  });

  it.each([
    [{ model: 'm', messages: [user('x')], temperature: -0.1 }, 'temperature', 'decimal_below_min_value'],
    [{ model: 'm', messages: [user('x')], n: 0 }, 'n', 'integer_below_min_value'],
    [{ model: 'm', messages: [user('x')], max_completion_tokens: 0 }, 'max_completion_tokens', 'integer_below_min_value'],
    [{ model: 'm', messages: [user('x')], stream: 'yes' }, 'stream', 'invalid_type'],
    [{ model: 'm', messages: [user('x')], stop: 5 }, 'stop', 'invalid_type'],
    [{ model: 'm', messages: [user('x')], tools: [{ type: 'function', function: {} }] }, 'tools[0].function.name', 'missing_required_parameter'],
    [{ model: 'm', messages: [user([{ type: 'text', text: 'a' }, { type: 'image_url', image_url: { url: 7 } }])] }, 'messages[0].content[1].image_url.url', 'invalid_type'],
    [{ model: 'm', messages: [user([])] }, 'messages[0].content', 'empty_array'],
    [{ model: 'm', messages: [user('x'), { role: 'assistant', tool_calls: [{ id: 'c', function: { name: 'f' } }] }] }, 'messages[1].tool_calls[0].function.arguments', 'missing_required_parameter'],
    [{ model: 'm', messages: [user('x')], response_format: { type: 'json_schema' } }, 'response_format.json_schema', 'missing_required_parameter'],
    [{ model: 'm', messages: [user('x')], tool_choice: { type: 'function', function: { name: 3 } } }, 'tool_choice.function.name', 'invalid_type'],
    [{ model: 'm', messages: [null] }, 'messages[0]', 'invalid_type'],
    [{ model: '', messages: [user('x')] }, 'model', 'string_below_min_length'],
  ])('reports the first bad field of %j', (body, param, code) => {
    const error = errorOf(body);
    expect({ param: error.param, code: error.code }).toEqual({ param, code });
  });

  it('formats paths the way OpenAI names params', () => {
    expect(formatParam(['messages', 2, 'content', 0, 'image_url'])).toBe('messages[2].content[0].image_url');
    expect(formatParam([])).toBe('');
  });
});
