import { z } from 'zod';
import { TranslationError } from '../errors';
import type { GeminiPart } from '../gemini/types';
import { checkedBase64 } from '../openai/data-url';
import { isRecord } from '../openai/json-value';
import { formatParam, issueToTranslationError } from '../openai/request-issues';
import type { AnthropicRequestBlock } from './request-schema';

/**
 * Anthropic content blocks, checked one type at a time (unknown keys such as `cache_control` and
 * `citations` are dropped), and the ones that become Gemini parts on their own.
 */

const base64Source = z.object({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string() });
const urlSource = z.object({ type: z.literal('url'), url: z.string() });
const textSource = z.object({ type: z.literal('text'), media_type: z.string().nullish(), data: z.string() });

const jsonObject = z.custom<Record<string, unknown>>(isRecord, { message: 'expected an object' });

export const BLOCK_SCHEMAS = {
  text: z.object({ type: z.literal('text'), text: z.string() }),
  image: z.object({ type: z.literal('image'), source: z.discriminatedUnion('type', [base64Source, urlSource]) }),
  document: z.object({ type: z.literal('document'), source: z.discriminatedUnion('type', [base64Source, urlSource, textSource]) }),
  tool_use: z.object({ type: z.literal('tool_use'), id: z.string().min(1), name: z.string().min(1), input: jsonObject.nullish() }),
  tool_result: z.object({
    type: z.literal('tool_result'),
    tool_use_id: z.string().min(1),
    content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).nullish(),
    is_error: z.boolean().nullish(),
  }),
  thinking: z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string().nullish() }),
  redacted_thinking: z.object({ type: z.literal('redacted_thinking'), data: z.string() }),
} as const;

type BlockSchemas = typeof BLOCK_SCHEMAS;
export type KnownBlock = { [K in keyof BlockSchemas]: z.infer<BlockSchemas[K]> }[keyof BlockSchemas];

/** Server-side tool traffic (web search, code execution…): Gemini has no such history; dropped. */
const DROPPED_BLOCK_TYPES = /^(server_tool_use|web_search_tool_result|web_fetch_tool_result|code_execution_tool_result|bash_code_execution_tool_result|text_editor_code_execution_tool_result|mcp_tool_use|mcp_tool_result|container_upload|search_result)$/;

/** Validates one block; undefined for block types that carry nothing Gemini can use. */
export function parseBlock(raw: AnthropicRequestBlock, path: ReadonlyArray<PropertyKey>, body: unknown): KnownBlock | undefined {
  const schema = (BLOCK_SCHEMAS as Record<string, z.ZodType<KnownBlock>>)[raw.type];
  if (!schema) {
    if (DROPPED_BLOCK_TYPES.test(raw.type)) return undefined;
    const param = formatParam([...path, 'type']);
    throw new TranslationError(`Invalid '${param}': content blocks of type '${raw.type}' are not supported by this gateway.`, { param, code: 'invalid_value' });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw issueToTranslationError(issue ? { ...issue, path: [...path, ...issue.path] } : undefined, body);
  }
  return parsed.data;
}

/** A text, image or document block → one Gemini part (none for empty text). */
export function mediaPart(block: Extract<KnownBlock, { type: 'text' | 'image' | 'document' }>, param: string): GeminiPart | undefined {
  if (block.type === 'text') return block.text === '' ? undefined : { text: block.text };
  const source = block.source;
  if (source.type === 'base64') return { inlineData: { mimeType: source.media_type.toLowerCase(), data: checkedBase64(source.data, `${param}.source.data`) } };
  if (source.type === 'text') return source.data === '' ? undefined : { text: source.data };
  throw new TranslationError(`Invalid '${param}.source': URL sources are not supported by this gateway; send the ${block.type} as base64.`, { param: `${param}.source`, code: 'invalid_value' });
}
