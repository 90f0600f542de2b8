import { TranslationError } from '../errors';
import { isRecord } from './json-value';

/**
 * Prepares a client JSON Schema for Gemini's `parametersJsonSchema` / `responseJsonSchema`, used by
 * every surface (OpenAI tools and response_format, Anthropic input_schema). Gemini takes a subset
 * of JSON Schema; what agents' tools send beyond it (Claude Code, MCP servers, zod-to-json-schema)
 * is converted where a Gemini equivalent exists and dropped otherwise, never failed:
 * - `$schema`, `$comment`, `propertyNames`, `patternProperties`, `if`/`then`/`else`,
 *   `dependentSchemas`, `dependentRequired`, `unevaluated*`, `content*`: removed;
 * - `exclusiveMinimum` / `exclusiveMaximum` (numbers, draft-06+) → `minimum` / `maximum` unless a
 *   tighter bound is already there; the draft-04 boolean forms are removed;
 * - `const` → a one-value `enum` (strings and numbers; other consts are removed);
 * - `additionalProperties` is kept (parametersJsonSchema supports it; only the OpenAPI-style
 *   `parameters` refuses it, and we never send that form);
 * - with `dropNull` (tool parameters): `anyOf`/`oneOf` with a `{type:"null"}` branch and
 *   `type: [X, "null"]` lose the null (optional arguments are expressed by `required`); one branch
 *   left replaces the union;
 * - `definitions` (draft-07): renamed `$defs`, with `#/definitions/…` refs rewritten, because
 *   Gemini resolves only `$defs` ("reference to undefined schema");
 * - a `$ref` node may carry only `description` and `default` beside it: other siblings are dropped.
 * Everything else (enum, default, examples, property names) is copied untouched.
 * The emulator (test/support/emulator/schema-check.ts) rejects what is removed here, as Google does.
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
const REMOVED_KEYWORDS = new Set([
  '$schema', '$comment', 'propertyNames', 'patternProperties', 'if', 'then', 'else', 'dependentSchemas', 'dependentRequired',
  'dependencies', 'unevaluatedProperties', 'unevaluatedItems', 'contentEncoding', 'contentMediaType', 'contentSchema',
]);
const REF_SIBLINGS = new Set(['$ref', 'description', 'default']);
const EMPTY_OBJECT_KEYWORDS = new Set(['type', 'properties', 'additionalProperties', 'required', 'title', 'description']);

export interface SanitizeOptions {
  /**
   * Drop `null` from unions (tool parameters: an optional argument is one left out of `required`).
   * Off for response schemas, where a null value is a legitimate output.
   */
  dropNull?: boolean;
}

export function sanitizeJsonSchema(schema: Record<string, unknown>, param: string, options: SanitizeOptions = {}): Record<string, unknown> {
  return sanitizeNode(schema, param, 0, options.dropNull === true) as Record<string, unknown>;
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

function sanitizeNode(node: unknown, param: string, depth: number, dropNull: boolean): unknown {
  if (depth > MAX_SCHEMA_DEPTH) {
    throw new TranslationError(`Invalid '${param}': the JSON Schema is nested more than ${MAX_SCHEMA_DEPTH} levels deep.`, { param, code: 'invalid_schema' });
  }
  if (Array.isArray(node)) return node.map((item) => sanitizeNode(item, param, depth + 1, dropNull)); // `items: [..]` (draft-07 tuples)
  if (!isRecord(node)) return node; // `true` / `false` schemas and junk are Gemini's to judge
  const hasRef = typeof node.$ref === 'string';
  const entries: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(node)) {
    if (REMOVED_KEYWORDS.has(key) || (hasRef && !REF_SIBLINGS.has(key))) continue;
    if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') entries.push(...exclusiveBound(node, key, value));
    else if (key === 'const') entries.push(...constAsEnum(node, value));
    else if (dropNull && key === 'type' && Array.isArray(value)) entries.push(...withoutNullType(value));
    else if (dropNull && (key === 'anyOf' || key === 'oneOf') && Array.isArray(value) && value.some(isNullSchema)) {
      const branches = value.filter((item) => !isNullSchema(item)).map((item) => sanitizeNode(item, param, depth + 1, dropNull));
      if (branches.length === 1 && isRecord(branches[0])) entries.push(...Object.entries(branches[0]).filter(([name]) => !(name in node)));
      else if (branches.length > 0) entries.push([key, branches]);
    } else if (key === '$ref' && typeof value === 'string') entries.push([key, value.replace(/^#\/definitions\//, '#/$defs/')]);
    else if (key === 'definitions' && isRecord(value) && !('$defs' in node)) entries.push(['$defs', sanitizeMap(value, param, depth, dropNull)]);
    else if (SCHEMA_MAP_KEYWORDS.has(key) && isRecord(value)) entries.push([key, sanitizeMap(value, param, depth, dropNull)]);
    else if (SCHEMA_KEYWORDS.has(key)) entries.push([key, sanitizeNode(value, param, depth + 1, dropNull)]);
    else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) entries.push([key, value.map((item) => sanitizeNode(item, param, depth + 1, dropNull))]);
    else entries.push([key, value]);
  }
  // Object.fromEntries defines own properties, so a `__proto__` property name stays a name.
  return Object.fromEntries(entries);
}

const isNullSchema = (schema: unknown): boolean => isRecord(schema) && schema.type === 'null' && Object.keys(schema).every((key) => key === 'type' || key === 'description');

/** `exclusiveMinimum: n` → `minimum: n` (unless `minimum` is there already); the draft-04 boolean form is dropped. */
function exclusiveBound(node: Record<string, unknown>, key: 'exclusiveMinimum' | 'exclusiveMaximum', value: unknown): Array<[string, unknown]> {
  const bound = key === 'exclusiveMinimum' ? 'minimum' : 'maximum';
  if (typeof value !== 'number' || typeof node[bound] === 'number') return [];
  return [[bound, value]];
}

/** `const: x` → `enum: [x]` for strings and numbers (Gemini's enum kinds), unless an enum is there already. */
function constAsEnum(node: Record<string, unknown>, value: unknown): Array<[string, unknown]> {
  if ('enum' in node || (typeof value !== 'string' && typeof value !== 'number')) return [];
  return [['enum', [value]]];
}

/** `type: ["string", "null"]` → `type: "string"`; several non-null types stay a list. */
function withoutNullType(types: unknown[]): Array<[string, unknown]> {
  const kept = types.filter((type) => type !== 'null');
  if (kept.length === 0) return [];
  return [['type', kept.length === 1 ? kept[0] : kept]];
}

function sanitizeMap(map: Record<string, unknown>, param: string, depth: number, dropNull: boolean): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).map(([name, schema]) => [name, sanitizeNode(schema, param, depth + 1, dropNull)]));
}
