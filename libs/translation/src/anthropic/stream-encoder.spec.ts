import type { GenerateContentResponse } from '../gemini/types';
import { decodeToolCallId } from '../openai/tool-call-id';
import { createGeminiStreamDecoder } from '../stream/gemini-stream-decoder';
import { createStreamTransform, type WireFrame } from '../stream/stream-transform';
import { aggregateAnthropicMessage } from './aggregate';
import { anthropicErrorFor } from './errors';
import { createAnthropicStreamEncoder } from './stream-encoder';

const SIGNATURE = Buffer.from('a-real-looking-signature').toString('base64');
const identity = { id: 'msg_1', model: 'claude-sonnet-4-5' };

/** Wire-true Gemini chunks (Code Assist's `response` objects) through the pure transform. */
function run(chunks: GenerateContentResponse[], options: { stopSequences?: string[] } = {}): { frames: WireFrame[]; failure?: string } {
  let ids = 0;
  const transform = createStreamTransform({
    decoder: createGeminiStreamDecoder({ newToolCallId: () => `id${ids++}` }),
    encoder: createAnthropicStreamEncoder({ ...identity, ...options }),
  });
  const frames: WireFrame[] = [];
  for (const chunk of chunks) {
    const step = transform.push(chunk);
    frames.push(...step.frames);
    if (step.failure) return { frames, failure: step.failure.code };
  }
  const last = transform.end();
  frames.push(...last.frames);
  return { frames, failure: last.failure?.code };
}

const text = (value: string, extra: Record<string, unknown> = {}): GenerateContentResponse => ({ candidates: [{ content: { role: 'model', parts: [{ text: value, ...extra }] } }] });
const finish = (reason: string, usage = { promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 2, totalTokenCount: 17 }): GenerateContentResponse => ({
  candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: reason }], usageMetadata: usage,
});
const names = (frames: WireFrame[]) => frames.map((frame) => (frame.kind === 'data' ? frame.event : frame.kind));
const data = (frames: WireFrame[]) => frames.map((frame) => (frame.kind === 'data' ? frame.data : undefined)) as Array<Record<string, any>>;

