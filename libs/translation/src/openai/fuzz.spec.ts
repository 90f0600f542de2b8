import { imageMarkdown } from './markdown-image';
import { TranslationError } from '../errors';
import type { GenerateContentResponse } from '../gemini/types';
import { ModelCatalog } from '../models/catalog';
import { streamFailureOf } from '../stream/events';
import { createGeminiStreamDecoder } from '../stream/gemini-stream-decoder';
import { sequentialIds } from './__fixtures__/load-fixtures';
import { aggregateChatCompletion } from './aggregate';
import { createChatCompletionChunkEncoder } from './chunk-encoder';
import { collectRemoteImageUrls } from './content-parts';
import { convertChatRequestToGemini } from './convert-request';
import { parseChatCompletionRequest } from './request-schema';
import { prng } from '../../../../test/support/prng';


type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

class Generator {
  constructor(readonly random: () => number) {}

  int(max: number): number {
    return Math.floor(this.random() * max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  junk(depth = 0): Json {
    const kinds = depth > 3 ? 6 : 12;
    switch (this.int(kinds)) {
      case 0: return null;
      case 1: return this.random() < 0.5;
      case 2: return this.pick([0, -1, 1.5, 3, 9, 1e308, -1e308, 2 ** 53 + 2, Number.MIN_VALUE, 4294967301]);
      case 3: return this.pick(['', ' ', 'x', 'user', 'tool', 'assistant', 'data:', 'data:image/png;base64,', 'data:image/png;base64,@@', 'https://example.com/a.png', '{"a":1}', '[[[[', '\u0000\uFFFF', '🙂'.repeat(50), 'call_1.ts.AAAA', 'x'.repeat(10_000)]);
      case 4: return [];
      case 5: return {};
      case 6: return Array.from({ length: this.int(4) }, () => this.junk(depth + 1));
      case 7: return Object.fromEntries(Array.from({ length: this.int(4) }, () => [this.pick(['type', 'text', 'content', 'role', 'url', 'function', 'name', 'arguments', '__proto__', 'constructor', '$ref', 'x']), this.junk(depth + 1)]));
      case 8: return this.deep(this.pick([10, 100, 1000, 3000]));
      case 9: return Array.from({ length: this.pick([100, 1000, 5000]) }, () => this.pick<Json>([null, 1, 'a', {}, []]));
      case 10: return { type: this.pick(['text', 'image_url', 'input_audio', 'file', 'refusal', 'function', 'web_search', 'json_schema', 'allowed_tools']), [this.pick(['text', 'image_url', 'input_audio', 'file', 'function', 'json_schema', 'allowed_tools'])]: this.junk(depth + 1) };
      default: return { role: this.pick(['user', 'assistant', 'system', 'developer', 'tool', 'function', 'bot', 'USER', '', null]), content: this.junk(depth + 1) } as Json;
    }
  }

  /** Deeply nested arrays or objects (as JSON.parse would produce them). */
  deep(levels: number): Json {
    const open = this.random() < 0.5 ? '[' : '{"a":';
    const close = open === '[' ? ']' : '}';
    return JSON.parse(`${open.repeat(levels)}1${close.repeat(levels)}`) as Json;
  }
}

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const tool = { type: 'function', function: { name: 'get_weather', description: 'w', parameters: { $schema: 'x', type: 'object', properties: { city: { type: 'string' } }, definitions: { A: { type: 'string' } } } } };

/** Valid bodies the mutations start from, so junk lands deep inside otherwise plausible requests. */
const SEEDS: Json[] = [
  { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] },
  { model: 'gemini-2.5-pro', messages: [{ role: 'system', content: 's' }, { role: 'user', content: [{ type: 'text', text: 'look ![i](data:image/png;base64,' + PNG + ')' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,' + PNG } }, { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }, { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERg==' } }] }], temperature: 0.5, top_p: 0.9, n: 2, stop: ['x'], seed: 1, max_tokens: 10, response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object' } } }, reasoning_effort: 'low' },
  { model: 'gemini-3-pro-preview', messages: [{ role: 'user', content: 'w?' }, { role: 'assistant', content: null, tool_calls: [{ id: 'call_1.ts.AAAA', type: 'function', function: { name: 'get_weather', arguments: '{"city":"P"}' } }] }, { role: 'tool', tool_call_id: 'call_1.ts.AAAA', content: '{"t":1}' }], tools: [tool], tool_choice: { type: 'function', function: { name: 'get_weather' } } },
  { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'w?' }, { role: 'assistant', function_call: { name: 'get_weather', arguments: '{}' } }, { role: 'function', name: 'get_weather', content: 'x' }], functions: [tool.function], function_call: 'auto', tools: [{ type: 'web_search' }] },
];

function paths(value: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(prefix);
  if (out.length > 400) return out;
  if (Array.isArray(value)) value.slice(0, 20).forEach((item, index) => paths(item, [...prefix, index], out));
  else if (value !== null && typeof value === 'object') Object.entries(value).forEach(([key, item]) => paths(item, [...prefix, key], out));
  return out;
}

