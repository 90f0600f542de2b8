import { z } from 'zod';
import { TranslationError } from '../errors';
import { isRecord } from './json-value';
import { issueToTranslationError } from './request-issues';

/**
 * The OpenAI Chat Completions request body, validated the way OpenAI validates it: unknown fields
 * are ignored (stripped), `null` is accepted wherever OpenAI accepts it, types and documented
 * bounds are enforced. Extensions beyond OpenAI are marked; they are what OpenAI-compatible
 * clients commonly send to non-OpenAI backends.
 */

/** A JSON object taken as is (no copy: property names such as `__proto__` stay plain names). */
const jsonObject = z.custom<Record<string, unknown>>(isRecord, { message: 'expected an object' });

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imageUrlPart = z.object({
  type: z.literal('image_url'),
  // Extension: a bare string URL (the early vision format some clients still send).
  image_url: z.union([z.string(), z.object({ url: z.string(), detail: z.string().nullish() })]),
});
export const AUDIO_FORMATS = ['wav', 'mp3', 'aiff', 'aac', 'ogg', 'flac'] as const;
const inputAudioPart = z.object({
  type: z.literal('input_audio'),
  input_audio: z.object({ data: z.string(), format: z.enum(AUDIO_FORMATS) }),
});
const filePart = z.object({
  type: z.literal('file'),
  file: z.object({ file_data: z.string().nullish(), file_id: z.string().nullish(), filename: z.string().nullish() }),
});
const refusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });
const contentPart = z.discriminatedUnion('type', [textPart, imageUrlPart, inputAudioPart, filePart, refusalPart]);

const textContent = z.union([z.string(), z.array(textPart).min(1)]);
const richContent = z.union([z.string(), z.array(contentPart).min(1)]);
const name = z.string().nullish();

const toolCall = z.object({
  id: z.string(),
  type: z.literal('function').nullish(),
  // Extension: arguments as an object rather than a JSON string.
  function: z.object({ name: z.string(), arguments: z.union([z.string(), jsonObject]) }),
});
const legacyFunctionCall = z.object({ name: z.string(), arguments: z.union([z.string(), jsonObject]) });

const systemMessage = z.object({ role: z.literal('system'), content: textContent, name });
const developerMessage = z.object({ role: z.literal('developer'), content: textContent, name });
const userMessage = z.object({ role: z.literal('user'), content: richContent, name });
const assistantMessage = z.object({
  role: z.literal('assistant'),
  content: z.union([z.string(), z.array(contentPart)]).nullish(),
  name,
  tool_calls: z.array(toolCall).nullish(),
  function_call: legacyFunctionCall.nullish(),
  refusal: z.string().nullish(),
  reasoning_content: z.string().nullish(),
});
const toolMessage = z.object({ role: z.literal('tool'), content: textContent, tool_call_id: z.string() });
const functionMessage = z.object({ role: z.literal('function'), name: z.string(), content: z.string().nullable() });
const message = z.discriminatedUnion('role', [systemMessage, developerMessage, userMessage, assistantMessage, toolMessage, functionMessage]);

/** OpenAI allows `^[a-zA-Z0-9_-]{1,64}$`; Gemini also allows `.` and `:`, so we do too. */
const functionName = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);
const functionDefinition = z.object({
  name: functionName,
  description: z.string().nullish(),
  parameters: jsonObject.nullish(),
  strict: z.boolean().nullish(),
});
const tool = z.discriminatedUnion('type', [
  z.object({ type: z.literal('function'), function: functionDefinition }),
  // Extension: the Responses API's web search tool types, served by Google Search grounding.
  z.object({ type: z.literal('web_search') }),
  z.object({ type: z.literal('web_search_preview') }),
]);
const namedFunction = z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) });
const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  namedFunction,
  z.object({
    type: z.literal('allowed_tools'),
    allowed_tools: z.object({ mode: z.enum(['auto', 'required']), tools: z.array(namedFunction).min(1) }),
  }),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({ name: z.string(), description: z.string().nullish(), schema: jsonObject.nullish(), strict: z.boolean().nullish() }),
  }),
]);

/** `xhigh` is OpenAI's newest level; it maps to the family's maximum. */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;

const penalty = z.number().min(-2).max(2).nullish();
const tokenLimit = z.int().min(1).nullish();

export const chatCompletionRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  /** Extension: Gemini's topK. */
  top_k: z.int().min(1).nullish(),
  n: z.int().min(1).max(8).nullish(),
  max_tokens: tokenLimit,
  max_completion_tokens: tokenLimit,
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  presence_penalty: penalty,
  frequency_penalty: penalty,
  seed: z.int().nullish(),
  response_format: responseFormat.nullish(),
  reasoning_effort: z.enum(REASONING_EFFORTS).nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  functions: z.array(functionDefinition).nullish(),
  function_call: z.union([z.enum(['none', 'auto']), z.object({ name: z.string() })]).nullish(),
  web_search_options: jsonObject.nullish(),
  user: z.string().nullish(),
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;
export type ChatMessage = ChatCompletionRequest['messages'][number];
export type ChatContentPart = z.output<typeof contentPart>;
export type ChatToolCall = z.output<typeof toolCall>;
export type ChatFunctionDefinition = z.output<typeof functionDefinition>;
export type ChatTool = z.output<typeof tool>;
export type ChatToolChoice = z.output<typeof toolChoice>;

/**
 * Validates an already JSON-parsed request body. Throws only TranslationError, whose `param` is
 * the OpenAI path of the first bad field (`messages[2].content[0].image_url`).
 */
export function parseChatCompletionRequest(body: unknown): ChatCompletionRequest {
  let result: ReturnType<typeof chatCompletionRequestSchema.safeParse>;
  try {
    failFastOnMessages(body);
    result = chatCompletionRequestSchema.safeParse(body);
  } catch (error) {
    if (error instanceof TranslationError) throw error;
    throw new TranslationError('The request body could not be validated.', { code: 'invalid_request' });
  }
  if (result.success) return result.data;
  throw issueToTranslationError(result.error.issues[0], body);
}

/**
 * Zod collects every issue of an array before answering, so 20,000 bad messages cost ~130 ms of
 * event loop. Checking messages one by one first stops at the first bad one (only the first issue
 * is reported anyway); the full parse then runs on input that is already known to be sane there.
 */
function failFastOnMessages(body: unknown): void {
  if (typeof body !== 'object' || body === null || typeof (body as { model?: unknown }).model !== 'string') return;
  const messages = (body as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) return;
  for (let index = 0; index < messages.length; index += 1) {
    const checked = message.safeParse(messages[index]);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw issueToTranslationError({ ...issue, path: ['messages', index, ...issue.path] } as typeof issue, body);
    }
  }
}
