import { sampleForSchema } from '../../support/emulator/schema-sample';

describe('emulator: JSON-mode answers satisfy the response schema', () => {
  it('fills required properties by type, Google (upper-case) and JSON Schema spellings alike', () => {
    const classifier = { type: 'OBJECT', properties: { complexity_reasoning: { type: 'STRING' }, complexity_score: { type: 'INTEGER', minimum: 1, maximum: 100 } }, required: ['complexity_reasoning', 'complexity_score'] };
    expect(sampleForSchema(classifier, 'Echo: hi')).toEqual({ complexity_reasoning: 'Echo: hi', complexity_score: 1 });
    const jsonSchema = { type: 'object', properties: { model_choice: { type: 'string', enum: ['flash', 'pro'] }, tags: { type: 'array', items: { type: 'string' }, minItems: 1 }, ok: { type: ['boolean', 'null'] } }, required: ['model_choice', 'tags', 'ok'] };
    expect(sampleForSchema(jsonSchema, 'e')).toEqual({ model_choice: 'flash', tags: ['e'], ok: false });
    expect(sampleForSchema({ anyOf: [{ type: 'null' }, { type: 'number' }] }, 'e')).toBe(1);
    expect(sampleForSchema({ type: 'INTEGER', description: 'Complexity score from 1-100.' }, 'e')).toBe(1);
  });

  it('gives up on what it does not understand, so the caller falls back to the echo object', () => {
    expect(sampleForSchema(undefined, 'e')).toBeUndefined();
    expect(sampleForSchema({ $ref: '#/definitions/x' }, 'e')).toBeUndefined();
  });
});
