import type { GeminiContent, GenerateContentRequest, GenerateContentResponse } from '../gemini/types';

/** Code Assist's request wrapper (docs/wire/code-assist.md, generateContent). */
export interface CodeAssistGenerateRequest {
  model: string;
  project?: string;
  user_prompt_id?: string;
  request: GenerateContentRequest;
}

export interface CodeAssistGenerateResponse {
  response?: GenerateContentResponse;
  traceId?: string;
  [key: string]: unknown;
}

export function buildGenerateEnvelope(input: { model: string; project?: string; userPromptId?: string; request: GenerateContentRequest }): CodeAssistGenerateRequest {
  // The public API allows `model` inside the body; Code Assist takes it on the envelope only.
  const { model: _ignored, ...request } = input.request as GenerateContentRequest & { model?: unknown };
  const envelope: CodeAssistGenerateRequest = { model: input.model, request };
  if (input.project) envelope.project = input.project;
  if (input.userPromptId) envelope.user_prompt_id = input.userPromptId;
  return envelope;
}

/** countTokens is the odd one out: no project, and the model keeps its `models/` prefix (§1.5). */
export function buildCountTokensEnvelope(input: { model: string; contents: GeminiContent[] }): { request: { model: string; contents: GeminiContent[] } } {
  return { request: { model: `models/${input.model}`, contents: input.contents } };
}

/**
 * Unwraps `{response, traceId}` into the public GenerateContentResponse. A missing `response`
 * counts as zero candidates (as Gemini CLI treats it); `responseId` falls back to the traceId.
 */
export function unwrapGenerateResponse(wrapper: CodeAssistGenerateResponse): GenerateContentResponse {
  const response: GenerateContentResponse = wrapper.response && typeof wrapper.response === 'object' ? { ...wrapper.response } : {};
  if (!response.responseId && typeof wrapper.traceId === 'string') response.responseId = wrapper.traceId;
  return response;
}