/** `count` independent copies of `item` (no aliasing, so later mutations cannot multiply), at most ~500 KB. */
function huge(item: Json, count: number): Json[] {
  const text = JSON.stringify(item);
  const copies = Math.min(count, Math.floor(500_000 / Math.max(text.length, 1)));
  return Array.from({ length: copies }, () => JSON.parse(text) as Json);
}

function mutate(body: Json, generator: Generator): Json {
  const all = paths(body).filter((path) => path.length > 0);
  if (all.length === 0) return generator.junk();
  const path = generator.pick(all);
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1];
  let parent: any = body;
  for (const step of parentPath) parent = parent[step];
  switch (generator.int(5)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    case 1:
      parent[key] = [parent[key]];
      break;
    case 2:
      if (Array.isArray(parent[key])) parent[key] = huge((parent[key] as Json[])[0] ?? null, generator.pick([0, 50, 2000]));
      else parent[key] = generator.junk();
      break;
    default:
      parent[key] = generator.junk();
  }
  return body;
}

describe('fuzz: malformed request bodies', () => {
  const catalog = new ModelCatalog();
  const models = catalog.entries.map((entry) => catalog.resolve(entry.id)!);

  it('parse + convert either succeed or throw TranslationError, for 1,000 generated bodies', () => {
    const generator = new Generator(prng(20_250_101));
    const outcomes = { converted: 0, rejected: 0 };
    for (let round = 0; round < 1000; round += 1) {
      const seed = JSON.parse(JSON.stringify(generator.pick(SEEDS))) as Json;
      let body: Json = generator.random() < 0.08 ? generator.junk() : seed;
      const mutations = 1 + generator.int(4);
      for (let step = 0; step < mutations; step += 1) body = mutate(body, generator);
      const wire = JSON.parse(JSON.stringify(body)) as unknown; // exactly what an HTTP body parser yields
      try {
        const request = parseChatCompletionRequest(wire);
        collectRemoteImageUrls(request);
        const gemini = convertChatRequestToGemini(request, { model: generator.pick(models) });
        JSON.stringify(gemini);
        outcomes.converted += 1;
      } catch (error) {
        if (!(error instanceof TranslationError)) {
          throw new Error(`round ${round}: ${String(error)}\nbody: ${JSON.stringify(wire).slice(0, 2000)}`);
        }
        expect(typeof error.message).toBe('string');
        outcomes.rejected += 1;
      }
    }
    // Both paths must be exercised for the test to mean anything.
    expect(outcomes.converted).toBeGreaterThan(50);
    expect(outcomes.rejected).toBeGreaterThan(300);
  });
});

describe('fuzz: malformed upstream chunks', () => {
  it('decode → encode → aggregate never throws, for 300 generated streams', () => {
    const generator = new Generator(prng(7));
    const part = (): Json => generator.pick<Json>([
      { text: 'x' }, { text: 'y', thought: true }, { functionCall: { name: 'f', args: generator.junk() } }, { inlineData: { mimeType: generator.junk(), data: generator.junk() } },
      { thoughtSignature: 'AAAA', text: '' }, generator.junk(),
    ]);
    const chunk = (): Json => generator.pick<Json>([
      { candidates: [{ index: generator.pick<Json>([0, 1, -1, 1.5, 'a', null]), content: { parts: Array.from({ length: generator.int(4) }, part) }, finishReason: generator.pick<Json>([null, 'STOP', 'OTHER', 'SAFETY', 'MALFORMED_FUNCTION_CALL', 5, '']) }] },
      { candidates: generator.junk() }, { promptFeedback: generator.junk() }, { usageMetadata: generator.junk() }, { error: generator.junk() }, generator.junk(),
    ]);
    for (let round = 0; round < 300; round += 1) {
      const decoder = createGeminiStreamDecoder({ newToolCallId: sequentialIds() });
      const encoder = createChatCompletionChunkEncoder({ id: 'chatcmpl-f', created: 1, model: 'm', includeUsage: true });
      const chunks = Array.from({ length: generator.int(6) }, chunk);
      const events = [...chunks.flatMap((value) => decoder.decode(value as GenerateContentResponse)), ...decoder.end()];
      for (const event of events) {
        streamFailureOf(event);
        encoder.encode(event);
      }
      encoder.end();
      // Whatever the chunks were, the aggregate says exactly what the events said, and every choice ends.
      const completion = aggregateChatCompletion({ id: 'chatcmpl-f', created: 1, model: 'm' }, events);
      const content = events.map((event) => {
        if (event.type === 'text-delta' && event.index === 0) return event.text;
        if (event.type === 'image' && event.index === 0) return imageMarkdown(event.mimeType, event.data);
        return '';
      }).join('');
      expect(completion.choices[0].message.content ?? '').toBe(content);
      for (const choice of completion.choices) expect(['stop', 'length', 'tool_calls', 'content_filter']).toContain(choice.finish_reason);
    }
  });
});
