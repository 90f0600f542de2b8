import type { GenerateContentResponse } from '../gemini/types';
import { findStreamFailure, streamFailureOf, type StreamEvent } from '../stream/events';
import { createGeminiStreamDecoder } from '../stream/gemini-stream-decoder';
import { loadStreamFixtures, sequentialIds, UPDATE_FIXTURES, writeJson, type StreamFixture } from './__fixtures__/load-fixtures';
import { aggregateChatCompletion } from './aggregate';
import { createChatCompletionChunkEncoder } from './chunk-encoder';
import { encodeOpenAIStreamError } from './stream-error';
import type { ChatCompletionChunk } from './types';

const IDENTITY = { id: 'chatcmpl-test', created: 1_760_000_000 };

/** The pipe the HTTP layer runs: decode → (failure? stop and report : encode) → end. */
function run(fixture: StreamFixture) {
  const decoder = createGeminiStreamDecoder({ newToolCallId: sequentialIds() });
  const events: StreamEvent[] = [
    ...fixture.chunks.flatMap((chunk) => decoder.decode(chunk as GenerateContentResponse)),
    ...decoder.end(),
  ];
  const identity = { ...IDENTITY, model: fixture.expected.model };
  const encoder = createChatCompletionChunkEncoder({ ...identity, includeUsage: fixture.expected.includeUsage });
  const chunks: ChatCompletionChunk[] = [];
  for (const event of events) {
    const failure = streamFailureOf(event);
    if (failure) return { chunks, failure: encodeOpenAIStreamError(failure) };
    chunks.push(...encoder.encode(event));
  }
  chunks.push(...encoder.end());
  expect(findStreamFailure(events)).toBeUndefined();
  return { chunks, completion: aggregateChatCompletion(identity, events) };
}

function check(fixture: StreamFixture) {
  const actual = run(fixture);
  if (UPDATE_FIXTURES) {
    const { chunks: _chunks, completion: _completion, failure: _failure, ...head } = fixture.expected;
    writeJson(fixture.expectedFile, { ...head, ...actual });
    return actual;
  }
  expect(actual.chunks).toEqual(fixture.expected.chunks);
  expect(actual.completion).toEqual(fixture.expected.completion);
  expect(actual.failure).toEqual(fixture.expected.failure);
  return actual;
}

/** What every OpenAI stream we write must satisfy, whatever upstream sent. */
function expectWellFormed(chunks: ChatCompletionChunk[]) {
  const seen = new Set<number>();
  for (const chunk of chunks) {
    if (chunk.choices.length === 0) {
      expect(chunk.usage).toBeTruthy(); // only the usage chunk has no choices
      continue;
    }
    expect(chunk.choices).toHaveLength(1);
    const [choice] = chunk.choices;
    const keys = Object.keys(choice.delta).filter((key) => key !== 'role');
    if (choice.finish_reason === null) expect(keys.length).toBeGreaterThan(0); // no empty-delta noise
    expect(choice.delta.role === 'assistant').toBe(!seen.has(choice.index)); // role on the first delta only
    seen.add(choice.index);
  }
}

describe('Gemini stream → OpenAI chunks (ok fixtures)', () => {
  it.each(loadStreamFixtures('ok').map((fixture) => [fixture.expected.description, fixture] as const))('%s', (_description, fixture) => {
    const actual = check(fixture);
    expect(actual.failure).toBeUndefined();
    expectWellFormed(actual.chunks);
  });
});

describe('Gemini stream → failure (not-ok fixtures)', () => {
  it.each(loadStreamFixtures('not-ok').map((fixture) => [fixture.expected.description, fixture] as const))('%s', (_description, fixture) => {
    const actual = check(fixture);
    expect(actual.failure).toBeDefined();
    expect(actual.chunks.some((chunk) => chunk.choices.some((choice) => choice.finish_reason === 'stop'))).toBe(false);
    expectWellFormed(actual.chunks);
  });
});
