import { z } from 'zod';
import { TranslationError } from '../errors';
import { isRecord } from '../openai/json-value';
import { issueToTranslationError } from '../openai/request-issues';

/**
 * The Anthropic Messages request body, lenient like Anthropic's own API towards what a newer
 * client sends: unknown fields (`metadata`, `context_management`, `output_config`, `service_tier`,
 * `container`, `mcp_servers`…) and unknown keys on blocks and tools (`cache_control`,
 * `defer_loading`, `citations`) are accepted and dropped; types and bounds that matter are checked.
 * Content blocks are checked one by one in convert-messages.ts, so a block type this gateway does
 * not translate gets an error naming it rather than a union's noise.
 */

const jsonObject = z.custom<Record<string, unknown>>(isRecord, { message: 'expected an object' });

/** A content block as it comes: only `type` is checked here. */
const block = z.looseObject({ type: z.string() });
export type AnthropicRequestBlock = z.infer<typeof block>;

const textBlock = z.object({ type: z.literal('text'), text: z.string() });
export type AnthropicRequestTextBlock = z.infer<typeof textBlock>;

const message = z.object({
  // `system` inside messages is what Claude Code 2.1 sends for some reminders; it joins the system prompt.
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(block)]),
});
export type AnthropicRequestMessage = z.infer<typeof message>;

const tool = z.object({
  type: z.string().nullish(),
  name: z.string().min(1).max(128),
  description: z.string().nullish(),
  input_schema: jsonObject.nullish(),
});
export type AnthropicRequestTool = z.infer<typeof tool>;

const toolChoice = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().nullish() }),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().nullish() }),
  z.object({ type: z.literal('tool'), name: z.string(), disable_parallel_tool_use: z.boolean().nullish() }),
  z.object({ type: z.literal('none') }),
]);
export type AnthropicToolChoice = z.infer<typeof toolChoice>;

/** `display: "omitted"` (Claude Code 2.1): think, but send no thinking text back. */
const display = z.string().nullish();
const thinking = z.discriminatedUnion('type', [
  z.object({ type: z.literal('enabled'), budget_tokens: z.number().int().min(0), display }),
  z.object({ type: z.literal('disabled') }),
  // Claude Code 2.1: the model decides how much to think (its effort may ride in output_config).
  z.object({ type: z.literal('adaptive'), display }),
]);
export type AnthropicThinking = z.infer<typeof thinking>;

const common = {
  model: z.string().min(1),
  messages: z.array(message),
  system: z.union([z.string(), z.array(textBlock)]).nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: toolChoice.nullish(),
  thinking: thinking.nullish(),
  output_config: z.looseObject({ effort: z.string().nullish() }).nullish(),
};

const messagesRequest = z.object({
  ...common,
  max_tokens: z.number().int().min(1),
  stop_sequences: z.array(z.string()).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().min(0).nullish(),
  stream: z.boolean().nullish(),
});
export type AnthropicMessagesRequest = z.infer<typeof messagesRequest>;

const countTokensRequest = z.object(common);
export type AnthropicCountTokensRequest = z.infer<typeof countTokensRequest>;

export function parseAnthropicMessagesRequest(body: unknown): AnthropicMessagesRequest {
  return parseWith(messagesRequest, body);
}

export function parseAnthropicCountTokensRequest(body: unknown): AnthropicCountTokensRequest {
  return parseWith(countTokensRequest, body);
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  if (!isRecord(body)) throw new TranslationError('The request body must be a JSON object.', { code: 'invalid_request' });
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw issueToTranslationError(parsed.error.issues[0], body);
  return parsed.data;
}
