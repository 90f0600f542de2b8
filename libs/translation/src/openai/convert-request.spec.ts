import { TranslationError } from '../errors';
import { ModelCatalog, type ResolvedModel } from '../models/catalog';
import { collectRemoteImageUrls } from './content-parts';
import { SYNTHETIC_THOUGHT_SIGNATURE } from './convert-messages';
import { convertChatRequestToGemini, DEFAULT_SAFETY_SETTINGS } from './convert-request';
import { parseChatCompletionRequest } from './request-schema';

const catalog = new ModelCatalog();
function model(id: string): ResolvedModel {
  const resolved = catalog.resolve(id);
  if (!resolved) throw new Error(`unknown model ${id}`);
  return resolved;
}
function convert(body: Record<string, unknown>, modelId = 'gemini-2.5-flash') {
  return convertChatRequestToGemini(parseChatCompletionRequest({ model: modelId, ...body }), { model: model(modelId) });
}
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('DEFAULT_SAFETY_SETTINGS', () => {
  it('is BLOCK_NONE for the five standard categories, frozen, and copied into each request', () => {
    expect(DEFAULT_SAFETY_SETTINGS).toEqual([
      { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' },
      { category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_NONE' },
      { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', threshold: 'BLOCK_NONE' },
      { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'BLOCK_NONE' },
      { category: 'HARM_CATEGORY_CIVIC_INTEGRITY', threshold: 'BLOCK_NONE' },
    ]);
    expect(Object.isFrozen(DEFAULT_SAFETY_SETTINGS) && Object.isFrozen(DEFAULT_SAFETY_SETTINGS[0])).toBe(true);
    const request = convert({ messages: [{ role: 'user', content: 'hi' }] });
    request.safetySettings![0].threshold = 'OFF';
    expect(DEFAULT_SAFETY_SETTINGS[0].threshold).toBe('BLOCK_NONE');
  });
});

describe('images', () => {
  it('collects each http(s) image URL once (string and object forms), never data URLs', () => {
    const request = parseChatCompletionRequest({
      model: 'm',
      messages: [
        { role: 'user', content: [
          { type: 'image_url', image_url: { url: ' https://a.example/x.png ' } },
          { type: 'image_url', image_url: 'https://a.example/x.png' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          { type: 'text', text: '![x](https://b.example/y.png)' },
        ] },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'HTTP://c.example/z.jpg' } }] },
      ],
    });
    expect(collectRemoteImageUrls(request)).toEqual(['https://a.example/x.png', 'HTTP://c.example/z.jpg']);
  });

  it('accepts data URL parameters, upper-case media types and wrapped base64', () => {
    const wrapped = `${PNG.slice(0, 40)}\n${PNG.slice(40)}`;
    const request = convert({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:IMAGE/PNG;name=dot.png;base64,${wrapped}` } }] }] });
    expect(request.contents[0].parts).toEqual([{ inlineData: { mimeType: 'image/png', data: PNG } }]);
  });

  it('leaves Markdown images that are not base64 data URIs as text', () => {
    const text = 'See ![remote](https://x.example/a.png) and ![bad](data:image/png;base64,@@@)';
    expect(convert({ messages: [{ role: 'user', content: text }] }).contents[0].parts).toEqual([{ text }]);
  });

  it('uses a fetched remote image', () => {
    const request = convertChatRequestToGemini(
      parseChatCompletionRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x.example/a.png' } }] }] }),
      { model: model('gemini-2.5-flash'), remoteImages: new Map([['https://x.example/a.png', { mimeType: 'image/png', data: PNG }]]) },
    );
    expect(request.contents[0].parts).toEqual([{ inlineData: { mimeType: 'image/png', data: PNG } }]);
  });
});

describe('tool history', () => {
  const call = (id: string, args: string) => ({ id, type: 'function', function: { name: 'f', arguments: args } });

  it('keeps unparseable or non-object arguments rather than failing the conversation', () => {
    const request = convert({ messages: [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [call('a', '{"x":1'), call('b', '[1,2]'), call('c', '  ')] },
      { role: 'tool', tool_call_id: 'a', content: '' },
      { role: 'tool', tool_call_id: 'b', content: '42' },
      { role: 'tool', tool_call_id: 'c', content: '{not json' },
    ] });
    expect(request.contents[1].parts.map((part) => part.functionCall?.args)).toEqual([{ arguments: '{"x":1' }, { arguments: '[1,2]' }, {}]);
    expect(request.contents[2].parts.map((part) => part.functionResponse?.response)).toEqual([{ output: '' }, { output: '42' }, { output: '{not json' }]);
  });

  it('merges only consecutive tool results, and adds no synthetic signature before Gemini 3', () => {
    const request = convert({ messages: [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [call('a', '{}')] },
      { role: 'tool', tool_call_id: 'a', content: 'r1' },
      { role: 'user', content: 'and again' },
      { role: 'assistant', content: null, tool_calls: [call('b', '{}')] },
      { role: 'tool', tool_call_id: 'b', content: 'r2' },
    ] });
    expect(request.contents.map((content) => `${content.role}:${content.parts.length}`)).toEqual(['user:1', 'model:1', 'user:1', 'user:1', 'model:1', 'user:1']);
    expect(request.contents[1].parts[0].thoughtSignature).toBeUndefined();
  });

  it('marks every Gemini 3 function-call turn that lacks a signature', () => {
    const request = convert({ messages: [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [call('a', '{}')] },
      { role: 'tool', tool_call_id: 'a', content: 'r1' },
      { role: 'assistant', content: null, tool_calls: [call('b', '{}')] },
      { role: 'tool', tool_call_id: 'b', content: 'r2' },
    ] }, 'gemini-3.1-pro-preview');
    expect([request.contents[1].parts[0].thoughtSignature, request.contents[3].parts[0].thoughtSignature]).toEqual([SYNTHETIC_THOUGHT_SIGNATURE, SYNTHETIC_THOUGHT_SIGNATURE]);
  });

  it('does not modify the parsed request', () => {
    const parsed = parseChatCompletionRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', parameters: { $schema: 'x', type: 'object', properties: { a: { type: 'string' } } } } }] });
    const before = JSON.stringify(parsed);
    convertChatRequestToGemini(parsed, { model: model('gemini-2.5-flash') });
    expect(JSON.stringify(parsed)).toBe(before);
  });
});

describe('thinking', () => {
  it.each([
    ['gemini-2.5-flash', 'minimal', { thinkingBudget: 0, includeThoughts: true }],
    ['gemini-2.5-flash', 'medium', { thinkingBudget: -1, includeThoughts: true }],
    ['gemini-2.5-flash', 'high', { thinkingBudget: 24576, includeThoughts: true }],
    ['gemini-2.5-pro', 'low', { thinkingBudget: 1000, includeThoughts: true }],
    ['gemini-3-flash-preview', 'none', { thinkingLevel: 'MINIMAL', includeThoughts: false }],
    ['gemini-3-flash-preview', 'high', { thinkingLevel: 'HIGH', includeThoughts: true }],
    ['gemini-2.5-pro-nothinking', 'high', { thinkingBudget: 128, includeThoughts: false }],
    ['gemini-3-flash-preview-maxthinking', 'none', { thinkingLevel: 'HIGH', includeThoughts: true }],
  ])('%s with reasoning_effort %s', (modelId, effort, expected) => {
    expect(convert({ messages: [{ role: 'user', content: 'x' }], reasoning_effort: effort }, modelId).generationConfig?.thinkingConfig).toEqual(expected);
  });

  it('rejects an effort the schema did not vet with a TranslationError on reasoning_effort', () => {
    const parsed = { ...parseChatCompletionRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), reasoning_effort: 'toString' } as never;
    expect(() => convertChatRequestToGemini(parsed, { model: model('gemini-2.5-flash') })).toThrow(TranslationError);
  });
});
