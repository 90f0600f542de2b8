/**
 * What a request looks like on each path: the same prompt and the same scripted answer, sent
 * directly to the emulator (Code Assist's own wire format), through nginx to the emulator, or to
 * the gateway on its OpenAI or Gemini route.
 */
import type { EmulatorBehaviour } from '../../test/support/emulator';
import { BENCH_CLIENT_KEY } from './gateway';
import type { RequestTemplate } from './load';

export const BENCH_MODEL = 'gemini-2.5-flash';
export const BENCH_PROMPT = 'Say hello to the benchmark.';

export type Route = 'code-assist' | 'openai' | 'gemini';

/** Upstream answers, scripted in the emulator (no thoughts, so every path sees the same events). */
export const behaviours = {
  fast: { kind: 'text', chunks: ['Hello', ' from', ' the', ' benchmark.'], thoughts: [] },
  slow: { kind: 'text', chunks: ['Hello', ' from', ' the', ' benchmark.'], thoughts: [], firstByteDelayMs: 1_000 },
  streamed: (chunks: number, chunkDelayMs: number): EmulatorBehaviour => ({
    kind: 'text',
    chunks: Array.from({ length: chunks }, (_unused, index) => `token${index} `),
    thoughts: [],
    chunkDelayMs,
  }),
} satisfies Record<string, EmulatorBehaviour | ((...args: never[]) => EmulatorBehaviour)>;

/** The Code Assist envelope used by "direct" when none was captured from the gateway. */
export function fallbackEnvelope(project: string): Record<string, unknown> {
  return { model: BENCH_MODEL, project, request: { contents: [{ role: 'user', parts: [{ text: BENCH_PROMPT }] }] } };
}

export function codeAssistRequest(options: { origin: string; accessToken: string; envelope: unknown; stream: boolean }): RequestTemplate {
  return {
    origin: options.origin,
    path: options.stream ? '/v1internal:streamGenerateContent?alt=sse' : '/v1internal:generateContent',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.accessToken}`, accept: options.stream ? 'text/event-stream' : 'application/json' },
    body: JSON.stringify(options.envelope),
    // The emulator pretty-prints JSON answers (as Google does) and sends compact SSE events.
    completeMarker: options.stream ? '"finishReason":"STOP"' : '"finishReason": "STOP"',
  };
}

export function openaiRequest(options: { origin: string; stream: boolean }): RequestTemplate {
  return {
    origin: options.origin,
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_CLIENT_KEY}` },
    body: JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: BENCH_PROMPT }], stream: options.stream }),
    completeMarker: options.stream ? 'data: [DONE]' : '"finish_reason":"stop"',
  };
}

export function geminiRequest(options: { origin: string; stream: boolean }): RequestTemplate {
  return {
    origin: options.origin,
    path: `/v1beta/models/${BENCH_MODEL}:${options.stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    headers: { 'content-type': 'application/json', 'x-goog-api-key': BENCH_CLIENT_KEY },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: BENCH_PROMPT }] }] }),
    completeMarker: '"finishReason":"STOP"',
  };
}
