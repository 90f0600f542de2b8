/**
 * A value that satisfies the response schema a JSON-mode call sent (`responseJsonSchema`, JSON
 * Schema, or `responseSchema`, Google's OpenAPI subset with upper-case types), as the real model's
 * constrained decoding always does. Clients such as Gemini CLI's model router parse the answer with
 * their schema and fail loudly otherwise. Strings carry the echo text so tests can still see it.
 */
type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Undefined when the schema is missing or not understood (the caller falls back to `{"echo":…}`). */
export function sampleForSchema(schema: unknown, echo: string, depth = 0): unknown {
  if (!isSchema(schema) || depth > 8) return undefined;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return sampleForSchema(options.find((option) => isSchema(option) && option.type !== 'null') ?? options[0], echo, depth + 1);
  }
  const declared = Array.isArray(schema.type) ? schema.type.find((type) => String(type).toLowerCase() !== 'null') : schema.type;
  const type = typeof declared === 'string' ? declared.toLowerCase() : isSchema(schema.properties) ? 'object' : undefined;
  switch (type) {
    case 'object':
      return sampleObject(schema, echo, depth);
    case 'array': {
      const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
      return Array.from({ length: minItems }, () => sampleForSchema(schema.items, echo, depth + 1) ?? null);
    }
    case 'string':
      return echo;
    case 'number':
    case 'integer':
      // The minimum, else 1: an unconstrained number is usually a score or count described in
      // prose ("from 1-100", Gemini CLI's router), which a real model answers within.
      return typeof schema.minimum === 'number' ? schema.minimum : typeof schema.maximum === 'number' ? Math.min(1, schema.maximum) : 1;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return undefined;
  }
}

function sampleObject(schema: Schema, echo: string, depth: number): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.map(String) : Object.keys(properties);
  const object: Record<string, unknown> = {};
  for (const name of required) object[name] = sampleForSchema(properties[name], echo, depth + 1) ?? null;
  return object;
}
