import type { GeminiGenerationConfig, GeminiThinkingConfig, GenerateContentRequest } from '../gemini/types';
import type { ResolvedModel, ThinkingProfile } from '../models/catalog';
import { thinkingConfigFor, variantThinkingConfig, type ThinkingIntent } from '../models/thinking';
import { assembleGenerateRequest } from '../gemini/native-defaults';
import { convertAnthropicMessages } from './convert-messages';
import { convertAnthropicTools } from './convert-tools';
import type { AnthropicCountTokensRequest, AnthropicMessagesRequest, AnthropicThinking } from './request-schema';

/** A validated Messages request → the Gemini GenerateContentRequest. `body` is the raw body (for error messages). */
export function convertAnthropicRequestToGemini(request: AnthropicMessagesRequest, model: ResolvedModel, body: unknown = request): GenerateContentRequest {
  const { contents, systemInstruction } = convertAnthropicMessages(request.system, request.messages, {
    requiresThoughtSignatures: model.base.startsWith('gemini-3'),
    body,
  });
  const { tools, toolConfig } = convertAnthropicTools(request.tools, request.tool_choice, model);
  const generationConfig: GeminiGenerationConfig = { maxOutputTokens: Math.min(request.max_tokens, model.info.outputTokenLimit) };
  if (request.temperature != null) generationConfig.temperature = request.temperature;
  if (request.top_p != null) generationConfig.topP = request.top_p;
  if (request.top_k != null) generationConfig.topK = request.top_k;
  const stopSequences = (request.stop_sequences ?? []).filter((stop) => stop !== '');
  if (stopSequences.length > 0) generationConfig.stopSequences = stopSequences;
  const thinkingConfig = anthropicThinkingConfig(request.thinking, request.output_config?.effort, model);
  if (thinkingConfig) generationConfig.thinkingConfig = thinkingConfig;
  return assembleGenerateRequest({ contents, systemInstruction, tools, toolConfig, generationConfig });
}

/** count_tokens: only the prompt matters (Code Assist's countTokens takes contents alone). */
export function convertAnthropicCountTokensToContents(request: AnthropicCountTokensRequest, body: unknown = request): GenerateContentRequest['contents'] {
  const { contents, systemInstruction } = convertAnthropicMessages(request.system, request.messages, { requiresThoughtSignatures: false, body });
  // countTokens has no systemInstruction field: the system prompt is counted as a leading user turn.
  return systemInstruction ? [{ role: 'user', parts: systemInstruction.parts }, ...contents] : contents;
}

const EFFORT_INTENT: Record<string, ThinkingIntent> = { low: 'low', medium: 'medium', high: 'high', max: 'max' };

/**
 * Thinking, Anthropic → Gemini. A `-nothinking` / `-maxthinking` model variant wins. Otherwise:
 * - `enabled` with budget_tokens: that budget (clamped to the family's range), or the nearest
 *   level for level-controlled models; thoughts shown as `thinking` blocks;
 * - `adaptive`: dynamic thinking (or output_config.effort's level), thoughts shown;
 * - `display: "omitted"` on either: the same thinking, no thoughts sent back;
 * - `disabled`: as little thinking as the model allows, none shown;
 * - absent: the model thinks as it likes but no thoughts are shown (Anthropic shows none unless asked).
 */
export function anthropicThinkingConfig(thinking: AnthropicThinking | null | undefined, effort: string | null | undefined, model: ResolvedModel): GeminiThinkingConfig | undefined {
  if (model.info.imageOutput) return undefined;
  if (model.thinking !== 'default') return variantThinkingConfig(model);
  const profile = model.info.thinking;
  const effortIntent = effort ? EFFORT_INTENT[effort] : undefined;
  const shown = (config: GeminiThinkingConfig | undefined) => (config && thinking && 'display' in thinking && thinking.display === 'omitted' ? { ...config, includeThoughts: false } : config);
  switch (thinking?.type) {
    case 'enabled':
      return shown(budgetConfig(profile, thinking.budget_tokens));
    case 'adaptive':
      return shown(thinkingConfigFor(profile, effortIntent ?? 'dynamic'));
    case 'disabled':
      return thinkingConfigFor(profile, 'off');
    default: {
      const config = thinkingConfigFor(profile, effortIntent ?? 'dynamic');
      return config ? { ...config, includeThoughts: false } : undefined;
    }
  }
}

function budgetConfig(profile: ThinkingProfile, budget: number): GeminiThinkingConfig | undefined {
  if (profile.kind === 'budget') {
    const floor = profile.minimal ?? profile.off;
    return { thinkingBudget: Math.max(floor, Math.min(budget, profile.max)), includeThoughts: true };
  }
  const intent: ThinkingIntent = budget < 2048 ? 'low' : budget < 16384 ? 'medium' : 'high';
  return thinkingConfigFor(profile, intent);
}
