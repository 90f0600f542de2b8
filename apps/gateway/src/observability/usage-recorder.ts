import { Injectable } from '@nestjs/common';
import { GatewayMetrics, currentRequest } from '@app/common';
import type { GeminiUsageMetadata } from '@app/translation';

/** Tokens by model and client key name, from Google's usageMetadata. */
@Injectable()
export class UsageRecorder {
  constructor(private readonly metrics: GatewayMetrics) {}

  record(model: string, usage: GeminiUsageMetadata | undefined): void {
    if (!usage) return;
    const client = currentRequest()?.clientKeyName ?? 'none';
    const prompt = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0);
    const reasoning = usage.thoughtsTokenCount ?? 0;
    const completion = (usage.candidatesTokenCount ?? 0) + reasoning;
    if (prompt > 0) this.metrics.tokens.inc({ model, client, type: 'prompt' }, prompt);
    if (completion > 0) this.metrics.tokens.inc({ model, client, type: 'completion' }, completion);
    if (reasoning > 0) this.metrics.tokens.inc({ model, client, type: 'reasoning' }, reasoning);
  }
}
