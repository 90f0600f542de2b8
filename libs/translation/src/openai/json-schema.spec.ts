import { TranslationError } from '../errors';
import { declaresNoParameters, MAX_SCHEMA_DEPTH, sanitizeJsonSchema } from './json-schema';

describe('sanitizeJsonSchema', () => {
  it('removes $schema and $comment at every depth, but not properties that happen to be called so', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        $schema: { type: 'string', $comment: 'a property named $schema' },
        list: { type: 'array', items: { $schema: 'x', type: 'object', properties: { a: { anyOf: [{ type: 'string', $schema: 'y' }, { type: 'null' }] } } } },
      },
    };
    expect(sanitizeJsonSchema(schema, 'p')).toEqual({
      type: 'object',
      properties: {
        $schema: { type: 'string' },
        list: { type: 'array', items: { type: 'object', properties: { a: { anyOf: [{ type: 'string' }, { type: 'null' }] } } } },
      },
    });
  });

  it('renames draft-07 definitions to $defs and trims $ref siblings Gemini rejects', () => {
    const schema = {
      type: 'object',
      properties: { unit: { $ref: '#/definitions/Unit', title: 'Unit', description: 'which unit', default: 'c' } },
      definitions: { Unit: { type: 'string', enum: ['c', 'f'] } },
    };
    expect(sanitizeJsonSchema(schema, 'p')).toEqual({
      type: 'object',
      properties: { unit: { $ref: '#/$defs/Unit', description: 'which unit', default: 'c' } },
      $defs: { Unit: { type: 'string', enum: ['c', 'f'] } },
    });
  });

  it('copies values of non-schema keywords untouched and keeps __proto__ as a plain property name', () => {
    const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}},"default":{"$schema":"kept"},"enum":[{"$schema":1}]}') as Record<string, unknown>;
    const result = sanitizeJsonSchema(schema, 'p');
    expect(Object.keys(result.properties as object)).toEqual(['__proto__']);
    expect(result.default).toEqual({ $schema: 'kept' });
    expect(result.enum).toEqual([{ $schema: 1 }]);
    expect(Object.getPrototypeOf(result.properties)).toBe(Object.prototype);
  });

  it('refuses absurdly deep schemas with a TranslationError naming the param', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < MAX_SCHEMA_DEPTH + 5; level += 1) deep = { type: 'object', properties: { next: deep } };
    expect(() => sanitizeJsonSchema(deep, 'tools[0].function.parameters')).toThrow(TranslationError);
    try {
      sanitizeJsonSchema(deep, 'tools[0].function.parameters');
    } catch (error) {
      expect((error as TranslationError).param).toBe('tools[0].function.parameters');
    }
  });
});

describe('declaresNoParameters', () => {
  it.each([
    [{}, true],
    [{ type: 'object' }, true],
    [{ type: 'object', properties: {} }, true],
    [{ type: 'object', properties: {}, required: [], additionalProperties: false, $schema: 'x' }, true],
    [{ type: 'object', properties: { a: { type: 'string' } } }, false],
    [{ type: 'object', anyOf: [] }, false],
    [{ type: 'object', additionalProperties: { type: 'string' } }, false],
    [{ type: 'string' }, false],
  ])('%j → %s', (schema, expected) => {
    expect(declaresNoParameters(schema)).toBe(expected);
  });
});
