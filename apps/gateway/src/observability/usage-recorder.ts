import { Injectable } from '@nestjs/common';
import { GatewayMetrics, currentRequest } from '@app/common';
import type { UsageEvent } from '@app/translation';

/** Tokens by model and client key name, from the usage Google reported (as a neutral usage event). */
@Injectable()
export class UsageRecorder {
  constructor(private readonly metrics: GatewayMetrics) {}

  recordEvent(model: string, usage: UsageEvent): void {
    const client = currentRequest()?.clientKeyName ?? 'none';
    const label = this.metrics.modelLabel(model);
    // completionTokens already includes the reasoning tokens (see toUsageEvent).
    if (usage.promptTokens > 0) this.metrics.tokens.inc({ model: label, client, type: 'prompt' }, usage.promptTokens);
    if (usage.completionTokens > 0) this.metrics.tokens.inc({ model: label, client, type: 'completion' }, usage.completionTokens);
    if (usage.reasoningTokens > 0) this.metrics.tokens.inc({ model: label, client, type: 'reasoning' }, usage.reasoningTokens);
  }
}
