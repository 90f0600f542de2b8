import { checkFunctionDeclarations, checkFunctionResponses, checkThoughtSignatures } from '../../support/emulator/schema-check';

/** The emulator refuses the function declarations Google refuses (so gateway tests catch them). */
describe('emulator: function declaration checks', () => {
  const declare = (declaration: Record<string, unknown>) => [{ functionDeclarations: [{ name: 'f', ...declaration }] }];

  it.each<[string, unknown, string | undefined]>([
    ['a clean JSON Schema', declare({ parametersJsonSchema: { type: 'object', properties: { a: { type: 'string', enum: ['x'] } }, required: ['a'], additionalProperties: false } }), undefined],
    ['no parameters at all', declare({}), undefined],
    ['$schema at the top', declare({ parametersJsonSchema: { $schema: 'x', type: 'object' } }), '"$schema" at \'request.tools[0].function_declarations[0].parameters_json_schema\''],
    ['exclusiveMinimum in a property', declare({ parametersJsonSchema: { type: 'object', properties: { a: { type: 'string' }, n: { type: 'integer', exclusiveMinimum: 0 } } } }), '"exclusiveMinimum" at \'request.tools[0].function_declarations[0].parameters_json_schema.properties[1].value\''],
    ['const in an array item', declare({ parametersJsonSchema: { type: 'array', items: { const: 'a' } } }), '"const"'],
    ['propertyNames', declare({ parametersJsonSchema: { type: 'object', propertyNames: { pattern: 'x' } } }), '"propertyNames"'],
    ['additionalProperties in the OpenAPI `parameters` form', declare({ parameters: { type: 'OBJECT', additionalProperties: false } }), '"additionalProperties" at \'request.tools[0].function_declarations[0].parameters\''],
    ['a clean OpenAPI `parameters`', declare({ parameters: { type: 'OBJECT', properties: { a: { type: 'STRING', nullable: true } } } }), undefined],
  ])('%s', (_name, tools, unknownName) => {
    const error = checkFunctionDeclarations(tools);
    if (unknownName === undefined) {
      expect(error).toBeUndefined();
      return;
    }
    expect(error?.httpStatus).toBe(400);
    expect(error?.body.error.status).toBe('INVALID_ARGUMENT');
    expect(error?.body.error.message).toContain(`Unknown name ${unknownName}`);
  });

  it.each(['1abc', 'a b', 'x'.repeat(65), ''])('refuses the function name %j', (name) => {
    const error = checkFunctionDeclarations([{ functionDeclarations: [{ name }] }]);
    expect(error?.body.error.message).toContain('Invalid function name');
  });

  it.each(['mcp__github__create_issue', 'Read', 'a.b:c-d', 'x'.repeat(64)])('accepts the function name %j', (name) => {
    expect(checkFunctionDeclarations([{ functionDeclarations: [{ name }] }])).toBeUndefined();
  });

  const call = (name: string) => ({ functionCall: { name, args: {} } });
  const answer = (name: string) => ({ functionResponse: { name, response: {} } });
  it.each<[string, unknown[], boolean]>([
    ['two calls, two responses', [{ role: 'user', parts: [{ text: 'x' }] }, { role: 'model', parts: [call('a'), call('b')] }, { role: 'user', parts: [answer('b'), answer('a')] }], true],
    ['a call as the last turn (the model is asked to continue)', [{ role: 'user', parts: [{ text: 'x' }] }, { role: 'model', parts: [call('a')] }], true],
    ['two calls, one response', [{ role: 'model', parts: [call('a'), call('b')] }, { role: 'user', parts: [answer('a')] }], false],
    ['a call answered by text', [{ role: 'model', parts: [call('a')] }, { role: 'user', parts: [{ text: 'x' }] }], false],
  ])('function responses: %s', (_name, contents, accepted) => {
    const error = checkFunctionResponses(contents);
    if (accepted) expect(error).toBeUndefined();
    else expect(error?.body.error.message).toContain('number of function response parts is equal to the number of function call parts');
  });

  const user = (text: string) => ({ role: 'user', parts: [{ text }] });
  const step = (signature?: string) => ({ role: 'model', parts: [{ functionCall: { name: 'Read', args: {} }, ...(signature ? { thoughtSignature: signature } : {}) }, { functionCall: { name: 'Bash', args: {} } }] });
  it.each<[string, string, unknown[], boolean]>([
    ['Gemini 3, signed steps in the current turn', 'gemini-3-pro-preview', [user('a'), step('c2ln'), { role: 'user', parts: [answer('Read'), answer('Bash')] }, step('c2ln')], true],
    ['Gemini 3, an unsigned step in an earlier turn', 'gemini-3-pro-preview', [user('a'), step(), { role: 'user', parts: [answer('Read'), answer('Bash')] }, user('b')], true],
    ['Gemini 3, an unsigned step in the current turn', 'gemini-3-pro-preview', [user('a'), step('c2ln'), { role: 'user', parts: [answer('Read'), answer('Bash')] }, step()], false],
    ['Gemini 2.5 does not check', 'gemini-2.5-pro', [user('a'), step()], true],
  ])('thought signatures: %s', (_name, model, contents, accepted) => {
    const error = checkThoughtSignatures(model, contents);
    if (accepted) expect(error).toBeUndefined();
    else expect(error?.body.error.message).toContain('Function call is missing a thought_signature in functionCall parts');
  });
});
