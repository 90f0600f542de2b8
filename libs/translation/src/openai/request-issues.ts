import type { core } from 'zod';
import { TranslationError } from '../errors';

type Issue = core.$ZodIssue;
type Path = ReadonlyArray<PropertyKey>;

/**
 * Turns the first zod issue into a TranslationError worded like OpenAI's own 400s
 * ("Missing required parameter: 'messages[0].role'.", "Invalid type for 'temperature': …"),
 * with `param` in OpenAI's path notation and an OpenAI-style `code`.
 */
export function issueToTranslationError(issue: Issue | undefined, input: unknown): TranslationError {
  if (!issue) return new TranslationError('The request body is invalid.', { code: 'invalid_request' });
  const resolved = resolveUnion(issue, []);
  return describe(resolved.issue, [...resolved.prefix, ...resolved.issue.path], input);
}

/** OpenAI's notation: `messages[0].content[1].image_url`. */
export function formatParam(path: Path): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text;
}

/**
 * A union reports every branch's failure. The useful one is the branch that accepted the value's
 * type and failed deeper (an array content whose part 2 is bad), not the branches that wanted a
 * different type altogether.
 */
function resolveUnion(issue: Issue, prefix: Path): { issue: Issue; prefix: Path } {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { issue, prefix };
  const deeper = issue.errors
    .map((branch) => branch[0])
    .filter((first): first is Issue => first !== undefined && !isTypeMismatch(first))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (!deeper) return { issue, prefix };
  return resolveUnion(deeper, [...prefix, ...issue.path]);
}

/** The branch wanted another type altogether (our object check is a `custom` issue). */
function isTypeMismatch(issue: Issue): boolean {
  return (issue.code === 'invalid_type' || issue.code === 'custom') && issue.path.length === 0;
}

function describe(issue: Issue, path: Path, input: unknown): TranslationError {
  const param = path.length === 0 ? null : formatParam(path);
  const name = param ?? 'request body';
  const value = valueAt(input, path);
  const fail = (message: string, code: string) => new TranslationError(message, { param, code });

  if (value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union' || issue.code === 'custom')) {
    return fail(`Missing required parameter: '${name}'.`, 'missing_required_parameter');
  }
  switch (issue.code) {
    case 'invalid_type':
      return fail(`Invalid type for '${name}': expected ${article(issue.expected)}, but got ${typeName(value)} instead.`, 'invalid_type');
    case 'invalid_union': {
      if (issue.errors.length === 0 && 'options' in issue && Array.isArray(issue.options)) {
        return fail(`Invalid value: ${quote(value)}. Supported values are: ${listValues(issue.options)}.`, 'invalid_value');
      }
      const expected = [...new Set(issue.errors.map((branch) => branch[0]).flatMap((first) => (first?.code === 'invalid_type' ? [article(first.expected)] : first?.code === 'custom' ? ['an object'] : [])))];
      const wanted = expected.length > 0 ? expected.join(' or ') : 'a different shape';
      return fail(`Invalid type for '${name}': expected ${wanted}, but got ${typeName(value)} instead.`, 'invalid_type');
    }
    case 'invalid_value':
      return fail(`Invalid value: ${quote(value)}. Supported values are: ${listValues(issue.values)}.`, 'invalid_value');
    case 'too_small':
      if (issue.origin === 'array') {
        return value !== undefined && Array.isArray(value) && value.length === 0
          ? fail(`Invalid '${name}': empty array. Expected an array with minimum length ${issue.minimum}, but got an empty array instead.`, 'empty_array')
          : fail(`Invalid '${name}': array too short. Expected an array with minimum length ${issue.minimum}.`, 'array_below_min_length');
      }
      if (issue.origin === 'string') return fail(`Invalid '${name}': string too short. Expected a string with minimum length ${issue.minimum}.`, 'string_below_min_length');
      return fail(`Invalid '${name}': ${numberKind(name)} below minimum value. Expected a value >= ${issue.minimum}, but got ${String(value)} instead.`, `${numberKind(name)}_below_min_value`);
    case 'too_big':
      if (issue.origin === 'array') {
        const length = Array.isArray(value) ? value.length : 0;
        return fail(`Invalid '${name}': array too long. Expected an array with maximum length ${issue.maximum}, but got an array with length ${length} instead.`, 'array_above_max_length');
      }
      if (issue.origin === 'string') return fail(`Invalid '${name}': string too long. Expected a string with maximum length ${issue.maximum}.`, 'string_above_max_length');
      return fail(`Invalid '${name}': ${numberKind(name)} above maximum value. Expected a value <= ${issue.maximum}, but got ${String(value)} instead.`, `${numberKind(name)}_above_max_value`);
    case 'invalid_format':
      return fail(`Invalid '${name}': string does not match pattern. Expected a string that matches the pattern ${'pattern' in issue ? String(issue.pattern) : issue.format}.`, 'invalid_value');
    case 'custom':
      return fail(`Invalid type for '${name}': ${issue.message}, but got ${typeName(value)} instead.`, 'invalid_type');
    default:
      return fail(`Invalid '${name}': ${issue.message}.`, 'invalid_value');
  }
}

function valueAt(input: unknown, path: Path): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string': return 'a string';
    case 'number': return Number.isInteger(value) ? 'an integer' : 'a decimal';
    case 'boolean': return 'a boolean';
    case 'object': return 'an object';
    default: return typeof value;
  }
}

function article(expected: string): string {
  switch (expected) {
    case 'number': return 'a decimal';
    case 'int': return 'an integer';
    case 'object': return 'an object';
    case 'array': return 'an array';
    case 'null': return 'null';
    default: return `a ${expected}`;
  }
}

/** Top-level parameters OpenAI documents as integers (the rest of the numeric ones are decimals). */
const INTEGER_PARAMS = new Set(['n', 'max_tokens', 'max_completion_tokens', 'top_k', 'seed']);

function numberKind(name: string): 'integer' | 'decimal' {
  return INTEGER_PARAMS.has(name) ? 'integer' : 'decimal';
}

function quote(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 100 ? `${value.slice(0, 100)}…` : value}'`;
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function listValues(values: ReadonlyArray<unknown>): string {
  const quoted = values.map((value) => (typeof value === 'string' ? `'${value}'` : String(value)));
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`;
}
