import { TranslationError } from '../errors';
import type { GeminiContent, GeminiPart } from '../gemini/types';
import { contentToParts, textOf, type ContentContext } from '../openai/content-parts';
import { isHttpUrl } from '../openai/data-url';
import { SYNTHETIC_THOUGHT_SIGNATURE, argumentsObject, toolResponse } from '../openai/convert-messages';
import type { ChatContentPart } from '../openai/request-schema';
import { decodeToolCallId } from '../openai/tool-call-id';
import { decodeReasoningSignature } from './reasoning-signature';
import type { ResponsesContentPart, ResponsesInputItem, ResponsesRequest } from './request-schema';

export interface ConvertInputOptions extends ContentContext {
  /** Gemini 3 validates thought signatures on function calls; older families do not. */
  requiresThoughtSignatures: boolean;
}

export interface ConvertedInput {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
}

type Item = ResponsesRequest['input'][number];

/**
 * Responses input items → Gemini `contents` + `systemInstruction`.
 * - `instructions`, system and developer messages join (in order) into `systemInstruction`;
 * - user messages → `user`; assistant messages, function_call and custom_tool_call items → `model`,
 *   consecutive ones merged into ONE content (Gemini wants a turn's calls together);
 * - function_call_output / custom_tool_call_output → functionResponse parts, consecutive ones merged
 *   into one `user` content, each matched by call_id to an earlier call (else a 400, as OpenAI does);
 * - a `reasoning` item's encrypted_content (ours) gives its signature to the call right after it
 *   (the encoder always puts it there), unless the call id carries one;
 * - reasoning summaries are not replayed (Gemini does not take thoughts back).
 */
export function convertInput(items: readonly Item[], instructions: string | null | undefined, options: ConvertInputOptions): ConvertedInput {
  const systemTexts: string[] = instructions ? [instructions] : [];
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();
  let pendingSignature: string | undefined;
  let open: GeminiContent | undefined;

  const append = (role: 'user' | 'model', parts: GeminiPart[], merge: boolean) => {
    if (parts.length === 0) return;
    if (merge && open?.role === role) open.parts.push(...parts);
    else {
      open = { role, parts };
      contents.push(open);
    }
  };

  items.forEach((item, index) => {
    const param = `input[${index}]`;
    switch (item.type) {
      case 'reasoning':
        pendingSignature = decodeReasoningSignature((item as Extract<ResponsesInputItem, { type: 'reasoning' }>).encrypted_content) ?? pendingSignature;
        return;
      case 'function_call':
      case 'custom_tool_call': {
        const call = item as Extract<ResponsesInputItem, { type: 'function_call' | 'custom_tool_call' }>;
        const { baseId, thoughtSignature } = decodeToolCallId(call.call_id);
        callNames.set(call.call_id, call.name);
        callNames.set(baseId, call.name);
        const args = call.type === 'custom_tool_call' ? { input: call.input } : argumentsObject(call.arguments);
        const signature = thoughtSignature ?? pendingSignature;
        pendingSignature = undefined;
        append('model', [{ functionCall: { id: baseId, name: call.name, args }, ...(signature ? { thoughtSignature: signature } : {}) }], true);
        return;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const output = item as Extract<ResponsesInputItem, { type: 'function_call_output' | 'custom_tool_call_output' }>;
        const { baseId } = decodeToolCallId(output.call_id);
        const name = callNames.get(output.call_id) ?? callNames.get(baseId);
        if (name === undefined) {
          throw new TranslationError(`No tool call found for function call output with call_id ${truncate(output.call_id)}.`, { param: `${param}.call_id`, code: 'invalid_value' });
        }
        pendingSignature = undefined;
        const merge = open?.role === 'user' && open.parts.every((part) => part.functionResponse);
        append('user', [{ functionResponse: { id: baseId, name, response: toolResponse(outputText(output.output)) } }], merge);
        return;
      }
      default:
        break;
    }
    if (!('role' in item) || (item.type !== undefined && item.type !== 'message')) {
      throw new TranslationError(`Invalid '${param}.type': items of type '${String(item.type)}' are not supported by this gateway.`, { param: `${param}.type`, code: 'unsupported_item_type' });
    }
    const messageItem = item as Extract<ResponsesInputItem, { role: string }>;
    pendingSignature = undefined; // a reasoning item's signature belongs to the call right after it
    if (messageItem.role === 'system' || messageItem.role === 'developer') {
      const text = typeof messageItem.content === 'string' ? messageItem.content : textOf(messageItem.content.filter(isTextPart), '\n');
      if (text !== '') systemTexts.push(text);
      return;
    }
    const parts = contentToParts(toChatContent(messageItem.content), `${param}.content`, options);
    if (messageItem.role === 'assistant') append('model', parts, true);
    else append('user', parts, false);
  });

  if (options.requiresThoughtSignatures) {
    for (const content of contents) {
      const calls = content.parts.filter((part) => part.functionCall);
      if (content.role === 'model' && calls.length > 0 && calls[0].thoughtSignature === undefined) calls[0].thoughtSignature = SYNTHETIC_THOUGHT_SIGNATURE;
    }
  }
  const systemText = systemTexts.join('\n\n');
  if (contents.length === 0) {
    if (systemText === '') throw new TranslationError("Invalid 'input': it is empty; send a string or at least one item with content.", { param: 'input', code: 'invalid_value' });
    return { contents: [{ role: 'user', parts: [{ text: systemText }] }] };
  }
  return systemText === '' ? { contents } : { contents, systemInstruction: { role: 'user', parts: [{ text: systemText }] } };
}

/** Every http(s) `input_image` URL in the items, once each, for the I/O shell to fetch when enabled. */
export function collectResponsesImageUrls(items: readonly Item[]): string[] {
  const urls = new Set<string>();
  for (const item of items) {
    if (!('role' in item) || typeof item.content === 'string' || !Array.isArray(item.content)) continue;
    for (const part of item.content as ResponsesContentPart[]) {
      if (part.type === 'input_image' && typeof part.image_url === 'string' && isHttpUrl(part.image_url.trim())) urls.add(part.image_url.trim());
    }
  }
  return [...urls];
}

function isTextPart(part: ResponsesContentPart): part is Extract<ResponsesContentPart, { text: string }> {
  return 'text' in part && typeof part.text === 'string';
}

/** Responses content parts → the Chat Completions parts the OpenAI route already converts. */
function toChatContent(content: string | readonly ResponsesContentPart[]): string | ChatContentPart[] {
  if (typeof content === 'string') return content;
  return content.map((part): ChatContentPart => {
    switch (part.type) {
      case 'input_text':
      case 'output_text':
      case 'text':
        return { type: 'text', text: part.text };
      case 'refusal':
        return { type: 'refusal', refusal: part.refusal };
      case 'input_image':
        // A file_id alone is refused by the file branch ("uploaded file ids are not supported").
        return part.image_url == null && part.file_id ? { type: 'file', file: { file_id: part.file_id } } : { type: 'image_url', image_url: { url: part.image_url ?? '' } };
      case 'input_file':
        return { type: 'file', file: { file_data: part.file_data, file_id: part.file_id, filename: part.filename } };
    }
  });
}

function outputText(output: string | Array<Record<string, unknown>>): string {
  if (typeof output === 'string') return output;
  return output.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
