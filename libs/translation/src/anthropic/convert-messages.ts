import { TranslationError } from '../errors';
import type { GeminiContent, GeminiPart } from '../gemini/types';
import { SYNTHETIC_THOUGHT_SIGNATURE } from '../openai/convert-messages';
import { formatParam } from '../openai/request-issues';
import { decodeToolCallId } from '../openai/tool-call-id';
import { mediaPart, parseBlock, type KnownBlock } from './content-blocks';
import type { AnthropicRequestMessage, AnthropicRequestTextBlock } from './request-schema';

export interface ConvertAnthropicMessagesOptions {
  /** Gemini 3 validates thought signatures on function calls; older families do not. */
  requiresThoughtSignatures: boolean;
  /** The whole body, for error messages that quote a value. */
  body: unknown;
}

export interface ConvertedAnthropicMessages {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
}

type ToolResultBlock = Extract<KnownBlock, { type: 'tool_result' }>;

/**
 * Anthropic `system` + `messages` → Gemini `contents` + `systemInstruction`.
 * - `system` (string or text blocks) and `role: "system"` messages join into systemInstruction;
 * - user → `user`, assistant → `model`; text, base64 images and documents become parts;
 * - `tool_use` → functionCall (id without the signature suffix; the thoughtSignature the id or the
 *   message's thinking block carries goes back on the part, see stream-encoder.ts);
 * - `tool_result`s → functionResponse parts in the order of the calls they answer (clients may send
 *   them in any order), `{output}` or `{error}` with their text; images inside a result follow as
 *   inlineData parts of the same user turn (what Gemini CLI does with binary tool output);
 * - thinking text is not sent back (Gemini keeps no use for it), empty messages are dropped.
 */
export function convertAnthropicMessages(
  system: string | readonly AnthropicRequestTextBlock[] | null | undefined,
  messages: readonly AnthropicRequestMessage[],
  options: ConvertAnthropicMessagesOptions,
): ConvertedAnthropicMessages {
  const systemTexts: string[] = [];
  const systemText = typeof system === 'string' ? system : (system ?? []).map((block) => block.text).join('\n');
  if (systemText !== '') systemTexts.push(systemText);
  const contents: GeminiContent[] = [];
  const calls = new Map<string, { name: string; order: number }>();

  messages.forEach((message, index) => {
    const path = ['messages', index, 'content'];
    const blocks = typeof message.content === 'string'
      ? [{ type: 'text', text: message.content } as KnownBlock]
      : message.content.flatMap((raw, blockIndex) => parseBlock(raw, [...path, blockIndex], options.body) ?? []);
    if (message.role === 'system') {
      const text = blocks.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');
      if (text !== '') systemTexts.push(text);
      return;
    }
    const parts = message.role === 'assistant'
      ? assistantParts(blocks, `messages[${index}].content`, options, calls)
      : userParts(blocks, path, calls, options.body);
    if (parts.length > 0) contents.push({ role: message.role === 'assistant' ? 'model' : 'user', parts });
  });

  const instruction = systemTexts.join('\n\n');
  if (contents.length === 0) {
    throw new TranslationError("Invalid 'messages': at least one message with content is required.", { param: 'messages', code: 'invalid_value' });
  }
  return instruction === '' ? { contents } : { contents, systemInstruction: { role: 'user', parts: [{ text: instruction }] } };
}

function assistantParts(blocks: KnownBlock[], param: string, options: ConvertAnthropicMessagesOptions, calls: Map<string, { name: string; order: number }>): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const functionCalls: GeminiPart[] = [];
  let thinkingSignature: string | undefined;
  blocks.forEach((block, index) => {
    switch (block.type) {
      case 'thinking':
        if (block.signature) thinkingSignature = block.signature;
        return;
      case 'tool_use': {
        const { baseId, thoughtSignature } = decodeToolCallId(block.id);
        const entry = { name: block.name, order: functionCalls.length };
        calls.set(block.id, entry);
        calls.set(baseId, entry);
        const signature = thoughtSignature ?? (functionCalls.length === 0 ? thinkingSignature : undefined);
        const part: GeminiPart = { functionCall: { id: baseId, name: block.name, args: block.input ?? {} } };
        if (signature) part.thoughtSignature = signature;
        functionCalls.push(part);
        parts.push(part);
        return;
      }
      case 'tool_result':
        throw new TranslationError(`Invalid '${param}[${index}]': tool_result blocks belong in user messages.`, { param: `${param}[${index}]`, code: 'invalid_value' });
      case 'redacted_thinking':
        return;
      default: {
        const part = mediaPart(block, `${param}[${index}]`);
        if (part) parts.push(part);
      }
    }
  });
  if (options.requiresThoughtSignatures && functionCalls.length > 0 && functionCalls[0].thoughtSignature === undefined) {
    functionCalls[0].thoughtSignature = SYNTHETIC_THOUGHT_SIGNATURE;
  }
  return parts;
}

function userParts(blocks: KnownBlock[], path: ReadonlyArray<PropertyKey>, calls: Map<string, { name: string; order: number }>, body: unknown): GeminiPart[] {
  const results: Array<{ order: number; part: GeminiPart; media: GeminiPart[] }> = [];
  const parts: GeminiPart[] = [];
  blocks.forEach((block, index) => {
    const blockParam = formatParam([...path, index]);
    switch (block.type) {
      case 'tool_result':
        results.push(toolResult(block, [...path, index], calls, body));
        return;
      case 'tool_use':
        throw new TranslationError(`Invalid '${blockParam}': tool_use blocks belong in assistant messages.`, { param: blockParam, code: 'invalid_value' });
      case 'thinking':
      case 'redacted_thinking':
        return;
      default: {
        const part = mediaPart(block, blockParam);
        if (part) parts.push(part);
      }
    }
  });
  results.sort((a, b) => a.order - b.order);
  return [...results.map((result) => result.part), ...results.flatMap((result) => result.media), ...parts];
}

function toolResult(block: ToolResultBlock, path: ReadonlyArray<PropertyKey>, calls: Map<string, { name: string; order: number }>, body: unknown): { order: number; part: GeminiPart; media: GeminiPart[] } {
  const param = formatParam(path);
  const { baseId } = decodeToolCallId(block.tool_use_id);
  const call = calls.get(block.tool_use_id) ?? calls.get(baseId);
  if (!call) {
    throw new TranslationError(
      `Invalid '${param}.tool_use_id': no earlier assistant message has a tool_use block with id '${truncate(block.tool_use_id)}'.`,
      { param: `${param}.tool_use_id`, code: 'unmatched_tool_use_id' },
    );
  }
  const texts: string[] = [];
  const media: GeminiPart[] = [];
  if (typeof block.content === 'string') texts.push(block.content);
  else {
    (block.content ?? []).forEach((raw, index) => {
      const inner = parseBlock(raw, [...path, 'content', index], body);
      if (inner?.type === 'text') texts.push(inner.text);
      else if (inner?.type === 'image' || inner?.type === 'document') {
        const part = mediaPart(inner, `${param}.content[${index}]`);
        if (part) media.push(part);
      }
    });
  }
  const text = texts.join('\n');
  const response = block.is_error ? { error: text } : { output: text };
  return { order: call.order, part: { functionResponse: { id: baseId, name: call.name, response } }, media };
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
