/**
 * OpenAI Chat Completions ⇄ Gemini, pure (no I/O, clock or randomness: ids and time are injected).
 *
 * Request path:  parseChatCompletionRequest(body) → [collectRemoteImageUrls → fetch, if enabled]
 *                → convertChatRequestToGemini(request, {model, remoteImages}).
 * Stream path:   createGeminiStreamDecoder (../stream) → for each event: streamFailureOf(event)
 *                ? write encodeOpenAIStreamError(failure) and stop : write encoder.encode(event);
 *                at the end encoder.end() (usage chunk) then `[DONE]`.
 * Non-stream:    decodeGeminiResponse → findStreamFailure ? error : aggregateChatCompletion.
 */
export { parseChatCompletionRequest, chatCompletionRequestSchema, REASONING_EFFORTS, AUDIO_FORMATS } from './request-schema';
export type {
  ChatCompletionRequest, ChatMessage, ChatContentPart, ChatToolCall, ChatFunctionDefinition, ChatTool, ChatToolChoice,
} from './request-schema';
export { formatParam } from './request-issues';
export { convertChatRequestToGemini, thinkingConfigForEffort, DEFAULT_SAFETY_SETTINGS } from './convert-request';
export type { ConvertChatRequestOptions } from './convert-request';
export { SYNTHETIC_THOUGHT_SIGNATURE } from './convert-messages';
export { collectRemoteImageUrls } from './content-parts';
export type { InlineBlob } from './data-url';
export { sanitizeJsonSchema, MAX_SCHEMA_DEPTH } from './json-schema';
export { encodeToolCallId, decodeToolCallId } from './tool-call-id';
export type { DecodedToolCallId } from './tool-call-id';
export { createChatCompletionChunkEncoder, createOpenAIStreamEncoder } from './chunk-encoder';
export type { ChatCompletionChunkEncoder, ChunkEncoderOptions } from './chunk-encoder';
export { aggregateChatCompletion, decodeGeminiResponse, geminiResponseToChatCompletion } from './aggregate';
export type { GeminiResponseConversionOptions } from './aggregate';
export { encodeOpenAIStreamError } from './stream-error';
export type { OpenAIErrorInput } from './stream-error';
export { toOpenAIUsage } from './usage';
export { toOpenAIModel, toOpenAIModelList, OPENAI_MODEL_CREATED } from './models';
export type * from './types';
