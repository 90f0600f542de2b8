/**
 * What Google checks in `tools[].functionDeclarations[]` before generating, so tests catch a
 * declaration the real service would refuse (400 INVALID_ARGUMENT, as in code-assist-wire.md §6.8):
 * - the function name: a letter or `_` first, then letters, digits, `_ . : -`, at most 64;
 * - `parameters` (OpenAPI Schema, a proto message): any field outside the message is an
 *   "Unknown name" (`additionalProperties`, `$schema`, `exclusiveMinimum`, `const`…);
 * - `parametersJsonSchema`: the JSON Schema keywords agents' tools send that Gemini refuses
 *   (`$schema`, `propertyNames`, `exclusiveMinimum`/`Maximum`, `const`, `patternProperties`,
 *   conditionals, `definitions`) — the set the gateway's sanitizeJsonSchema removes or converts.
 */
import { isRecord } from './http-utils';
import { invalidJsonError, invalidArgumentError, type EmulatorError } from './error-bodies';

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

/** google.ai.generativelanguage Schema fields (proto3 JSON accepts both spellings). */
const OPENAPI_FIELDS = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'minProperties',
  'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering', 'default', 'items', 'minimum', 'maximum',
  'max_items', 'min_items', 'min_properties', 'max_properties', 'min_length', 'max_length', 'any_of', 'property_ordering',
]);

const JSON_SCHEMA_REJECTED = new Set([
  '$schema', 'propertyNames', 'exclusiveMinimum', 'exclusiveMaximum', 'const', 'patternProperties', 'if', 'then', 'else',
  'dependentSchemas', 'dependentRequired', 'dependencies', 'unevaluatedProperties', 'unevaluatedItems', 'definitions',
]);

const SCHEMA_MAPS = new Set(['properties', '$defs']);
const SCHEMA_VALUES = new Set(['items', 'additionalProperties', 'not']);
const SCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems', 'any_of']);

export function checkFunctionDeclarations(tools: unknown): EmulatorError | undefined {
  if (tools === undefined) return undefined;
  if (!Array.isArray(tools)) return invalidArgumentError();
  for (const [toolIndex, tool] of tools.entries()) {
    if (!isRecord(tool)) return invalidArgumentError();
    const declarations = tool.functionDeclarations ?? tool.function_declarations;
    if (declarations === undefined) continue;
    if (!Array.isArray(declarations)) return invalidArgumentError();
    for (const [index, declaration] of declarations.entries()) {
      const at = `request.tools[${toolIndex}].function_declarations[${index}]`;
      if (!isRecord(declaration)) return invalidArgumentError();
      if (typeof declaration.name !== 'string' || !NAME.test(declaration.name)) {
        return invalidArgumentError(`* GenerateContentRequest.tools[${toolIndex}].function_declarations[${index}].name: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.\n`);
      }
      const unknown = declaration.parameters !== undefined
        ? walk(declaration.parameters, `${at}.parameters`, (key) => !OPENAPI_FIELDS.has(key))
        : walk(declaration.parametersJsonSchema ?? declaration.parameters_json_schema, `${at}.parameters_json_schema`, (key) => JSON_SCHEMA_REJECTED.has(key));
      if (unknown) return invalidJsonError(`Unknown name "${unknown.key}" at '${unknown.path}': Cannot find field.`);
    }
  }
  return undefined;
}

/** The first keyword `rejected` refuses, with Google's field path (`properties[i].value` for map entries). */
function walk(schema: unknown, path: string, rejected: (key: string) => boolean): { key: string; path: string } | undefined {
  if (!isRecord(schema)) return undefined;
  for (const [key, value] of Object.entries(schema)) {
    if (rejected(key)) return { key, path };
    if (SCHEMA_MAPS.has(key) && isRecord(value)) {
      for (const [position, entry] of Object.values(value).entries()) {
        const found = walk(entry, `${path}.${key}[${position}].value`, rejected);
        if (found) return found;
      }
    } else if (SCHEMA_VALUES.has(key)) {
      const found = walk(value, `${path}.${key}`, rejected);
      if (found) return found;
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      for (const [position, entry] of value.entries()) {
        const found = walk(entry, `${path}.${key}[${position}]`, rejected);
        if (found) return found;
      }
    }
  }
  return undefined;
}

const countParts = (content: unknown, field: 'functionCall' | 'functionResponse'): number =>
  isRecord(content) && Array.isArray(content.parts) ? content.parts.filter((part) => isRecord(part) && isRecord(part[field])).length : 0;

/**
 * A turn of N function calls must be answered by a turn of exactly N function responses (Google's
 * 400 when a client drops or duplicates a result — the bug a tool_result reordering could cause).
 */
export function checkFunctionResponses(contents: unknown[]): EmulatorError | undefined {
  for (let index = 0; index + 1 < contents.length; index += 1) {
    const calls = countParts(contents[index], 'functionCall');
    if (calls === 0) continue;
    if (countParts(contents[index + 1], 'functionResponse') !== calls) {
      return invalidArgumentError('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.');
    }
  }
  return undefined;
}

/**
 * Gemini 3 validates thought signatures in the current turn (every model step since the last user
 * message with text): the first functionCall part of each step must carry the `thoughtSignature`
 * Google put on it (or Gemini CLI's `skip_thought_signature_validator`), else 400.
 */
export function checkThoughtSignatures(model: string, contents: unknown[]): EmulatorError | undefined {
  if (!model.startsWith('gemini-3')) return undefined;
  let turnStart = 0;
  contents.forEach((content, index) => {
    const parts = isRecord(content) && Array.isArray(content.parts) ? content.parts : [];
    if (isRecord(content) && content.role !== 'model' && parts.some((part) => isRecord(part) && typeof part.text === 'string')) turnStart = index;
  });
  for (let index = turnStart; index < contents.length; index += 1) {
    const content = contents[index];
    if (!isRecord(content) || content.role !== 'model' || !Array.isArray(content.parts)) continue;
    const first = content.parts.find((part) => isRecord(part) && isRecord(part.functionCall)) as Record<string, any> | undefined;
    if (first && (typeof first.thoughtSignature !== 'string' || first.thoughtSignature === '')) {
      return invalidArgumentError(`Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${String(first.functionCall.name)}\` , position ${index + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`);
    }
  }
  return undefined;
}
