import { TranslationError } from '../errors';
import { BLOCK_NONE_SAFETY_SETTINGS, assembleGenerateRequest } from '../gemini/native-defaults';
import type { GeminiGenerationConfig, GeminiThinkingConfig, GenerateContentRequest } from '../gemini/types';
import type { ResolvedModel } from '../models/catalog';
import { thinkingConfigFor, variantThinkingConfig, type ThinkingIntent } from '../models/thinking';
import type { InlineBlob } from './data-url';
import { convertMessages } from './convert-messages';
import { convertTools } from './convert-tools';
import { sanitizeJsonSchema } from './json-schema';
import type { ChatCompletionRequest } from './request-schema';

/**
 * OpenAI clients cannot set Gemini safety thresholds, so every request carries the five standard
 * categories at BLOCK_NONE (the original's behaviour, kept). One constant for both surfaces.
 */
export const DEFAULT_SAFETY_SETTINGS = BLOCK_NONE_SAFETY_SETTINGS;

export interface ConvertChatRequestOptions {
  model: ResolvedModel;
  /** Remote images fetched by the I/O shell (see collectRemoteImageUrls); absent = fetching disabled. */
  remoteImages?: ReadonlyMap<string, InlineBlob>;
}

const EFFORT_INTENT: Record<NonNullable<ChatCompletionRequest['reasoning_effort']>, ThinkingIntent> = {
  none: 'off',
  minimal: 'minimal',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'max',
};

/** A validated OpenAI request → the Gemini GenerateContentRequest (the `request` of the Code Assist envelope). */
export function convertChatRequestToGemini(request: ChatCompletionRequest, options: ConvertChatRequestOptions): GenerateContentRequest {
  const { model } = options;
  const { contents, systemInstruction } = convertMessages(request.messages, {
    requiresThoughtSignatures: model.base.startsWith('gemini-3'),
    remoteImages: options.remoteImages,
  });
  const { tools, toolConfig } = convertTools(request, model);
  const generationConfig = generationConfigOf(request, model);
  return assembleGenerateRequest({ contents, systemInstruction, tools, toolConfig, generationConfig });
}

function generationConfigOf(request: ChatCompletionRequest, model: ResolvedModel): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  if (request.top_k != null) config.topK = request.top_k;
  if (request.n != null) config.candidateCount = request.n;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  // Gemini rejects limits above the model's output limit; OpenAI clients often send generous ones.
  if (maxTokens != null) config.maxOutputTokens = Math.min(maxTokens, model.info.outputTokenLimit);
  const stopSequences = (typeof request.stop === 'string' ? [request.stop] : request.stop ?? []).filter((stop) => stop !== '');
  if (stopSequences.length > 0) config.stopSequences = stopSequences;
  if (request.seed != null) config.seed = toInt32(request.seed);
  // Several Gemini models reject penalties outright; 0 is OpenAI's default and means "none", so it is not sent.
  if (request.presence_penalty) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty) config.frequencyPenalty = request.frequency_penalty;
  Object.assign(config, responseFormatConfig(request));
  const thinkingConfig = thinkingConfigOf(request, model);
  if (thinkingConfig) config.thinkingConfig = thinkingConfig;
  return config;
}

function responseFormatConfig(request: ChatCompletionRequest): GeminiGenerationConfig {
  const format = request.response_format;
  if (!format || format.type === 'text') return {};
  if (format.type === 'json_object' || !format.json_schema.schema) return { responseMimeType: 'application/json' };
  return {
    responseMimeType: 'application/json',
    responseJsonSchema: sanitizeJsonSchema(format.json_schema.schema, 'response_format.json_schema.schema'),
  };
}

/**
 * The variant's thinking (`-nothinking` / `-maxthinking` win, as in the original), else
 * `reasoning_effort`, else the default (dynamic, thoughts shown). Image-output models get none.
 */
function thinkingConfigOf(request: ChatCompletionRequest, model: ResolvedModel): GeminiThinkingConfig | undefined {
  return thinkingConfigForEffort(model, request.reasoning_effort, 'reasoning_effort');
}

/**
 * An OpenAI reasoning effort (`reasoning_effort`, or the Responses API's `reasoning.effort`) → the
 * model's thinkingConfig. `-nothinking` / `-maxthinking` variants win; no effort means the default.
 */
export function thinkingConfigForEffort(model: ResolvedModel, effort: string | null | undefined, param: string): GeminiThinkingConfig | undefined {
  if (model.info.imageOutput) return undefined;
  if (model.thinking !== 'default' || effort == null) return variantThinkingConfig(model);
  if (!Object.hasOwn(EFFORT_INTENT, effort)) {
    throw new TranslationError(`Invalid value: '${String(effort)}'. Supported values are: ${Object.keys(EFFORT_INTENT).map((key) => `'${key}'`).join(', ')}.`, { param, code: 'invalid_value' });
  }
  return thinkingConfigFor(model.info.thinking, EFFORT_INTENT[effort as keyof typeof EFFORT_INTENT]);
}

/** Gemini's seed is an int32; OpenAI accepts any integer. Larger seeds wrap (deterministically). */
function toInt32(seed: number): number {
  return Number(BigInt.asIntN(32, BigInt(seed)));
}
