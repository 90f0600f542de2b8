/**
 * One linear pass over a JSON text, before JSON.parse, that bounds what parsing would build:
 * nesting depth (so nothing recursive downstream can overflow the stack) and the number of values
 * (so a body under MAX_BODY_BYTES cannot turn into millions of objects). It does not validate the
 * JSON: a malformed text passes here and JSON.parse rejects it. No allocation beyond counters.
 */
export interface JsonStructureLimits {
  maxDepth: number;
  /** Values of any kind: objects, arrays and every member or element. */
  maxNodes: number;
}

export type JsonStructureProblem =
  | { kind: 'depth'; limit: number }
  | { kind: 'nodes'; limit: number };

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

export function checkJsonStructure(text: string, limits: JsonStructureLimits): JsonStructureProblem | undefined {
  let depth = 0;
  // A top-level value counts as one; each comma adds one member or element; each container one more.
  let nodes = 1;
  let inString = false;
  const length = text.length;
  for (let index = 0; index < length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index += 1;
      else if (code === QUOTE) inString = false;
      continue;
    }
    switch (code) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        depth += 1;
        nodes += 1;
        if (depth > limits.maxDepth) return { kind: 'depth', limit: limits.maxDepth };
        if (nodes > limits.maxNodes) return { kind: 'nodes', limit: limits.maxNodes };
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        depth -= 1;
        break;
      case COMMA:
        nodes += 1;
        if (nodes > limits.maxNodes) return { kind: 'nodes', limit: limits.maxNodes };
        break;
      default:
        break;
    }
  }
  return undefined;
}
