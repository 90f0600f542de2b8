import type { GeminiThinkingConfig } from '../gemini/types';
import type { ResolvedModel, ThinkingProfile } from './catalog';

/**
 * The thinkingConfig a model variant implies when the client said nothing about thinking.
 * Thoughts are requested by default and shown (the original's behaviour, kept); `-nothinking`
 * turns them off as far as the model allows; `-maxthinking` asks for the largest budget.
 * Returns undefined for models that do not think (image output).
 */
export function variantThinkingConfig(model: ResolvedModel): GeminiThinkingConfig | undefined {
  return thinkingConfigFor(model.info.thinking, model.thinking === 'default' ? 'dynamic' : model.thinking === 'none' ? 'off' : 'max');
}

export type ThinkingIntent = 'dynamic' | 'off' | 'minimal' | 'low' | 'medium' | 'high' | 'max';

/** Maps an intent to the family's own control: a budget (2.5, 3 Pro) or a level (3 Flash). */
export function thinkingConfigFor(profile: ThinkingProfile, intent: ThinkingIntent): GeminiThinkingConfig | undefined {
  switch (profile.kind) {
    case 'none':
      return undefined;
    case 'budget': {
      switch (intent) {
        case 'dynamic':
        case 'medium':
          return { thinkingBudget: -1, includeThoughts: true };
        case 'off':
          // Pro models cannot switch thinking off; their floor budget's thoughts stay hidden.
          return { thinkingBudget: profile.off, includeThoughts: false };
        case 'minimal':
          return profile.minimal === null ? undefined : { thinkingBudget: profile.minimal, includeThoughts: true };
        case 'low':
          return { thinkingBudget: 1000, includeThoughts: true };
        case 'high':
          return { thinkingBudget: profile.high, includeThoughts: true };
        case 'max':
          return { thinkingBudget: profile.max, includeThoughts: true };
      }
      break;
    }
    case 'level': {
      switch (intent) {
        case 'dynamic':
          return { includeThoughts: true };
        case 'off':
          return { thinkingLevel: 'MINIMAL', includeThoughts: false };
        case 'minimal':
          return { thinkingLevel: 'MINIMAL', includeThoughts: true };
        case 'low':
          return { thinkingLevel: 'LOW', includeThoughts: true };
        case 'medium':
          return { thinkingLevel: 'MEDIUM', includeThoughts: true };
        case 'high':
        case 'max':
          return { thinkingLevel: 'HIGH', includeThoughts: true };
      }
    }
  }
  return undefined;
}