describe('createAnthropicStreamEncoder', () => {
  it('thoughts then text: Anthropic\'s event sequence, `event:` names equal to the data types, usage at the end', () => {
    const { frames } = run([text('hmm', { thought: true }), text('Hello '), text('world'), finish('STOP')]);
    expect(names(frames)).toEqual([
      'message_start', 'content_block_start', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    const events = data(frames);
    expect(events.every((event, index) => event.type === names(frames)[index])).toBe(true);
    expect(events[0].message).toMatchObject({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null });
    expect(events[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } });
    expect(events[2]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } });
    expect(events[5]).toEqual({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hello ' } });
    expect(events[8]).toEqual({
      type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 10, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  it('a function call: signature_delta on the thinking block, then a whole tool_use block whose id carries the signature', () => {
    const call: GenerateContentResponse = { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'Read', args: { file_path: '/tmp/a' } }, thoughtSignature: SIGNATURE }] }, finishReason: 'STOP' }] };
    const { frames } = run([text('plan', { thought: true }), call]);
    const events = data(frames);
    expect(events.map((event) => event.delta?.type ?? event.type)).toEqual([
      'message_start', 'content_block_start', 'thinking_delta', 'signature_delta', 'content_block_stop',
      'content_block_start', 'input_json_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    expect(events[3].delta).toEqual({ type: 'signature_delta', signature: SIGNATURE });
    const block = events[5].content_block;
    expect(block).toMatchObject({ type: 'tool_use', name: 'Read', input: {} });
    expect(block.id).toMatch(/^toolu_id0\.ts\./);
    expect(decodeToolCallId(block.id)).toEqual({ baseId: 'toolu_id0', thoughtSignature: SIGNATURE });
    expect(JSON.parse(events[6].delta.partial_json)).toEqual({ file_path: '/tmp/a' });
    expect(events[8].delta.stop_reason).toBe('tool_use');
  });

  it.each<[string, GenerateContentResponse[], { stopSequences?: string[] }, string, string | null]>([
    ['MAX_TOKENS → max_tokens', [text('a'), finish('MAX_TOKENS')], {}, 'max_tokens', null],
    ['STOP with one stop sequence → stop_sequence naming it', [text('a'), finish('STOP')], { stopSequences: ['END'] }, 'stop_sequence', 'END'],
    ['STOP with several → stop_sequence, unnamed', [text('a'), finish('STOP')], { stopSequences: ['A', 'B'] }, 'stop_sequence', null],
    ['SAFETY → refusal', [text('a'), finish('SAFETY')], {}, 'refusal', null],
  ])('%s', (_name, chunks, options, stopReason, stopSequence) => {
    const events = data(run(chunks, options).frames);
    expect(events.find((event) => event.type === 'message_delta')?.delta).toEqual({ stop_reason: stopReason, stop_sequence: stopSequence });
  });

  it('a truncated stream is a failure, not a clean message_stop', () => {
    const { frames, failure } = run([text('partial')]);
    expect(failure).toBe('upstream_truncated');
    expect(names(frames)).not.toContain('message_stop');
  });

  it('fail() writes `event: error` with Anthropic\'s body; ping is the heartbeat', () => {
    const encoder = createAnthropicStreamEncoder(identity);
    expect(encoder.fail({ status: 429, message: 'slow down', code: 'rate_limit_exceeded', openaiType: 'rate_limit_error', googleStatus: 'RESOURCE_EXHAUSTED', errorClass: 'capacity' }))
      .toEqual([{ kind: 'data', event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'slow down' } } }]);
    expect(encoder.heartbeat).toEqual({ kind: 'data', event: 'ping', data: { type: 'ping' } });
  });
});

describe('anthropicErrorFor', () => {
  it.each<[number, string | undefined, number, string]>([
    [400, undefined, 400, 'invalid_request_error'],
    [401, undefined, 401, 'authentication_error'],
    [403, 'permission', 403, 'permission_error'],
    [404, undefined, 404, 'not_found_error'],
    [413, undefined, 413, 'request_too_large'],
    [429, 'rate-limited', 429, 'rate_limit_error'],
    [429, 'capacity', 529, 'overloaded_error'],
    [503, 'capacity', 529, 'overloaded_error'],
    [500, 'server', 500, 'api_error'],
    [502, undefined, 502, 'api_error'],
    [503, undefined, 503, 'api_error'],
  ])('%i (%s) → %i %s', (status, errorClass, expectedStatus, type) => {
    expect(anthropicErrorFor(status, errorClass)).toEqual({ status: expectedStatus, type });
  });
});

describe('aggregateAnthropicMessage', () => {
  it('folds the same events the stream sends into one Message', () => {
    const events = [
      { type: 'reasoning-delta', index: 0, text: 'think' },
      { type: 'text-delta', index: 0, text: 'Hi' },
      { type: 'tool-call', index: 0, callIndex: 0, id: 'c1', name: 'Bash', arguments: '{"command":"ls"}', thoughtSignature: SIGNATURE },
      { type: 'finish', index: 0, reason: 'tool_calls', rawReason: 'STOP' },
      { type: 'usage', promptTokens: 3, completionTokens: 4, reasoningTokens: 1, totalTokens: 7, cachedTokens: 1 },
    ] as const;
    const message = aggregateAnthropicMessage(identity, events);
    expect(message).toEqual({
      id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: 'think', signature: '' },
        { type: 'text', text: 'Hi' },
        { type: 'tool_use', id: expect.stringMatching(/^toolu_c1\.ts\./), name: 'Bash', input: { command: 'ls' } },
      ],
      stop_reason: 'tool_use', stop_sequence: null,
      usage: { input_tokens: 2, output_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 1 },
    });
  });
});
