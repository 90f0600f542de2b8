import { TranslationError } from '../errors';
import { ModelCatalog } from '../models/catalog';
import { prng } from '../../../../test/support/prng';
import type { StreamEvent } from '../stream/events';
import { convertAnthropicRequestToGemini } from './convert-request';
import { createAnthropicEventEncoder, type AnthropicStreamEvent } from './message-events';
import { parseAnthropicMessagesRequest } from './request-schema';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** A Claude-Code-like body: the mutations land deep inside a plausible request. */
const SEED: Json = {
  model: 'gemini-3-pro-preview', max_tokens: 1000, stream: true, system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }],
  thinking: { type: 'enabled', budget_tokens: 100, display: 'omitted' }, tool_choice: { type: 'auto' }, stop_sequences: ['x'],
  tools: [{ name: 'Read', input_schema: { $schema: 'x', type: 'object', properties: { p: { type: 'integer', exclusiveMinimum: 0, const: 1 } }, required: ['p'] } }, { type: 'web_search_20250305', name: 'web_search' }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] },
    { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 'sig' }, { type: 'tool_use', id: 'toolu_a.ts.AAAA', name: 'Read', input: { p: 1 } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_a.ts.AAAA', content: [{ type: 'text', text: 'r' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }], is_error: false }] },
    { role: 'system', content: 'reminder' },
  ],
};

const JUNK: Json[] = [null, true, 0, -1, 1.5, 1e308, '', 'x', 'toolu_a', 'data:', '@@@', [], {}, [null], { type: 'text' }, { type: 'tool_result' }, { type: 'image', source: {} }, { type: 'nope' }, { role: 'bot' }, 'x'.repeat(5000)];

function mutate(value: Json, random: () => number, depth = 0): Json {
  if (depth > 0 && random() < 0.03) return JUNK[Math.floor(random() * JUNK.length)];
  if (Array.isArray(value)) return value.map((item) => mutate(item, random, depth + 1));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(() => random() > 0.02).map(([key, item]): [string, Json] => [key, mutate(item, random, depth + 1)]);
    return Object.fromEntries(entries);
  }
  return value;
}

/** Any body: a Gemini request that survives JSON, or a TranslationError — never another exception. */
describe('Anthropic translation on generated input', () => {
  const model = new ModelCatalog().resolve('gemini-3-pro-preview')!;

  it('the seed itself converts', () => {
    expect(() => convertAnthropicRequestToGemini(parseAnthropicMessagesRequest(SEED), model, SEED)).not.toThrow();
  });

  it.each(Array.from({ length: 8 }, (_, index) => index + 1))('seed %i: 300 mutated bodies', (seed) => {
    const random = prng(seed);
    let converted = 0;
    for (let round = 0; round < 300; round += 1) {
      const body = mutate(SEED, random);
      try {
        const gemini = convertAnthropicRequestToGemini(parseAnthropicMessagesRequest(body), model, body);
        expect(JSON.parse(JSON.stringify(gemini))).toEqual(gemini);
        converted += 1;
      } catch (error) {
        if (!(error instanceof TranslationError)) throw new Error(`seed ${seed} round ${round}: ${String(error)}\n${JSON.stringify(body).slice(0, 2000)}`);
        expect(error.message.length).toBeGreaterThan(10);
      }
    }
    expect(converted).toBeGreaterThan(0);
  });
});

/** Any event order: Anthropic's grammar holds (one open block at a time, every block closed, stop last). */
describe('Anthropic event sequence on generated events', () => {
  const kinds: Array<(index: number) => StreamEvent> = [
    () => ({ type: 'text-delta', index: 0, text: 't' }),
    () => ({ type: 'reasoning-delta', index: 0, text: 'r' }),
    (index) => ({ type: 'tool-call', index: 0, callIndex: index, id: `c${index}`, name: 'f', arguments: '{}', ...(index % 2 ? { thoughtSignature: 'c2ln' } : {}) }),
    () => ({ type: 'image', index: 0, mimeType: 'image/png', data: PNG }),
    () => ({ type: 'text-delta', index: 1, text: 'other candidate' }),
    () => ({ type: 'usage', promptTokens: 1, completionTokens: 1, reasoningTokens: 0, totalTokens: 2 }),
  ];

  it.each(Array.from({ length: 6 }, (_, index) => index + 1))('seed %i', (seed) => {
    const random = prng(seed);
    for (let round = 0; round < 200; round += 1) {
      const encoder = createAnthropicEventEncoder({ id: 'msg', model: 'm' });
      const out: AnthropicStreamEvent[] = [];
      const count = Math.floor(random() * 12);
      for (let step = 0; step < count; step += 1) out.push(...encoder.encode([kinds[Math.floor(random() * kinds.length)](step)]));
      out.push(...encoder.end([{ type: 'finish', index: 0, reason: 'stop', rawReason: 'STOP' }]));
      expect(out[0].type).toBe('message_start');
      expect(out.slice(-2).map((event) => event.type)).toEqual(['message_delta', 'message_stop']);
      let open: number | undefined;
      let next = 0;
      for (const event of out) {
        if (event.type === 'content_block_start') {
          expect([open, event.index]).toEqual([undefined, next]);
          open = event.index;
          next += 1;
        } else if (event.type === 'content_block_delta') expect(event.index).toBe(open);
        else if (event.type === 'content_block_stop') {
          expect(event.index).toBe(open);
          open = undefined;
        }
      }
      expect(open).toBeUndefined();
    }
  });
});
