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

  // What Claude Code, MCP servers and zod-to-json-schema send that Gemini rejects (table: input → sent).
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['exclusiveMinimum → minimum', { type: 'integer', exclusiveMinimum: 0 }, { type: 'integer', minimum: 0 }],
    ['exclusiveMaximum kept out when maximum is there', { type: 'number', maximum: 5, exclusiveMaximum: 9 }, { type: 'number', maximum: 5 }],
    ['draft-04 boolean exclusiveMinimum dropped', { type: 'number', minimum: 1, exclusiveMinimum: true }, { type: 'number', minimum: 1 }],
    ['const string → enum', { type: 'string', const: 'add' }, { type: 'string', enum: ['add'] }],
    ['const boolean dropped', { type: 'boolean', const: true }, { type: 'boolean' }],
    ['propertyNames and patternProperties dropped', { type: 'object', propertyNames: { pattern: '^[a-z]+$' }, patternProperties: { '^x': { type: 'string' } } }, { type: 'object' }],
    ['additionalProperties false kept', { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }, { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }],
    ['additionalProperties schema kept', { type: 'object', additionalProperties: { type: 'string', $schema: 'x' } }, { type: 'object', additionalProperties: { type: 'string' } }],
    ['type list without null', { type: ['string', 'null'] }, { type: 'string' }],
    ['anyOf with null collapses, outer description wins', { description: 'outer', anyOf: [{ type: 'integer', description: 'inner', exclusiveMinimum: 0 }, { type: 'null' }] }, { description: 'outer', type: 'integer', minimum: 0 }],
    ['anyOf with two branches and null keeps both', { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'null' }] }, { anyOf: [{ type: 'string' }, { type: 'number' }] }],
    ['if/then/else dropped', { type: 'object', if: { properties: {} }, then: { required: ['a'] }, else: {} }, { type: 'object' }],
  ])('%s', (_name, input, expected) => {
    expect(sanitizeJsonSchema(input, 'p', { dropNull: true })).toEqual(expected);
  });

  it('keeps null in unions unless asked (a response schema may answer null)', () => {
    expect(sanitizeJsonSchema({ type: ['integer', 'null'] }, 'p')).toEqual({ type: ['integer', 'null'] });
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
