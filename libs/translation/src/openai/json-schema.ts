import { TranslationError } from '../errors';
import { isRecord } from './json-value';

/**
 * Prepares a client JSON Schema for Gemini's `parametersJsonSchema` / `responseJsonSchema`.
 * Gemini takes JSON Schema nearly as is; what it rejects, and what we therefore change:
 * - `$schema` (and `$comment`) anywhere: removed ("Unknown name $schema" errors);
 * - `definitions` (draft-07): renamed `$defs`, with `#/definitions/…` refs rewritten, because
 *   Gemini resolves only `$defs` ("reference to undefined schema");
 * - a `$ref` node may carry only `description` and `default` beside it: other siblings are dropped.
 * Everything else (enum, const, default, examples, property names) is copied untouched.
 */

export const MAX_SCHEMA_DEPTH = 64;

/** Keywords whose value is a map of name → schema. */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
/** Keywords whose value is one schema. */
const SCHEMA_KEYWORDS = new Set([
  'items', 'additionalProperties', 'additionalItems', 'not', 'if', 'then', 'else', 'contains',
  'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema',
]);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYWORDS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
const REMOVED_KEYWORDS = new Set(['$schema', '$comment']);
const REF_SIBLINGS = new Set(['$ref', 'description', 'default']);
const EMPTY_OBJECT_KEYWORDS = new Set(['type', 'properties', 'additionalProperties', 'required', 'title', 'description']);

export function sanitizeJsonSchema(schema: Record<string, unknown>, param: string): Record<string, unknown> {
  return sanitizeNode(schema, param, 0) as Record<string, unknown>;
}

/**
 * True for parameters that declare nothing: `{}`, or `{type:'object'}` with no (or empty)
 * `properties` and nothing else that constrains. Such declarations are sent without parameters.
 */
export function declaresNoParameters(schema: Record<string, unknown>): boolean {
  const meaningful = Object.keys(schema).filter((key) => !REMOVED_KEYWORDS.has(key) && !EMPTY_OBJECT_KEYWORDS.has(key));
  if (meaningful.length > 0) return false;
  // `additionalProperties: {schema}` declares free-form arguments: those are parameters.
  if (schema.additionalProperties !== undefined && typeof schema.additionalProperties !== 'boolean') return false;
  if (schema.type !== undefined && schema.type !== 'object') return false;
  const properties = schema.properties;
  if (properties !== undefined && !(isRecord(properties) && Object.keys(properties).length === 0)) return false;
  const required = schema.required;
  return required === undefined || (Array.isArray(required) && required.length === 0);
}

function sanitizeNode(node: unknown, param: string, depth: number): unknown {
  if (depth > MAX_SCHEMA_DEPTH) {
    throw new TranslationError(`Invalid '${param}': the JSON Schema is nested more than ${MAX_SCHEMA_DEPTH} levels deep.`, { param, code: 'invalid_schema' });
  }
  if (Array.isArray(node)) return node.map((item) => sanitizeNode(item, param, depth + 1)); // `items: [..]` (draft-07 tuples)
  if (!isRecord(node)) return node; // `true` / `false` schemas and junk are Gemini's to judge
  const hasRef = typeof node.$ref === 'string';
  const entries: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(node)) {
    if (REMOVED_KEYWORDS.has(key) || (hasRef && !REF_SIBLINGS.has(key))) continue;
    if (key === '$ref' && typeof value === 'string') entries.push([key, value.replace(/^#\/definitions\//, '#/$defs/')]);
    else if (key === 'definitions' && isRecord(value) && !('$defs' in node)) entries.push(['$defs', sanitizeMap(value, param, depth)]);
    else if (SCHEMA_MAP_KEYWORDS.has(key) && isRecord(value)) entries.push([key, sanitizeMap(value, param, depth)]);
    else if (SCHEMA_KEYWORDS.has(key)) entries.push([key, sanitizeNode(value, param, depth + 1)]);
    else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) entries.push([key, value.map((item) => sanitizeNode(item, param, depth + 1))]);
    else entries.push([key, value]);
  }
  // Object.fromEntries defines own properties, so a `__proto__` property name stays a name.
  return Object.fromEntries(entries);
}

function sanitizeMap(map: Record<string, unknown>, param: string, depth: number): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).map(([name, schema]) => [name, sanitizeNode(schema, param, depth + 1)]));
}
