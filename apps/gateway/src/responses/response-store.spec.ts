import { MemorySharedState, type GatewayConfig } from '@app/common';
import type { ResponseObject } from '@app/translation';
import { ResponseStore, itemIds, newResponseId } from './response-store';

function responseWith(id: string, text: string): ResponseObject {
  const ids = itemIds(id);
  return {
    id, object: 'response', created_at: 1, status: 'completed', error: null, incomplete_details: null, model: 'gemini-2.5-flash', truncation: 'disabled', usage: null, user: null,
    instructions: null, max_output_tokens: null, parallel_tool_calls: true, previous_response_id: null, reasoning: { effort: null, summary: null }, store: true,
    temperature: null, text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], top_p: null, metadata: {},
    output: [
      { type: 'message', id: ids('msg'), status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] },
      { type: 'function_call', id: ids('fc'), call_id: 'call_1', name: 'f', arguments: '{}', status: 'completed' },
    ],
  };
}

describe('ResponseStore', () => {
  let now = 1_000_000;
  const config = { responses: { storeTtlSeconds: 60, storeMaxBytes: 2048 } } as GatewayConfig;
  const store = new ResponseStore(new MemorySharedState(() => now), config);

  it('keeps a response for RESPONSES_STORE_TTL_SECONDS, then forgets it', async () => {
    const id = newResponseId();
    expect(await store.save({ response: responseWith(id, 'hi'), input: [{ role: 'user', content: 'hi' }] })).toBe(true);
    expect((await store.load(id))?.response.output[0]).toMatchObject({ type: 'message' });
    now += 59_000;
    expect(await store.load(id)).toBeDefined();
    now += 2_000;
    expect(await store.load(id)).toBeUndefined();
  });

  it('does not store a response larger than RESPONSES_STORE_MAX_BYTES, and ignores ids that are not ours', async () => {
    const id = newResponseId();
    expect(await store.save({ response: responseWith(id, 'x'.repeat(4096)), input: [] })).toBe(false);
    expect(await store.load(id)).toBeUndefined();
    expect(await store.load('resp_../../etc')).toBeUndefined();
  });

  it('resolves item_reference items to the stored output items; an unknown reference is a 400', async () => {
    const id = newResponseId();
    const response = responseWith(id, 'hello');
    await store.save({ response, input: [] });
    const resolved = await store.resolveReferences([{ role: 'user', content: 'q' }, { type: 'item_reference', id: response.output[1].id }]);
    expect(resolved[1]).toEqual(response.output[1]);
    await expect(store.resolveReferences([{ type: 'item_reference', id: 'fc_nothing' }])).rejects.toMatchObject({ httpStatus: 400, openaiCode: 'item_not_found', param: 'input[0].id' });
  });
});
