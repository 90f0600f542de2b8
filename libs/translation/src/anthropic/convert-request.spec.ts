import { TranslationError } from '../errors';
import { ModelCatalog, type ResolvedModel } from '../models/catalog';
import { SYNTHETIC_THOUGHT_SIGNATURE } from '../openai/convert-messages';
import { convertAnthropicCountTokensToContents, convertAnthropicRequestToGemini } from './convert-request';
import { parseAnthropicCountTokensRequest, parseAnthropicMessagesRequest } from './request-schema';

const catalog = new ModelCatalog();
const model = (id: string): ResolvedModel => catalog.resolve(id)!;
const convert = (body: Record<string, unknown>, id = 'gemini-2.5-pro') => convertAnthropicRequestToGemini(parseAnthropicMessagesRequest(body), model(id), body);
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const SIGNATURE = Buffer.from('gemini-signature-bytes').toString('base64');

describe('convertAnthropicRequestToGemini', () => {
  it('system (string, blocks, and role:system messages) → systemInstruction; text and base64 images → parts', () => {
    const gemini = convert({
      model: 'gemini-2.5-pro', max_tokens: 100,
      system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Be brief.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] },
        { role: 'system', content: 'Reminder: tests first.' },
        { role: 'assistant', content: 'A pixel.' },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(gemini.systemInstruction).toEqual({ role: 'user', parts: [{ text: 'You are Claude Code.\nBe brief.\n\nReminder: tests first.' }] });
    expect(gemini.contents).toEqual([
      { role: 'user', parts: [{ text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: PNG } }] },
      { role: 'model', parts: [{ text: 'A pixel.' }] },
      { role: 'user', parts: [{ text: 'Thanks' }] },
    ]);
    expect(gemini.generationConfig?.maxOutputTokens).toBe(100);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['sampling and stop sequences', { temperature: 0.2, top_p: 0.9, top_k: 40, stop_sequences: ['END', ''] }, { temperature: 0.2, topP: 0.9, topK: 40, stopSequences: ['END'] }],
    ['max_tokens above the model limit is clamped', { max_tokens: 10_000_000 }, { maxOutputTokens: 65536 }],
    ['thinking enabled → budget, thoughts shown', { thinking: { type: 'enabled', budget_tokens: 2048 } }, { thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } }],
    ['thinking budget above the family max is clamped', { thinking: { type: 'enabled', budget_tokens: 99_999 } }, { thinkingConfig: { thinkingBudget: 32768, includeThoughts: true } }],
    ['thinking enabled, display omitted (Claude Code 2.1) → the budget, hidden', { thinking: { type: 'enabled', budget_tokens: 31999, display: 'omitted' } }, { thinkingConfig: { thinkingBudget: 31999, includeThoughts: false } }],
    ['thinking adaptive → dynamic', { thinking: { type: 'adaptive' } }, { thinkingConfig: { thinkingBudget: -1, includeThoughts: true } }],
    ['thinking adaptive + output_config.effort', { thinking: { type: 'adaptive' }, output_config: { effort: 'low' } }, { thinkingConfig: { thinkingBudget: 1000, includeThoughts: true } }],
    ['thinking disabled → the floor, hidden', { thinking: { type: 'disabled' } }, { thinkingConfig: { thinkingBudget: 128, includeThoughts: false } }],
    ['no thinking → dynamic, hidden', {}, { thinkingConfig: { thinkingBudget: -1, includeThoughts: false } }],
  ])('generationConfig: %s', (_name, fields, expected) => {
    const gemini = convert({ model: 'gemini-2.5-pro', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], ...fields });
    expect(gemini.generationConfig).toMatchObject(expected);
  });

  it('what Claude Code 2.1 sends beside the messages is accepted and not forwarded', () => {
    const gemini = convert({
      model: 'gemini-2.5-flash', max_tokens: 32000, stream: true,
      metadata: { user_id: 'user_abc' }, context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      output_config: { effort: 'high' }, thinking: { type: 'adaptive' },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '1h' } }] }],
      tools: [
        { name: 'Read', description: 'Reads a file', input_schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { file_path: { type: 'string' }, offset: { type: 'integer', exclusiveMinimum: 0 } }, required: ['file_path'], additionalProperties: false }, cache_control: { type: 'ephemeral' } },
        { name: 'ExitPlanMode', input_schema: { type: 'object', properties: {} }, defer_loading: true },
      ],
    }, 'gemini-2.5-flash');
    const text = JSON.stringify(gemini);
    for (const field of ['metadata', 'context_management', 'output_config', 'cache_control', 'defer_loading', 'user_abc', '$schema', 'exclusiveMinimum']) {
      expect(text).not.toContain(field);
    }
    expect(gemini.tools).toEqual([{ functionDeclarations: [
      { name: 'Read', description: 'Reads a file', parametersJsonSchema: { type: 'object', properties: { file_path: { type: 'string' }, offset: { type: 'integer', minimum: 0 } }, required: ['file_path'], additionalProperties: false } },
      { name: 'ExitPlanMode' },
    ] }]);
  });

  it.each<[unknown, Record<string, unknown> | undefined]>([
    [{ type: 'auto' }, { functionCallingConfig: { mode: 'AUTO' } }],
    [{ type: 'any' }, { functionCallingConfig: { mode: 'ANY' } }],
    [{ type: 'tool', name: 'get_weather' }, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } }],
    [{ type: 'none' }, { functionCallingConfig: { mode: 'NONE' } }],
    [undefined, undefined],
  ])('tool_choice %j → %j', (choice, expected) => {
    const gemini = convert({ model: 'gemini-2.5-pro', max_tokens: 10, messages: [{ role: 'user', content: 'x' }], tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }], tool_choice: choice });
    expect(gemini.toolConfig).toEqual(expected);
  });

  it('web_search server tool → googleSearch', () => {
    const gemini = convert({ model: 'gemini-2.5-pro', max_tokens: 10, messages: [{ role: 'user', content: 'news?' }], tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }] });
    expect(gemini.tools).toEqual([{ googleSearch: {} }]);
  });

  it('tool_use ↔ functionCall with the signature from the id; tool_results reordered to the calls, errors and images kept', () => {
    const idA = `toolu_abc.ts.${SIGNATURE.replace(/=+$/, '')}`;
    const gemini = convert({
      model: 'gemini-3-pro-preview', max_tokens: 10,
      messages: [
        { role: 'user', content: 'read both' },
        { role: 'assistant', content: [
          { type: 'thinking', thinking: 'I will read', signature: 'ignored-when-the-id-has-one' },
          { type: 'tool_use', id: idA, name: 'Read', input: { file_path: '/a' } },
          { type: 'tool_use', id: 'toolu_def', name: 'Bash', input: { command: 'ls' } },
        ] },
        { role: 'user', content: [
          { type: 'tool_result', tool_use_id: 'toolu_def', content: 'boom', is_error: true },
          { type: 'tool_result', tool_use_id: idA, content: [{ type: 'text', text: 'file A' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] },
          { type: 'text', text: '<system-reminder>keep going</system-reminder>' },
        ] },
      ],
    }, 'gemini-3-pro-preview');
    expect(gemini.contents[1]).toEqual({ role: 'model', parts: [
      { functionCall: { id: 'toolu_abc', name: 'Read', args: { file_path: '/a' } }, thoughtSignature: SIGNATURE },
      { functionCall: { id: 'toolu_def', name: 'Bash', args: { command: 'ls' } } },
    ] });
    expect(gemini.contents[2]).toEqual({ role: 'user', parts: [
      { functionResponse: { id: 'toolu_abc', name: 'Read', response: { output: 'file A' } } },
      { functionResponse: { id: 'toolu_def', name: 'Bash', response: { error: 'boom' } } },
      { inlineData: { mimeType: 'image/png', data: PNG } },
      { text: '<system-reminder>keep going</system-reminder>' },
    ] });
  });

  it.each<[string, string | undefined, string]>([
    ['the thinking block signature when the id has none', 'sig-from-thinking', 'sig-from-thinking'],
    ['the synthetic signature for Gemini 3 when there is none at all', undefined, SYNTHETIC_THOUGHT_SIGNATURE],
  ])('a functionCall gets %s', (_name, thinkingSignature, expected) => {
    const gemini = convert({
      model: 'gemini-3-pro-preview', max_tokens: 10,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 't', ...(thinkingSignature ? { signature: thinkingSignature } : {}) }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] },
      ],
    }, 'gemini-3-pro-preview');
    expect(gemini.contents[1].parts[0].thoughtSignature).toBe(expected);
  });

  it.each<[string, Record<string, unknown>, string | null]>([
    ['max_tokens missing', { model: 'm', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
    ['a tool_result for an unknown tool_use', { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] }] }, 'messages[0].content[0].tool_use_id'],
    ['an unsupported block type', { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'video', source: {} }] }] }, 'messages[0].content[0].type'],
    ['a malformed image', { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png' } }] }] }, 'messages[0].content[0].source.data'],
    ['invalid base64', { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: '@@@' } }] }] }, 'messages[0].content[0].source.data'],
    ['a malformed image inside a tool_result', { model: 'm', max_tokens: 1, messages: [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'image', source: { type: 'base64' } }] }] },
    ] }, 'messages[1].content[0].content[0].source.media_type'],
    ['tool_choice naming an undeclared tool', { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'tool', name: 'nope' } }, 'tool_choice.name'],
    ['no message with content', { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: '' }] }, 'messages'],
  ])('rejects %s with a TranslationError naming the param', (_name, body, param) => {
    let caught: unknown;
    try {
      convert(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TranslationError);
    expect((caught as TranslationError).param).toBe(param);
  });

  it('count_tokens: the system prompt is counted as a leading user turn', () => {
    const body = { model: 'gemini-2.5-pro', system: 'sys', messages: [{ role: 'user', content: 'hello' }] };
    expect(convertAnthropicCountTokensToContents(parseAnthropicCountTokensRequest(body), body)).toEqual([
      { role: 'user', parts: [{ text: 'sys' }] },
      { role: 'user', parts: [{ text: 'hello' }] },
    ]);
  });
});
