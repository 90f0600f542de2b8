import type { StreamEvent } from '../stream/events';
import type { WireFrame } from '../stream/stream-transform';
import { aggregateResponse } from './aggregate';
import { decodeReasoningSignature } from './reasoning-signature';
import { createResponsesStreamEncoder, type ResponsesEncoderOptions } from './stream-encoder';

function options(overrides: Partial<ResponsesEncoderOptions> = {}): ResponsesEncoderOptions {
  let count = 0;
  return {
    id: 'resp_1', createdAt: 1700000000, model: 'gemini-2.5-pro',
    settings: {
      instructions: null, max_output_tokens: null, parallel_tool_calls: true, previous_response_id: null, reasoning: { effort: null, summary: null },
      store: true, temperature: null, text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], top_p: null, metadata: {},
    },
    customToolNames: ['apply_patch'], namespaces: { spawn: 'agents' }, includeEncryptedReasoning: false,
    newItemId: (prefix) => `${prefix}_${count++}`,
    ...overrides,
  };
}

const data = (frames: WireFrame[]) => frames.map((frame) => (frame.kind === 'data' ? (frame.data as Record<string, any>) : {}));
const usage: StreamEvent = { type: 'usage', promptTokens: 5, completionTokens: 9, reasoningTokens: 4, totalTokens: 14 };
const stop: StreamEvent = { type: 'finish', index: 0, reason: 'stop', rawReason: 'STOP' };

describe('Responses stream encoder', () => {
  it('frames reasoning then text with every event named, numbered, and closed in order', () => {
    const encoder = createResponsesStreamEncoder(options());
    const frames = [
      ...encoder.encode({}, [{ type: 'reasoning-delta', index: 0, text: 'Thinking' }]),
      ...encoder.encode({}, [{ type: 'text-delta', index: 0, text: 'Hel' }, { type: 'text-delta', index: 0, text: 'lo' }]),
      ...encoder.end([stop, usage]),
    ];
    expect(frames.every((frame) => frame.kind === 'data' && frame.event === (frame.data as { type: string }).type)).toBe(true);
    const events = data(frames);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.map((event) => event.type)).toEqual([
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.reasoning_summary_part.added', 'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.completed',
    ]);
    expect(events[0].response).toMatchObject({ id: 'resp_1', status: 'in_progress', output: [] });
    const completed = events[events.length - 1].response;
    expect(completed.status).toBe('completed');
    expect(completed.output).toEqual([
      { type: 'reasoning', id: 'rs_0', summary: [{ type: 'summary_text', text: 'Thinking' }] },
      { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello', annotations: [], logprobs: [] }] },
    ]);
    expect(completed.usage).toEqual({ input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 4 }, total_tokens: 14 });
  });

  it('function and custom tool calls: ids carry the signature; encrypted_content carries it when asked; namespaces kept', () => {
    const encoder = createResponsesStreamEncoder(options({ includeEncryptedReasoning: true }));
    const frames = [
      ...encoder.encode({}, [
        { type: 'tool-call', index: 0, callIndex: 0, id: 'a', name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}', thoughtSignature: 'U0lH' },
        { type: 'tool-call', index: 0, callIndex: 1, id: 'b', name: 'spawn', arguments: '{"task":"t"}' },
      ]),
      ...encoder.end([stop]),
    ];
    const types = data(frames).map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'response.function_call_arguments.delta', 'response.function_call_arguments.done']));
    const output = encoder.response().output;
    expect(output.map((item) => item.type)).toEqual(['reasoning', 'custom_tool_call', 'function_call']);
    expect(output[0].type === 'reasoning' && decodeReasoningSignature(output[0].encrypted_content)).toBe('U0lH');
    expect(output[1]).toEqual({ type: 'custom_tool_call', id: 'ctc_1', call_id: 'call_a.ts.U0lH', name: 'apply_patch', input: '*** Begin Patch', status: 'completed' });
    expect(output[2]).toEqual({ type: 'function_call', id: 'fc_2', call_id: 'call_b', name: 'spawn', arguments: '{"task":"t"}', status: 'completed', namespace: 'agents' });
  });

  it('max_output_tokens ends as response.incomplete; a failure after the headers as response.failed', () => {
    const cut = createResponsesStreamEncoder(options());
    cut.encode({}, [{ type: 'text-delta', index: 0, text: 'par' }]);
    const last = data(cut.end([{ type: 'finish', index: 0, reason: 'length', rawReason: 'MAX_TOKENS' }])).pop();
    expect(last).toMatchObject({ type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } });
    expect(cut.response().output[0]).toMatchObject({ type: 'message', status: 'incomplete' });

    const failing = createResponsesStreamEncoder(options());
    failing.encode({}, [{ type: 'text-delta', index: 0, text: 'par' }]);
    const failed = data(failing.fail({ status: 502, message: 'cut short', code: 'upstream_truncated', openaiType: 'api_error', googleStatus: 'UNAVAILABLE' }));
    expect(failed).toEqual([{ type: 'response.failed', sequence_number: 5, response: expect.objectContaining({ status: 'failed', error: { code: 'upstream_truncated', message: 'cut short' } }) }]);
  });

  it('the non-streamed Response is what the stream ends with', () => {
    const events: StreamEvent[] = [
      { type: 'reasoning-delta', index: 0, text: 'hm' }, { type: 'text-delta', index: 0, text: 'Answer' },
      { type: 'sources', index: 0, sources: [{ uri: 'https://a.example', title: 'A' }] }, stop, usage,
    ];
    const response = aggregateResponse(options(), events);
    const streamed = createResponsesStreamEncoder(options());
    const frames = data(streamed.end(events));
    expect(frames[frames.length - 1].response).toEqual(response);
    expect(response.output[1]).toMatchObject({ content: [{ text: 'Answer', annotations: [{ type: 'url_citation', url: 'https://a.example', title: 'A', start_index: 0, end_index: 6 }] }] });
  });
});
