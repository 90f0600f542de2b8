import { InvalidRequestError, type GatewayConfig } from '@app/common';

type Limits = GatewayConfig['requestLimits'];

/**
 * Semantic limits checked right after JSON.parse, before any schema or translation walks the
 * body: a request's messages (OpenAI) or contents (Gemini), and its content parts in total.
 * Counting is one pass over the top two levels; nothing is copied.
 */
export function checkChatRequestLimits(body: unknown, limits: Limits): void {
  const messages = field(body, 'messages');
  if (!Array.isArray(messages)) return;
  if (messages.length > limits.maxMessages) throw tooMany('messages', messages.length, limits.maxMessages, 'REQUEST_MAX_MESSAGES');
  let parts = 0;
  for (const message of messages) {
    const content = field(message, 'content');
    parts += Array.isArray(content) ? content.length : 1;
    const toolCalls = field(message, 'tool_calls');
    if (Array.isArray(toolCalls)) parts += toolCalls.length;
  }
  if (parts > limits.maxParts) throw tooMany('messages', parts, limits.maxParts, 'REQUEST_MAX_PARTS', 'content parts');
}

/** The Responses API: `input` items (a string input is one part), and the content parts inside them. */
export function checkResponsesRequestLimits(body: unknown, limits: Limits): void {
  const input = field(body, 'input');
  if (!Array.isArray(input)) return;
  if (input.length > limits.maxMessages) throw tooMany('input', input.length, limits.maxMessages, 'REQUEST_MAX_MESSAGES');
  let parts = 0;
  for (const item of input) {
    const content = field(item, 'content');
    parts += Array.isArray(content) ? content.length : 1;
  }
  if (parts > limits.maxParts) throw tooMany('input', parts, limits.maxParts, 'REQUEST_MAX_PARTS', 'content parts');
}

export function checkGeminiRequestLimits(body: unknown, limits: Limits): void {
  const nested = field(body, 'generateContentRequest');
  if (nested !== undefined) checkGeminiRequestLimits(nested, limits);
  const contents = field(body, 'contents');
  let parts = countParts(field(body, 'systemInstruction'));
  if (Array.isArray(contents)) {
    if (contents.length > limits.maxMessages) throw tooMany('contents', contents.length, limits.maxMessages, 'REQUEST_MAX_MESSAGES');
    for (const content of contents) parts += countParts(content);
  }
  if (parts > limits.maxParts) throw tooMany('contents', parts, limits.maxParts, 'REQUEST_MAX_PARTS', 'parts');
}

function countParts(content: unknown): number {
  const parts = field(content, 'parts');
  return Array.isArray(parts) ? parts.length : 0;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

function tooMany(param: string, count: number, limit: number, setting: string, what = param): InvalidRequestError {
  return new InvalidRequestError(`Invalid '${param}': ${count} ${what} is more than this gateway accepts in one request (${limit}, ${setting}).`, { param, code: 'array_above_max_length' });
}
