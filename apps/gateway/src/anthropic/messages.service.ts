import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { InvalidRequestError, SSE_HEADERS, randomId } from '@app/common';
import {
  TranslationError, aggregateAnthropicMessage, convertAnthropicCountTokensToContents, convertAnthropicRequestToGemini,
  createAnthropicStreamEncoder, parseAnthropicCountTokensRequest, parseAnthropicMessagesRequest,
  type AnthropicMessage, type AnthropicMessagesRequest, type AnthropicResponseIdentity, type GenerateContentRequest, type ResolvedModel,
} from '@app/translation';
import { UpstreamService } from '@app/upstream';
import { GenerationPipeline } from '../pipeline/generation-pipeline';
import { ModelCatalogService } from '../support/model-catalog.provider';

export interface PreparedMessage {
  request: AnthropicMessagesRequest;
  model: ResolvedModel;
  gemini: GenerateContentRequest;
  identity: AnthropicResponseIdentity;
}

/** `POST /v1/messages` and `/v1/messages/count_tokens`: the Anthropic decoder and encoders; the pipeline does the rest. */
@Injectable()
export class AnthropicMessagesService {
  constructor(
    private readonly pipeline: GenerationPipeline,
    private readonly catalog: ModelCatalogService,
    private readonly upstream: UpstreamService,
  ) {}

  prepare(body: unknown): PreparedMessage {
    return translating(() => {
      const request = parseAnthropicMessagesRequest(body);
      const model = this.catalog.require(request.model);
      const gemini = convertAnthropicRequestToGemini(request, model, body);
      const identity = { id: `msg_${randomId(12)}`, model: model.requested, stopSequences: request.stop_sequences ?? [] };
      return { request, model, gemini, identity };
    });
  }

  async complete(prepared: PreparedMessage, signal: AbortSignal): Promise<AnthropicMessage> {
    const { events } = await this.pipeline.generate({ surface: 'anthropic', model: prepared.model, request: prepared.gemini, signal });
    return aggregateAnthropicMessage(prepared.identity, events);
  }

  /** Streams Anthropic's event sequence (headers once Google accepted the call; errors after that as `event: error`). */
  stream(prepared: PreparedMessage, reply: FastifyReply): Promise<void> {
    const encoder = createAnthropicStreamEncoder(prepared.identity);
    return this.pipeline.stream({ surface: 'anthropic', model: prepared.model, request: prepared.gemini, reply, encoder, framing: 'sse', headers: SSE_HEADERS });
  }

  async countTokens(body: unknown, signal: AbortSignal): Promise<{ input_tokens: number }> {
    const { model, contents } = translating(() => {
      const request = parseAnthropicCountTokensRequest(body);
      return { model: this.catalog.require(request.model), contents: convertAnthropicCountTokensToContents(request, body) };
    });
    const { totalTokens } = await this.upstream.countTokens({ model: model.base, contents, signal });
    return { input_tokens: totalTokens };
  }
}

function translating<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof TranslationError) throw new InvalidRequestError(error.message, { param: error.param, code: error.code });
    throw error;
  }
}
