import type { UsageEvent } from '../stream/events';
import type { OpenAIUsage } from './types';

/** Neutral usage → OpenAI's exact usage object; zeros when upstream reported none. */
export function toOpenAIUsage(usage: UsageEvent | undefined): OpenAIUsage {
  return {
    prompt_tokens: usage?.promptTokens ?? 0,
    completion_tokens: usage?.completionTokens ?? 0,
    total_tokens: usage?.totalTokens ?? 0,
    prompt_tokens_details: { cached_tokens: usage?.cachedTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage?.reasoningTokens ?? 0 },
  };
}
