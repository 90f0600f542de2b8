import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { InvalidRequestError, SSE_HEADERS, randomId } from '@app/common';
import {
  TranslationError, aggregateChatCompletion, collectRemoteImageUrls, convertChatRequestToGemini, createOpenAIStreamEncoder, parseChatCompletionRequest,
  type ChatCompletion, type ChatCompletionRequest, type GenerateContentRequest, type ResolvedModel,
} from '@app/translation';
import { GenerationPipeline } from '../pipeline/generation-pipeline';
import { ModelCatalogService } from '../support/model-catalog.provider';
import { RemoteImageFetcher } from './remote-images';

interface PreparedChat {
  request: ChatCompletionRequest;
  model: ResolvedModel;
  gemini: GenerateContentRequest;
  id: string;
  created: number;
}

/** `POST /v1/chat/completions`: the OpenAI decoder (request → Gemini) and encoders; the pipeline does the rest. */
@Injectable()
export class ChatCompletionsService {
  constructor(
    private readonly pipeline: GenerationPipeline,
    private readonly catalog: ModelCatalogService,
    private readonly images: RemoteImageFetcher,
  ) {}

  async prepare(body: unknown, signal: AbortSignal): Promise<PreparedChat> {
    try {
      const request = parseChatCompletionRequest(body);
      const model = this.catalog.require(request.model);
      const remoteUrls = collectRemoteImageUrls(request);
      const remoteImages = remoteUrls.length > 0 && this.images.enabled ? await this.images.fetchAll(remoteUrls, signal) : undefined;
      const gemini = convertChatRequestToGemini(request, { model, remoteImages });
      return { request, model, gemini, id: `chatcmpl-${randomId(12)}`, created: Math.floor(Date.now() / 1000) };
    } catch (error) {
      if (error instanceof TranslationError) throw new InvalidRequestError(error.message, { param: error.param, code: error.code });
      throw error;
    }
  }

  async complete(chat: PreparedChat, signal: AbortSignal): Promise<ChatCompletion> {
    const { events } = await this.pipeline.generate({ surface: 'openai', model: chat.model, request: chat.gemini, signal });
    return aggregateChatCompletion({ id: chat.id, created: chat.created, model: chat.model.requested }, events);
  }

  /** Streams `chat.completion.chunk`s as SSE (headers once Google accepted the call; errors after that in-band). */
  stream(chat: PreparedChat, reply: FastifyReply): Promise<void> {
    const encoder = createOpenAIStreamEncoder({
      id: chat.id, created: chat.created, model: chat.model.requested, includeUsage: chat.request.stream_options?.include_usage === true,
    });
    return this.pipeline.stream({ surface: 'openai', model: chat.model, request: chat.gemini, reply, encoder, framing: 'sse', headers: SSE_HEADERS });
  }
}
