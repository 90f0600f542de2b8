import { TranslationError } from '../errors';
import { ModelCatalog } from '../models/catalog';
import { SYNTHETIC_THOUGHT_SIGNATURE } from '../openai/convert-messages';
import { encodeToolCallId } from '../openai/tool-call-id';
import { collectResponsesImageUrls } from './convert-input';
import { convertResponsesRequestToGemini } from './convert-request';
import { encodeReasoningSignature } from './reasoning-signature';
import { parseResponsesRequest } from './request-schema';

const catalog = new ModelCatalog();
const model = (id: string) => {
  const resolved = catalog.resolve(id);
  if (!resolved) throw new Error(`unknown model ${id}`);
  return resolved;
};
const convert = (body: Record<string, unknown>, id = 'gemini-2.5-flash') => convertResponsesRequestToGemini(parseResponsesRequest({ model: id, ...body }), { model: model(id) });

describe('Responses request → Gemini', () => {
  it('a string input with instructions and sampling settings; Codex-only fields are accepted and not forwarded', () => {
    const { gemini } = convert({
      input: 'Hi', instructions: 'Be brief.', temperature: 0.5, top_p: 0.9, max_output_tokens: 10_000_000,
      store: false, include: ['reasoning.encrypted_content'], prompt_cache_key: 'k', client_metadata: { a: 1 }, metadata: { b: '2' }, parallel_tool_calls: false,
    });
    expect(gemini.contents).toEqual([{ role: 'user', parts: [{ text: 'Hi' }] }]);
    expect(gemini.systemInstruction).toEqual({ role: 'user', parts: [{ text: 'Be brief.' }] });
    expect(gemini.generationConfig).toMatchObject({ temperature: 0.5, topP: 0.9, maxOutputTokens: model('gemini-2.5-flash').info.outputTokenLimit });
    expect(JSON.stringify(gemini)).not.toMatch(/prompt_cache_key|client_metadata|metadata"/);
  });

  it('reasoning.effort maps to the family\'s thinking control; an unknown effort is a 400 naming reasoning.effort', () => {
    expect(convert({ input: 'x', reasoning: { effort: 'high', summary: 'auto' } }, 'gemini-3-flash-preview').gemini.generationConfig?.thinkingConfig).toEqual({ thinkingLevel: 'HIGH', includeThoughts: true });
    expect(() => convert({ input: 'x', reasoning: { effort: 'huge' } })).toThrow(expect.objectContaining({ param: 'reasoning.effort' }));
  });

  it('developer messages join the system instruction; assistant items and calls merge into one model turn; outputs into one user turn', () => {
    const { gemini } = convert({
      input: [
        { role: 'developer', content: 'Dev rules.' },
        { role: 'user', content: [{ type: 'input_text', text: 'Do it' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'On it.' }] },
        { type: 'function_call', call_id: 'call_a', name: 'one', arguments: '{"x":1}' },
        { type: 'function_call', call_id: 'call_b', name: 'two', arguments: '' },
        { type: 'function_call_output', call_id: 'call_b', output: '{"ok":true}' },
        { type: 'function_call_output', call_id: 'call_a', output: [{ type: 'input_text', text: 'done' }] },
      ],
    });
    expect(gemini.systemInstruction?.parts).toEqual([{ text: 'Dev rules.' }]);
    expect(gemini.contents).toEqual([
      { role: 'user', parts: [{ text: 'Do it' }] },
      { role: 'model', parts: [{ text: 'On it.' }, { functionCall: { id: 'call_a', name: 'one', args: { x: 1 } } }, { functionCall: { id: 'call_b', name: 'two', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { id: 'call_b', name: 'two', response: { ok: true } } }, { functionResponse: { id: 'call_a', name: 'one', response: { output: 'done' } } }] },
    ]);
  });

  it('signatures come back from the call id, or from the reasoning item before the call; Gemini 3 gets a synthetic one otherwise', () => {
    const fromId = convert({ input: [
      { role: 'user', content: 'go' },
      { type: 'function_call', call_id: encodeToolCallId('call_a', 'AAAA'), name: 'f', arguments: '{}' },
      { type: 'function_call_output', call_id: encodeToolCallId('call_a', 'AAAA'), output: 'ok' },
    ] }, 'gemini-3-pro-preview').gemini;
    expect(fromId.contents[1].parts[0]).toEqual({ functionCall: { id: 'call_a', name: 'f', args: {} }, thoughtSignature: 'AAAA' });
    expect(fromId.contents[2].parts[0].functionResponse?.id).toBe('call_a');

    const fromReasoning = convert({ input: [
      { role: 'user', content: 'go' },
      { type: 'reasoning', summary: [], encrypted_content: encodeReasoningSignature('BBBB') },
      { type: 'custom_tool_call', call_id: 'call_c', name: 'apply_patch', input: '*** Begin Patch' },
      { type: 'custom_tool_call_output', call_id: 'call_c', output: 'applied' },
    ] }).gemini;
    expect(fromReasoning.contents[1].parts).toEqual([{ functionCall: { id: 'call_c', name: 'apply_patch', args: { input: '*** Begin Patch' } }, thoughtSignature: 'BBBB' }]);

    const foreign = convert({ input: [
      { role: 'user', content: 'go' },
      { type: 'reasoning', summary: [], encrypted_content: 'gAAAA-someone-elses' },
      { type: 'function_call', call_id: 'call_d', name: 'f', arguments: '{}' },
    ] }, 'gemini-3-pro-preview').gemini;
    expect(foreign.contents[1].parts[0].thoughtSignature).toBe(SYNTHETIC_THOUGHT_SIGNATURE);

    const stale = convert({ input: [
      { role: 'user', content: 'go' },
      { type: 'reasoning', summary: [], encrypted_content: encodeReasoningSignature('OLD') },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Nothing to call.' }] },
      { role: 'user', content: 'now call' },
      { type: 'function_call', call_id: 'call_e', name: 'f', arguments: '{}' },
    ] }).gemini;
    expect(stale.contents[3].parts[0].thoughtSignature).toBeUndefined();
  });

  it('a call output without its call is a 400 in OpenAI\'s words; unknown item types are refused clearly', () => {
    expect(() => convert({ input: [{ type: 'function_call_output', call_id: 'call_x', output: 'x' }] })).toThrow('No tool call found for function call output with call_id call_x.');
    expect(() => convert({ input: [{ type: 'computer_call', id: 'c' }] })).toThrow(expect.objectContaining({ param: 'input[0].type', code: 'unsupported_item_type' }));
    expect(() => convert({ input: [] })).toThrow(TranslationError);
  });

  it('tools: functions sanitised, custom tools as one string parameter with the grammar, namespaces flattened', () => {
    const converted = convert({
      input: 'x',
      tools: [
        { type: 'function', name: 'read', parameters: { $schema: 'x', type: 'object', properties: { path: { type: 'string' } } }, strict: true },
        { type: 'custom', name: 'apply_patch', description: 'Patch files.', format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' } },
        { type: 'namespace', name: 'agents', description: 'Sub-agents', tools: [{ type: 'function', name: 'spawn', parameters: { type: 'object', properties: {} } }] },
      ],
      tool_choice: { type: 'custom', name: 'apply_patch' },
    });
    const declarations = converted.gemini.tools?.[0].functionDeclarations;
    expect(declarations?.map((declaration) => declaration.name)).toEqual(['read', 'apply_patch', 'spawn']);
    expect(declarations?.[0].parametersJsonSchema).toEqual({ type: 'object', properties: { path: { type: 'string' } } });
    expect(declarations?.[1]).toEqual({
      name: 'apply_patch',
      description: 'Patch files.\n\nThe input must follow this lark grammar:\nstart: "x"',
      parametersJsonSchema: { type: 'object', properties: { input: { type: 'string', description: expect.any(String) } }, required: ['input'] },
    });
    expect(declarations?.[2]).toEqual({ name: 'spawn' });
    expect(converted.customToolNames).toEqual(['apply_patch']);
    expect(converted.namespaces).toEqual({ spawn: 'agents' });
    expect(converted.gemini.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['apply_patch'] } });
  });

  it('web_search is Google Search when alone, and dropped (reported) next to functions; other hosted tools are dropped', () => {
    expect(convert({ input: 'x', tools: [{ type: 'web_search' }] }).gemini.tools).toEqual([{ googleSearch: {} }]);
    const mixed = convert({ input: 'x', tools: [{ type: 'web_search_preview' }, { type: 'function', name: 'f' }, { type: 'file_search', vector_store_ids: [] }] });
    expect(mixed.gemini.tools).toEqual([{ functionDeclarations: [{ name: 'f' }] }]);
    expect(mixed.droppedTools).toEqual(['file_search', 'web_search']);
  });

  it('text.format json_schema / json_object', () => {
    const schema = convert({ input: 'x', text: { format: { type: 'json_schema', name: 'n', schema: { type: 'object', definitions: { a: { type: 'string' } }, properties: { a: { $ref: '#/definitions/a' } } } } } }).gemini.generationConfig;
    expect(schema).toMatchObject({ responseMimeType: 'application/json', responseJsonSchema: { type: 'object', $defs: { a: { type: 'string' } }, properties: { a: { $ref: '#/$defs/a' } } } });
    expect(convert({ input: 'x', text: { format: { type: 'json_object' } } }).gemini.generationConfig?.responseMimeType).toBe('application/json');
  });

  it('input_image takes data URLs; bad values are 400s naming the parameter', () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const { gemini } = convert({ input: [{ role: 'user', content: [{ type: 'input_image', image_url: `data:image/png;base64,${png}` }] }] });
    expect(gemini.contents[0].parts).toEqual([{ inlineData: { mimeType: 'image/png', data: png } }]);
    const remote = [{ role: 'user' as const, content: [{ type: 'input_image' as const, image_url: 'https://example.com/a.png' }, { type: 'input_image' as const, image_url: 'https://example.com/a.png' }] }];
    expect(() => convert({ input: remote })).toThrow(expect.objectContaining({ code: 'remote_image_disabled' }));
    expect(collectResponsesImageUrls(parseResponsesRequest({ model: 'm', input: remote }).input)).toEqual(['https://example.com/a.png']);
    const fetched = convertResponsesRequestToGemini(parseResponsesRequest({ model: 'gemini-2.5-flash', input: remote }), {
      model: model('gemini-2.5-flash'), remoteImages: new Map([['https://example.com/a.png', { mimeType: 'image/png', data: png }]]),
    });
    expect(fetched.gemini.contents[0].parts).toHaveLength(2);
    expect(() => convert({ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] })).toThrow(expect.objectContaining({ code: 'unsupported_file_id' }));
    expect(() => parseResponsesRequest({ model: 'm', input: 'x', temperature: 3 })).toThrow(expect.objectContaining({ param: 'temperature' }));
    expect(() => parseResponsesRequest({ input: 'x' })).toThrow(expect.objectContaining({ param: 'model' }));
    expect(() => parseResponsesRequest('nope')).toThrow(TranslationError);
    expect(() => parseResponsesRequest({ model: 'm', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] })).toThrow("Missing required parameter: 'input[0].call_id'.");
    expect(() => parseResponsesRequest({ model: 'm', input: [{ role: 'robot', content: 'x' }] })).toThrow(expect.objectContaining({ param: 'input[0].role' }));
    expect(() => parseResponsesRequest({ model: 'm', input: [{ type: 'input_image', image_url: 'x' }] })).not.toThrow();
  });
});
