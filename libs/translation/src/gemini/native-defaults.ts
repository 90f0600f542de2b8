import { variantThinkingConfig } from '../models/thinking';
import type { ResolvedModel } from '../models/catalog';
import type { GenerateContentRequest, GeminiSafetySetting } from './types';

export const BLOCK_NONE_SAFETY_SETTINGS: readonly Readonly<GeminiSafetySetting>[] = Object.freeze([
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
  'HARM_CATEGORY_CIVIC_INTEGRITY',
].map((category) => Object.freeze({ category, threshold: 'BLOCK_NONE' })));

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
