/**
 * Reading the inbound Gemini request: the last user text, the `[emulate:{...}]` directive and a
 * rough token estimate (≈ 4 characters per token).
 */
import { ERROR_NAMES } from './error-bodies';
import { isRecord } from './http-utils';
import type { EmulatorBehaviour } from './types';

const DIRECTIVE_MARKER = '[emulate:';

const BEHAVIOUR_KINDS: ReadonlySet<string> = new Set([
  'text',
  'function-call',
  'error',
  'cut-stream',
  'abort-stream',
  'safety-block',
  'image',
  'grounded',
  'hang',
  'raw-reply',
]);

export const estimateTokens = (characters: number): number => Math.ceil(characters / 4);

/** The last content with role "user" (or no role), as Gemini CLI and the SDKs send turns. */
function lastUserContent(contents: unknown[]): Record<string, unknown> | undefined {
  for (let index = contents.length - 1; index >= 0; index -= 1) {
    const content = contents[index];
    if (isRecord(content) && (content.role === undefined || content.role === 'user')) return content;
  }
  return undefined;
}

function partsOf(content: unknown): Record<string, unknown>[] {
  if (!isRecord(content) || !Array.isArray(content.parts)) return [];
  return content.parts.filter(isRecord);
}

/**
 * Text of the last user content's text parts joined with "\n". Without text parts (a tool-result
 * turn) it describes the function responses instead, e.g. `get_weather returned {"temp":21}`.
 */
export function lastUserText(contents: unknown[]): string {
  const parts = partsOf(lastUserContent(contents));
  const texts = parts.filter((part) => typeof part.text === 'string' && part.thought !== true).map((part) => part.text as string);
  if (texts.length > 0) return texts.join('\n');
  return parts
    .map((part) => part.functionResponse)
    .filter(isRecord)
    .map((response) => `${String(response.name)} returned ${JSON.stringify(response.response ?? {})}`)
    .join('\n');
}

/** Characters of everything the model would read: contents, system instruction and tool declarations. */
export function promptCharacters(request: Record<string, unknown>): number {
  let characters = 0;
  const countContent = (content: unknown): void => {
    for (const part of partsOf(content)) {
      if (typeof part.text === 'string') characters += part.text.length;
      else if (part.inlineData !== undefined) characters += 1032; // ≈ 258 tokens, what Gemini bills a small image
      else characters += JSON.stringify(part).length;
    }
  };
  if (Array.isArray(request.contents)) request.contents.forEach(countContent);
  countContent(request.systemInstruction);
  if (request.tools !== undefined) characters += JSON.stringify(request.tools).length;
  return characters;
}

export type DirectiveResult =
  | { found: false }
  | { found: true; ok: true; behaviour: EmulatorBehaviour; textWithoutDirective: string }
  | { found: true; ok: false; message: string };

/** Finds the end of the JSON object starting at `start` (which must be `{`), honouring strings. */
function endOfJsonObject(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index += 1) {
    const character = text[index];
    if (inString) {
      if (character === '\\') index += 1;
      else if (character === '"') inString = false;
    } else if (character === '"') inString = true;
    else if (character === '{') depth += 1;
    else if (character === '}') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return -1;
}

function validateBehaviour(value: unknown): string | undefined {
  if (!isRecord(value) || typeof value.kind !== 'string') return 'the directive must be a JSON object with a "kind"';
  if (!BEHAVIOUR_KINDS.has(value.kind)) return `unknown kind "${value.kind}" (expected one of ${[...BEHAVIOUR_KINDS].join(', ')})`;
  if (value.kind === 'error' && !ERROR_NAMES.includes(value.error as never)) {
    return `unknown error "${String(value.error)}" (expected one of ${ERROR_NAMES.join(', ')})`;
  }
  if (value.kind === 'function-call' && !Array.isArray(value.calls)) return 'a function-call directive needs "calls": [{name, args}]';
  if (value.kind === 'grounded' && !Array.isArray(value.sources)) return 'a grounded directive needs "sources": [{uri, title}]';
  return undefined;
}

/**
 * `[emulate:<json behaviour>]` anywhere in the last user text, e.g.
 * `[emulate:{"kind":"error","error":"rate-limit","retryDelaySeconds":3}]`. The JSON may contain
 * `]` and `}` inside strings or arrays; the directive ends at the `]` right after the object.
 */
export function parseDirective(text: string): DirectiveResult {
  const markerAt = text.indexOf(DIRECTIVE_MARKER);
  if (markerAt < 0) return { found: false };
  const jsonStart = markerAt + DIRECTIVE_MARKER.length;
  const bad = (message: string): DirectiveResult => ({ found: true, ok: false, message: `Emulator directive: ${message}` });
  if (text[jsonStart] !== '{') return bad('expected a JSON object right after "[emulate:"');
  const jsonEnd = endOfJsonObject(text, jsonStart);
  if (jsonEnd < 0 || text[jsonEnd + 1] !== ']') return bad('unterminated; write [emulate:{...}]');
  let value: unknown;
  try {
    value = JSON.parse(text.slice(jsonStart, jsonEnd + 1));
  } catch (error) {
    return bad(`invalid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const problem = validateBehaviour(value);
  if (problem) return bad(problem);
  const before = text.slice(0, markerAt).trimEnd();
  const after = text.slice(jsonEnd + 2).trimStart();
  const textWithoutDirective = [before, after].filter((piece) => piece !== '').join(' ');
  return { found: true, ok: true, behaviour: value as EmulatorBehaviour, textWithoutDirective };
}
