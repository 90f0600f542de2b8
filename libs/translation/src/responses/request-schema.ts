import { z } from 'zod';
import { TranslationError } from '../errors';
import { isRecord } from '../openai/json-value';
import { issueToTranslationError } from '../openai/request-issues';

/**
 * The OpenAI Responses API request (`POST /v1/responses`), validated leniently: unknown fields are
 * stripped, unknown item and tool types pass through as records (and are judged by the converter),
 * `null` is accepted wherever OpenAI accepts it. What clients such as Codex send and Gemini has no
 * use for (`store`, `include`, `prompt_cache_key`, `client_metadata`, `metadata`, `truncation`,
 * `service_tier`, `user`…) is accepted and not forwarded.
 */

const jsonObject = z.custom<Record<string, unknown>>(isRecord, { message: 'expected an object' });

const inputText = z.object({ type: z.enum(['input_text', 'output_text', 'text']), text: z.string() }).passthrough();
const inputImage = z.object({
  type: z.literal('input_image'),
  image_url: z.string().nullish(),
  file_id: z.string().nullish(),
  detail: z.string().nullish(),
});
const inputFile = z.object({
  type: z.literal('input_file'),
  file_data: z.string().nullish(),
  file_id: z.string().nullish(),
  file_url: z.string().nullish(),
  filename: z.string().nullish(),
});
const refusal = z.object({ type: z.literal('refusal'), refusal: z.string() });
const contentPart = z.union([inputText, inputImage, inputFile, refusal]);
export type ResponsesContentPart = z.infer<typeof contentPart>;

const message = z.object({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(contentPart)]),
  id: z.string().nullish(),
  status: z.string().nullish(),
});
const functionCall = z.object({
  type: z.literal('function_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  id: z.string().nullish(),
  namespace: z.string().nullish(),
  status: z.string().nullish(),
});
const outputValue = z.union([z.string(), z.array(jsonObject)]);
const functionCallOutput = z.object({ type: z.literal('function_call_output'), call_id: z.string().min(1), output: outputValue, id: z.string().nullish() });
const customToolCall = z.object({ type: z.literal('custom_tool_call'), call_id: z.string().min(1), name: z.string().min(1), input: z.string(), id: z.string().nullish() });
const customToolCallOutput = z.object({ type: z.literal('custom_tool_call_output'), call_id: z.string().min(1), output: outputValue, id: z.string().nullish() });
const reasoning = z.object({
  type: z.literal('reasoning'),
  id: z.string().nullish(),
  summary: z.array(z.object({ text: z.string() }).passthrough()).nullish(),
  encrypted_content: z.string().nullish(),
});
export type ResponsesInputItem =
  | z.infer<typeof functionCall> | z.infer<typeof functionCallOutput> | z.infer<typeof customToolCall>
  | z.infer<typeof customToolCallOutput> | z.infer<typeof reasoning> | z.infer<typeof message>;

const functionTool = z.object({
  type: z.literal('function'),
  name: z.string().min(1),
  description: z.string().nullish(),
  parameters: jsonObject.nullish(),
  strict: z.boolean().nullish(),
});
export type ResponsesFunctionTool = z.infer<typeof functionTool>;
const customTool = z.object({
  type: z.literal('custom'),
  name: z.string().min(1),
  description: z.string().nullish(),
  format: z.object({ type: z.string(), syntax: z.string().nullish(), definition: z.string().nullish() }).passthrough().nullish(),
});
export type ResponsesCustomTool = z.infer<typeof customTool>;
const namespaceTool = z.object({
  type: z.literal('namespace'),
  name: z.string().min(1),
  description: z.string().nullish(),
  tools: z.array(z.union([functionTool, customTool, jsonObject])),
});
const tool = z.union([functionTool, customTool, namespaceTool, z.object({ type: z.string() }).passthrough()]);
export type ResponsesTool = z.infer<typeof tool>;

const namedChoice = z.object({ type: z.enum(['function', 'custom']), name: z.string().min(1) });
const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  namedChoice,
  z.object({ type: z.literal('allowed_tools'), mode: z.enum(['auto', 'required']), tools: z.array(z.object({ type: z.string(), name: z.string().nullish() }).passthrough()) }),
  z.object({ type: z.string() }).passthrough(),
]);

const textFormat = z.union([
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({ type: z.literal('json_schema'), name: z.string().nullish(), schema: jsonObject, strict: z.boolean().nullish(), description: z.string().nullish() }),
]);

export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;

export const responsesRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.unknown())]).nullish(),
  instructions: z.string().nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  max_output_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  reasoning: z.object({ effort: z.enum(REASONING_EFFORTS).nullish(), summary: z.string().nullish() }).passthrough().nullish(),
  text: z.object({ format: textFormat.nullish(), verbosity: z.string().nullish() }).passthrough().nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  include: z.array(z.string()).nullish(),
  previous_response_id: z.string().min(1).nullish(),
  prompt_cache_key: z.string().nullish(),
  client_metadata: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  user: z.string().nullish(),
  service_tier: z.string().nullish(),
  truncation: z.string().nullish(),
});

export type ResponsesRequestBody = z.infer<typeof responsesRequestSchema>;

/** A validated request with `input` already parsed into items (`other` items kept as records). */
export interface ResponsesRequest extends Omit<ResponsesRequestBody, 'input'> {
  input: Array<ResponsesInputItem | { type: string; [key: string]: unknown }>;
}

export function parseResponsesRequest(body: unknown): ResponsesRequest {
  if (!isRecord(body)) throw new TranslationError('The request body must be a JSON object.', { code: 'invalid_request' });
  const result = responsesRequestSchema.safeParse(body);
  if (!result.success) throw issueToTranslationError(result.error.issues[0], body);
  const raw = result.data.input;
  const input = typeof raw === 'string' ? [{ role: 'user' as const, content: raw }] : (raw ?? []).map((item, index) => parseItem(item, index, body));
  return { ...result.data, input };
}

function parseItem(item: unknown, index: number, body: unknown): ResponsesInputItem | { type: string; [key: string]: unknown } {
  // The item's own `type` picks its schema, so an error names the field that is wrong in it.
  const type = isRecord(item) && typeof item.type === 'string' ? item.type : undefined;
  if (type !== undefined && type !== 'message' && !ITEM_SCHEMAS.has(type)) return item as { type: string };
  const schema = ITEM_SCHEMAS.get(type ?? 'message') ?? message;
  const checked = schema.safeParse(item);
  if (checked.success) return checked.data as ResponsesInputItem;
  const issue = checked.error.issues[0];
  throw issueToTranslationError({ ...issue, path: ['input', index, ...issue.path] } as typeof issue, body);
}

/** Item types we translate; any other type (item_reference, web_search_call…) is kept for the caller to judge. */
const ITEM_SCHEMAS = new Map<string, z.ZodType>([
  ['message', message], ['function_call', functionCall], ['function_call_output', functionCallOutput],
  ['custom_tool_call', customToolCall], ['custom_tool_call_output', customToolCallOutput], ['reasoning', reasoning],
]);
