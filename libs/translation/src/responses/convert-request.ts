import type { GeminiGenerationConfig, GenerateContentRequest } from '../gemini/types';
import type { ResolvedModel } from '../models/catalog';
import type { InlineBlob } from '../openai/data-url';
import { assembleGenerateRequest } from '../gemini/native-defaults';
import { thinkingConfigForEffort } from '../openai/convert-request';
import { sanitizeJsonSchema } from '../openai/json-schema';
import { convertInput } from './convert-input';
import { convertResponsesTools } from './convert-tools';
import type { ResponsesRequest } from './request-schema';

export interface ConvertResponsesRequestOptions {
  model: ResolvedModel;
  remoteImages?: ReadonlyMap<string, InlineBlob>;
}

export interface ConvertedResponsesRequest {
  gemini: GenerateContentRequest;
  /** What the encoder needs to shape the calls that come back. */
  customToolNames: string[];
  namespaces: Record<string, string>;
  /** Tools not sent to Google (e.g. web_search next to functions), for a header and a log line. */
  droppedTools: string[];
}

/**
 * A validated Responses request (with `input` already extended by any previous_response_id
 * history) → the Gemini GenerateContentRequest. Pieces shared with the Chat route are called, not
 * copied: content parts, schema sanitising, safety settings, reasoning effort → thinkingConfig.
 */
export function convertResponsesRequestToGemini(request: ResponsesRequest, options: ConvertResponsesRequestOptions): ConvertedResponsesRequest {
  const { model } = options;
  const { contents, systemInstruction } = convertInput(request.input, request.instructions, {
    requiresThoughtSignatures: model.base.startsWith('gemini-3'),
    remoteImages: options.remoteImages,
  });
  const { tools, toolConfig, customToolNames, namespaces, dropped } = convertResponsesTools(request, model);
  const generationConfig = generationConfigOf(request, model);
  const gemini = assembleGenerateRequest({ contents, systemInstruction, tools, toolConfig, generationConfig });
  return { gemini, customToolNames, namespaces, droppedTools: dropped };
}

function generationConfigOf(request: ResponsesRequest, model: ResolvedModel): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  if (request.max_output_tokens != null) config.maxOutputTokens = Math.min(request.max_output_tokens, model.info.outputTokenLimit);
  const format = request.text?.format;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    config.responseJsonSchema = sanitizeJsonSchema(format.schema, 'text.format.schema');
  }
  const thinkingConfig = thinkingConfigForEffort(model, request.reasoning?.effort, 'reasoning.effort');
  if (thinkingConfig) config.thinkingConfig = thinkingConfig;
  return config;
}
