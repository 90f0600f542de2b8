import { variantThinkingConfig } from '../models/thinking';
import type { ResolvedModel } from '../models/catalog';
import type { GeminiContent, GeminiGenerationConfig, GeminiToolConfig, GenerateContentRequest, GeminiSafetySetting } from './types';

export const BLOCK_NONE_SAFETY_SETTINGS: readonly Readonly<GeminiSafetySetting>[] = Object.freeze([
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
  'HARM_CATEGORY_CIVIC_INTEGRITY',
].map((category) => Object.freeze({ category, threshold: 'BLOCK_NONE' })));

/**
 * The request every translated surface (OpenAI Chat, Anthropic Messages, OpenAI Responses) sends:
 * what its converter produced, BLOCK_NONE safety (their clients cannot set Gemini thresholds), and
 * only the optional parts that are present (an empty generationConfig is left out).
 */
export function assembleGenerateRequest(parts: {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
  tools?: GenerateContentRequest['tools'];
  toolConfig?: GeminiToolConfig;
  generationConfig: GeminiGenerationConfig;
}): GenerateContentRequest {
  const { contents, systemInstruction, tools, toolConfig, generationConfig } = parts;
  return {
    contents,
    ...(systemInstruction ? { systemInstruction } : {}),
    ...(tools ? { tools } : {}),
    ...(toolConfig ? { toolConfig } : {}),
    safetySettings: BLOCK_NONE_SAFETY_SETTINGS.map((setting) => ({ ...setting })),
    ...(Object.keys(generationConfig).length > 0 ? { generationConfig } : {}),
  };
}

/**
 * The native route passes the client's body through untouched and fills in only what the
 * client left out: BLOCK_NONE safety, the variant's thinking, and `googleSearch` for `-search`
 * (once: an existing googleSearch tool, even `{}`, is not duplicated).
 */
export function applyNativeDefaults(body: GenerateContentRequest, model: ResolvedModel): GenerateContentRequest {
  const request: GenerateContentRequest = { ...body };
  if (request.safetySettings === undefined) request.safetySettings = BLOCK_NONE_SAFETY_SETTINGS.map((setting) => ({ ...setting }));
  const thinking = variantThinkingConfig(model);
  const generationConfig = request.generationConfig ?? {};
  if (thinking && generationConfig.thinkingConfig === undefined) {
    request.generationConfig = { ...generationConfig, thinkingConfig: thinking };
  }
  if (model.search) {
    const tools = request.tools ?? [];
    if (!tools.some((tool) => tool && typeof tool === 'object' && 'googleSearch' in tool)) {
      request.tools = [...tools, { googleSearch: {} }];
    }
  }
  return request;
}
