/**
 * Anthropic Messages ⇄ Gemini, pure (ids injected).
 *
 * Request path: parseAnthropicMessagesRequest(body) → convertAnthropicRequestToGemini(request, model).
 * Stream path:  createAnthropicStreamEncoder(identity) as the pipeline's StreamEncoder.
 * Non-stream:   findStreamFailure ? error : aggregateAnthropicMessage(identity, events).
 * Errors:       anthropicErrorFor(status, errorClass) + anthropicErrorBody(type, message).
 */
export { parseAnthropicMessagesRequest, parseAnthropicCountTokensRequest } from './request-schema';
export type { AnthropicMessagesRequest, AnthropicCountTokensRequest, AnthropicRequestMessage, AnthropicRequestTool, AnthropicToolChoice, AnthropicThinking } from './request-schema';
export { convertAnthropicRequestToGemini, convertAnthropicCountTokensToContents, anthropicThinkingConfig } from './convert-request';
export { createAnthropicStreamEncoder } from './stream-encoder';
export { createAnthropicEventEncoder, toAnthropicUsage, TOOL_USE_ID_PREFIX } from './message-events';
export type { AnthropicStreamEvent, AnthropicBlockDelta, AnthropicEventEncoder } from './message-events';
export { aggregateAnthropicMessage, foldAnthropicEvents } from './aggregate';
export { anthropicErrorFor, anthropicErrorBody, OVERLOADED_STATUS } from './errors';
export type * from './types';
