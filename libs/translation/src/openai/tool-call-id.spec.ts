import { createHash } from 'node:crypto';
import { ModelCatalog } from '../models/catalog';
import { sequentialIds } from './__fixtures__/load-fixtures';
import { geminiResponseToChatCompletion } from './aggregate';
import { convertChatRequestToGemini } from './convert-request';
import { parseChatCompletionRequest } from './request-schema';
import { decodeToolCallId, encodeToolCallId } from './tool-call-id';

/** Deterministic pseudo-random bytes, base64 like Gemini's signatures. */
function signature(bytes: number, seed = 'signature'): string {
  const chunks: Buffer[] = [];
  let digest = Buffer.from(seed);
  while (chunks.length * 32 < bytes) {
    digest = createHash('sha256').update(digest).digest();
    chunks.push(digest);
  }
  return Buffer.concat(chunks).subarray(0, bytes).toString('base64');
}

const URL_SAFE = /^[A-Za-z0-9_.-]+$/;

describe('tool-call id ⇄ thoughtSignature', () => {
  it('leaves ids without a signature alone', () => {
    expect(encodeToolCallId('call_abc')).toBe('call_abc');
    expect(encodeToolCallId('call_abc', '')).toBe('call_abc');
    expect(decodeToolCallId('call_abc')).toEqual({ baseId: 'call_abc' });
  });

  it.each([1, 2, 3, 31, 32, 33, 97, 180])('round-trips a %i-byte base64 signature compactly and URL-safe', (bytes) => {
    const sig = signature(bytes, `s${bytes}`);
    const id = encodeToolCallId('call_x1', sig);
    expect(id).toMatch(URL_SAFE);
    expect(id.length).toBeLessThanOrEqual('call_x1.ts.'.length + sig.length);
    expect(decodeToolCallId(id)).toEqual({ baseId: 'call_x1', thoughtSignature: sig });
  });

  it('round-trips a 2 KB signature', () => {
    const sig = signature(2048);
    expect(sig.length).toBeGreaterThan(2700);
    const id = encodeToolCallId('call_0001', sig);
    expect(id.startsWith('call_0001.ts.')).toBe(true);
    expect(decodeToolCallId(id).thoughtSignature).toBe(sig);
  });

  it.each([
    ['a non-base64 string', 'skip_thought_signature_validator'],
    ['unpadded base64', 'QUJD'.slice(0, 3)],
    ['base64 with an odd tail', 'QUJDRA'],
    ['unicode', 'sïgnature ✓'],
  ])('round-trips %s through the lossless form', (_label, sig) => {
    const id = encodeToolCallId('call_z', sig);
    expect(id).toMatch(URL_SAFE);
    expect(decodeToolCallId(id)).toEqual({ baseId: 'call_z', thoughtSignature: sig });
  });

  it('keeps dots in a base id and ignores suffix look-alikes that are not ours', () => {
    const sig = signature(40);
    expect(decodeToolCallId(encodeToolCallId('call.with.dots', sig))).toEqual({ baseId: 'call.with.dots', thoughtSignature: sig });
    expect(decodeToolCallId('toolu_01.ts.')).toEqual({ baseId: 'toolu_01.ts.' });
    expect(decodeToolCallId('a.ts.b/c')).toEqual({ baseId: 'a.ts.b/c' });
    expect(decodeToolCallId('a.ts.abcde')).toEqual({ baseId: 'a.ts.abcde' }); // 5 chars: not base64 of anything
  });

  it('carries a 2 KB signature from a Gemini response back onto the functionCall part of the next request', () => {
    const sig = signature(2048, 'e2e');
    const completion = geminiResponseToChatCompletion(
      {
        candidates: [{
          index: 0,
          finishReason: 'STOP',
          content: { role: 'model', parts: [
            { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: sig },
            { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
          ] },
        }],
      },
      { id: 'chatcmpl-1', created: 1, model: 'gemini-3-pro-preview', newToolCallId: sequentialIds() },
    );
    const message = completion.choices[0].message;
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    const calls = message.tool_calls ?? [];
    expect(calls).toHaveLength(2);

    const next = parseChatCompletionRequest({
      model: 'gemini-3-pro-preview',
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        message,
        ...calls.map((call, index) => ({ role: 'tool', tool_call_id: call.id, content: `${18 + index}C` })),
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    });
    const model = new ModelCatalog().resolve('gemini-3-pro-preview');
    if (!model) throw new Error('catalog');
    const request = convertChatRequestToGemini(next, { model });
    const modelTurn = request.contents[1];
    expect(modelTurn.role).toBe('model');
    expect(modelTurn.parts[0].thoughtSignature).toBe(sig);
    expect(modelTurn.parts[0].functionCall).toEqual({ id: 'call_0000', name: 'get_weather', args: { city: 'Paris' } });
    expect(modelTurn.parts[1].thoughtSignature).toBeUndefined();
    expect(request.contents[2].parts.map((part) => part.functionResponse?.id)).toEqual(['call_0000', 'call_0001']);
  });
});
