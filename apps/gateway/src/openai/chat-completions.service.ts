import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import {
  GatewayError, InvalidRequestError, SSE_HEADERS, StreamResponseWriter, toGatewayError,
} from '@app/common';
import {
  TranslationError, aggregateChatCompletion, collectRemoteImageUrls, convertChatRequestToGemini, createChatCompletionChunkEncoder,
  createGeminiStreamDecoder, decodeGeminiResponse, encodeOpenAIStreamError, findStreamFailure, parseChatCompletionRequest, streamFailureOf,
  type ChatCompletion, type ChatCompletionRequest, type GenerateContentRequest, type ResolvedModel,
} from '@app/translation';
import { UpstreamService, isAbort } from '@app/upstream';
import { ModelCatalogService } from '../shared/model-catalog.provider';
import { RemoteImageFetcher } from './remote-images';

interface PreparedChat {
  request: ChatCompletionRequest;
  model: ResolvedModel;
  gemini: GenerateContentRequest;
  id: string;
  created: number;
}

/** A failure the model or the stream reported in-band (malformed call, truncation…): HTTP 502. */
class UpstreamStreamFailure extends GatewayError {
  constructor(message: string, code: string) {
    super(message, { httpStatus: 502, googleStatus: 'UNAVAILABLE', openaiType: 'api_error', openaiCode: code });
  }
}

/** `POST /v1/chat/completions`: OpenAI in, Gemini through Code Assist, OpenAI out. */
@Injectable()
export class ChatCompletionsService {
  private readonly logger = new Logger('openai');

  constructor(
    private readonly upstream: UpstreamService,
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
      return { request, model, gemini, id: `chatcmpl-${randomBytes(12).toString('base64url')}`, created: Math.floor(Date.now() / 1000) };
    } catch (error) {
      if (error instanceof TranslationError) throw new InvalidRequestError(error.message, { param: error.param, code: error.code });
      throw error;
    }
  }

  async complete(chat: PreparedChat, signal: AbortSignal): Promise<ChatCompletion> {
    const response = await this.upstream.generate({ model: chat.model.base, request: chat.gemini, signal });
    const events = decodeGeminiResponse(response, { newToolCallId });
    const failure = findStreamFailure(events);
    if (failure) throw new UpstreamStreamFailure(failure.message, failure.code);
    return aggregateChatCompletion({ id: chat.id, created: chat.created, model: chat.model.requested }, events);
  }

  /**
   * Streams chunks as SSE. Headers go out only once Google accepted the call, so a 429 or 404
   * before the first byte keeps its status (and Retry-After) and the SDK raises the right error.
   * Afterwards a failure becomes a final `data: {"error":…}` event, which the openai SDK raises.
   */
  async stream(chat: PreparedChat, reply: FastifyReply): Promise<void> {
    const writer = new StreamResponseWriter(reply.raw);
    const chunks = await this.upstream.stream({ model: chat.model.base, request: chat.gemini, signal: writer.signal });
    reply.hijack();
    writer.start(200, SSE_HEADERS);
    const decoder = createGeminiStreamDecoder({ newToolCallId });
    const encoder = createChatCompletionChunkEncoder({ id: chat.id, created: chat.created, model: chat.model.requested, includeUsage: chat.request.stream_options?.include_usage === true });
    try {
      for await (const chunk of chunks) {
        if (!(await this.writeEvents(writer, encoder, decoder.decode(chunk)))) return;
      }
      if (!(await this.writeEvents(writer, encoder, decoder.end()))) return;
      for (const finalChunk of encoder.end()) await writer.write(`data: ${JSON.stringify(finalChunk)}\n\n`);
      writer.end('data: [DONE]\n\n');
    } catch (error) {
      if (writer.clientGone || isAbort(error)) return;
      const failure = toGatewayError(error);
      this.logger.warn({ msg: 'chat stream ended with an error', status: failure.httpStatus, error: failure.message });
      writer.end(`data: ${JSON.stringify(encodeOpenAIStreamError({ message: failure.message, type: failure.openaiType, code: failure.openaiCode }))}\n\n`);
    } finally {
      if (writer.clientGone) writer.end();
    }
  }

  /** Writes the chunks for some events; false once the stream had to end (failure or client gone). */
  private async writeEvents(writer: StreamResponseWriter, encoder: ReturnType<typeof createChatCompletionChunkEncoder>, events: ReturnType<ReturnType<typeof createGeminiStreamDecoder>['decode']>): Promise<boolean> {
    for (const event of events) {
      const failure = streamFailureOf(event);
      if (failure) {
        this.logger.warn({ msg: 'chat stream failed in-band', code: failure.code });
        writer.end(`data: ${JSON.stringify(encodeOpenAIStreamError({ message: failure.message, type: 'api_error', code: failure.code }))}\n\n`);
        return false;
      }
      for (const chunk of encoder.encode(event)) await writer.write(`data: ${JSON.stringify(chunk)}\n\n`);
      if (writer.clientGone) return false;
    }
    return true;
  }
}

function newToolCallId(): string {
  return randomBytes(9).toString('base64url');
}
