/**
 * OpenAI Responses API ⇄ Gemini, pure (ids and time injected).
 *
 * Request:  parseResponsesRequest(body) → [prepend the stored history of previous_response_id]
 *           → convertResponsesRequestToGemini(request, {model}).
 * Stream:   createResponsesStreamEncoder (a StreamEncoder for the pipeline); `response()` is the final Response.
 * Unary:    aggregateResponse(options, events).
 */
export { parseResponsesRequest, responsesRequestSchema, REASONING_EFFORTS as RESPONSES_REASONING_EFFORTS } from './request-schema';
export type { ResponsesRequest, ResponsesInputItem, ResponsesTool, ResponsesContentPart } from './request-schema';
export { convertResponsesRequestToGemini } from './convert-request';
export { collectResponsesImageUrls } from './convert-input';
export type { ConvertResponsesRequestOptions, ConvertedResponsesRequest } from './convert-request';
export { createResponsesStreamEncoder, toResponsesUsage } from './stream-encoder';
export type { ResponsesEncoderOptions, ResponsesStreamEncoder } from './stream-encoder';
export { aggregateResponse, responseSettingsOf } from './aggregate';
export { encodeReasoningSignature, decodeReasoningSignature, ENCRYPTED_REASONING_INCLUDE } from './reasoning-signature';
export type * from './types';
