import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import {
  GATEWAY_CONFIG, GatewayError, GatewayMetrics, InvalidRequestError, SSE_HEADERS, toGatewayError,
  type GatewayConfig, type StreamResponseWriter,
} from '@app/common';
import {
  TranslationError, aggregateChatCompletion, collectRemoteImageUrls, convertChatRequestToGemini, createChatCompletionChunkEncoder,
  createGeminiStreamDecoder, decodeGeminiResponse, encodeOpenAIStreamError, findStreamFailure, parseChatCompletionRequest, streamFailureOf,
  type ChatCompletion, type ChatCompletionRequest, type GenerateContentRequest, type GenerateContentResponse, type ResolvedModel,
} from '@app/translation';
import { UpstreamService, isAbort } from '@app/upstream';
import { StreamTelemetry } from '../observability/stream-telemetry';
import { UsageRecorder } from '../observability/usage-recorder';
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
    private readonly streams: StreamTelemetry,
    private readonly usage: UsageRecorder,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
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
    this.usage.record(chat.model.base, response.usageMetadata);
    const events = decodeGeminiResponse(response, { newToolCallId });
    const failure = findStreamFailure(events);
    if (failure) {
      if (failure.code === 'upstream_truncated') this.metrics.upstreamErrors.inc({ class: 'truncated', model: chat.model.base });
      throw new UpstreamStreamFailure(failure.message, failure.code);
    }
    return aggregateChatCompletion({ id: chat.id, created: chat.created, model: chat.model.requested }, events);
  }

  /**
   * Streams chunks as SSE. Headers go out only once Google accepted the call, so a 429 or 404
   * before the first byte keeps its status (and Retry-After) and the SDK raises the right error.
   * Afterwards a failure becomes a final `data: {"error":…}` event, which the openai SDK raises.
   * Long silences (thinking models) get SSE comment heartbeats so 60 s proxy timeouts do not cut them.
   */
  async stream(chat: PreparedChat, reply: FastifyReply): Promise<void> {
    const writer = this.streams.open(reply.raw, 'openai', chat.model.base);
    writer.onTerminate(() => {
      writer.failed();
      writer.end(errorEvent({ message: 'The gateway is shutting down; retry the request.', type: 'api_error', code: 'server_shutting_down' }));
    });
    let chunks: AsyncGenerator<GenerateContentResponse>;
    try {
      chunks = await this.upstream.stream({ model: chat.model.base, request: chat.gemini, signal: writer.signal });
    } catch (error) {
      if (writer.ended) return; // terminated by a shutdown while waiting for Google
      throw error;
    }
    reply.hijack();
    writer.start(200, SSE_HEADERS);
    const heartbeat = this.startHeartbeat(writer);
    const decoder = createGeminiStreamDecoder({ newToolCallId });
    const encoder = createChatCompletionChunkEncoder({ id: chat.id, created: chat.created, model: chat.model.requested, includeUsage: chat.request.stream_options?.include_usage === true });
    try {
      for await (const chunk of chunks) {
        if (!(await this.writeEvents(writer, encoder, decoder.decode(chunk), chat.model.base))) return;
      }
      if (!(await this.writeEvents(writer, encoder, decoder.end(), chat.model.base))) return;
      for (const finalChunk of encoder.end()) await writer.write(`data: ${JSON.stringify(finalChunk)}\n\n`);
      writer.end('data: [DONE]\n\n');
    } catch (error) {
      if (writer.clientGone || isAbort(error)) return;
      const failure = toGatewayError(error);
      this.logger.warn({ msg: 'chat stream ended with an error', status: failure.httpStatus, error: failure.message });
      writer.failed();
      writer.end(errorEvent({ message: failure.message, type: failure.openaiType, code: failure.openaiCode }));
    } finally {
      clearInterval(heartbeat);
      if (writer.clientGone) writer.end();
    }
  }

  /** `: keep-alive` comments while the stream is silent longer than SSE_HEARTBEAT_MS (0 = off). */
  private startHeartbeat(writer: StreamResponseWriter): NodeJS.Timeout | undefined {
    const intervalMs = this.config.openai.heartbeatMs;
    if (intervalMs <= 0) return undefined;
    const timer = setInterval(() => {
      if (writer.ended || writer.clientGone) return;
      if (writer.idleMs >= intervalMs) void writer.write(': keep-alive\n\n');
    }, Math.max(50, Math.floor(intervalMs / 2)));
    timer.unref();
    return timer;
  }

  /** Writes the chunks for some events; false once the stream had to end (failure or client gone). */
  private async writeEvents(writer: StreamResponseWriter, encoder: ReturnType<typeof createChatCompletionChunkEncoder>, events: ReturnType<ReturnType<typeof createGeminiStreamDecoder>['decode']>, model: string): Promise<boolean> {
    for (const event of events) {
      const failure = streamFailureOf(event);
      if (failure) {
        this.logger.warn({ msg: 'chat stream failed in-band', code: failure.code });
        if (failure.code === 'upstream_truncated') this.metrics.upstreamErrors.inc({ class: 'truncated', model });
        writer.failed();
        writer.end(errorEvent({ message: failure.message, type: 'api_error', code: failure.code }));
        return false;
      }
      if (event.type === 'usage') this.usage.record(model, { promptTokenCount: event.promptTokens, candidatesTokenCount: event.completionTokens - event.reasoningTokens, thoughtsTokenCount: event.reasoningTokens });
      for (const chunk of encoder.encode(event)) await writer.write(`data: ${JSON.stringify(chunk)}\n\n`);
      if (writer.clientGone) return false;
    }
    return true;
  }
}

function errorEvent(error: { message: string; type: string; code: string | null }): string {
  return `data: ${JSON.stringify(encodeOpenAIStreamError(error))}\n\n`;
}

function newToolCallId(): string {
  return randomBytes(9).toString('base64url');
}
