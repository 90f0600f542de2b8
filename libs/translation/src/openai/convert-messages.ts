import { TranslationError } from '../errors';
import type { GeminiContent, GeminiPart } from '../gemini/types';
import { contentToParts, textOf, type ContentContext } from './content-parts';
import { isRecord, tryParseJson } from './json-value';
import type { ChatMessage } from './request-schema';
import { decodeToolCallId } from './tool-call-id';

/** What Gemini CLI sends for Gemini 3 function calls that lost their signature (spec §1.3). */
export const SYNTHETIC_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

export interface ConvertMessagesOptions extends ContentContext {
  /** Gemini 3 validates thought signatures on function calls; older families do not. */
  requiresThoughtSignatures: boolean;
}

export interface ConvertedMessages {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
}

/**
 * OpenAI messages → Gemini `contents` + `systemInstruction`.
 * - system and developer messages, wherever they appear, join (in order, blank-line separated) into
 *   `systemInstruction`;
 * - user → `user`, assistant → `model`; one message is one content, except that consecutive tool
 *   (or legacy function) results merge into ONE user content, as Gemini expects the responses to
 *   parallel calls together;
 * - messages that end up with no parts (empty text) are dropped: Gemini rejects empty text parts.
 */
export function convertMessages(messages: readonly ChatMessage[], options: ConvertMessagesOptions): ConvertedMessages {
  const systemTexts: string[] = [];
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();
  let toolResults: GeminiContent | undefined;

  const push = (content: GeminiContent) => {
    contents.push(content);
    toolResults = undefined;
  };
  const pushToolResult = (part: GeminiPart) => {
    if (toolResults) toolResults.parts.push(part);
    else {
      toolResults = { role: 'user', parts: [part] };
      contents.push(toolResults);
    }
  };

  messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content, '\n');
        if (text !== '') systemTexts.push(text);
        return;
      }
      case 'user': {
        const parts = contentToParts(message.content, `${param}.content`, options);
        if (parts.length > 0) push({ role: 'user', parts });
        return;
      }
      case 'assistant': {
        const parts = assistantParts(message, param, options, callNames);
        if (parts.length > 0) push({ role: 'model', parts });
        return;
      }
      case 'tool': {
        const { baseId } = decodeToolCallId(message.tool_call_id);
        const name = callNames.get(message.tool_call_id) ?? callNames.get(baseId);
        if (name === undefined) {
          throw new TranslationError(
            `Invalid '${param}.tool_call_id': no earlier assistant message has a tool call with id '${truncate(message.tool_call_id)}'. A message with role 'tool' must answer a preceding message with 'tool_calls'.`,
            { param: `${param}.tool_call_id`, code: 'unmatched_tool_call_id' },
          );
        }
        pushToolResult({ functionResponse: { id: baseId, name, response: toolResponse(textOf(message.content, '')) } });
        return;
      }
      case 'function':
        pushToolResult({ functionResponse: { name: message.name, response: toolResponse(message.content ?? '') } });
        return;
    }
  });

  const systemText = systemTexts.join('\n\n');
  if (contents.length === 0) {
    if (systemText === '') {
      throw new TranslationError("Invalid 'messages': every message is empty; at least one message needs content.", { param: 'messages', code: 'invalid_value' });
    }
    // Only instructions: OpenAI answers them, so they become the user turn.
    return { contents: [{ role: 'user', parts: [{ text: systemText }] }] };
  }
  return systemText === '' ? { contents } : { contents, systemInstruction: { role: 'user', parts: [{ text: systemText }] } };
}

function assistantParts(
  message: Extract<ChatMessage, { role: 'assistant' }>,
  param: string,
  options: ConvertMessagesOptions,
  callNames: Map<string, string>,
): GeminiPart[] {
  const parts: GeminiPart[] = message.content == null ? [] : contentToParts(message.content, `${param}.content`, options);
  const calls: GeminiPart[] = [];
  for (const call of message.tool_calls ?? []) {
    const { baseId, thoughtSignature } = decodeToolCallId(call.id);
    callNames.set(call.id, call.function.name);
    callNames.set(baseId, call.function.name);
    calls.push({
      functionCall: { id: baseId, name: call.function.name, args: argumentsObject(call.function.arguments) },
      ...(thoughtSignature ? { thoughtSignature } : {}),
    });
  }
  if (message.function_call) {
    calls.push({ functionCall: { name: message.function_call.name, args: argumentsObject(message.function_call.arguments) } });
  }
  if (options.requiresThoughtSignatures && calls.length > 0 && calls[0].thoughtSignature === undefined) {
    calls[0].thoughtSignature = SYNTHETIC_THOUGHT_SIGNATURE;
  }
  return [...parts, ...calls];
}

/**
 * Tool-call arguments from history. OpenAI never validates them, so neither do we: a JSON object is
 * used as is, an empty string is `{}`, anything else is kept verbatim under `arguments`.
 */
export function argumentsObject(raw: string | Record<string, unknown>): Record<string, unknown> {
  if (typeof raw !== 'string') return raw;
  if (raw.trim() === '') return {};
  const parsed = tryParseJson(raw);
  return parsed.ok && isRecord(parsed.value) ? parsed.value : { arguments: raw };
}

/** A tool result: a JSON object string is the response itself; a JSON array or other text is `{output}`. */
export function toolResponse(text: string): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const parsed = tryParseJson(trimmed);
    if (parsed.ok && isRecord(parsed.value)) return parsed.value;
    if (parsed.ok && Array.isArray(parsed.value)) return { output: parsed.value };
  }
  return { output: text };
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
