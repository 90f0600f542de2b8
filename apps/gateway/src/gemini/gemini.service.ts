import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  GatewayMetrics, ServiceUnavailableError, TruncatedStreamError, googleErrorBody, toGatewayError,
  type GatewayError, type StreamResponseWriter,
} from '@app/common';
import { applyNativeDefaults, type GenerateContentRequest, type GenerateContentResponse } from '@app/translation';
import { UpstreamService, isAbort } from '@app/upstream';
import { StreamTelemetry } from '../observability/stream-telemetry';
import { UsageRecorder } from '../observability/usage-recorder';
import { ModelCatalogService } from '../shared/model-catalog.provider';

export type NativeStreamFormat = 'sse' | 'json-array';

/**
 * The Gemini-native pipe: the client's body passes through with defaults only where it set
 * nothing; Google's answers come back unwrapped from the Code Assist envelope.
 */
@Injectable()
export class GeminiService {
  private readonly logger = new Logger('gemini');

  constructor(
    private readonly upstream: UpstreamService,
    private readonly catalog: ModelCatalogService,
    private readonly streams: StreamTelemetry,
    private readonly usage: UsageRecorder,
    private readonly metrics: GatewayMetrics,
  ) {}

  async generate(modelId: string, body: GenerateContentRequest, signal: AbortSignal): Promise<GenerateContentResponse> {
    const model = this.catalog.require(modelId);
    const response = await this.upstream.generate({ model: model.base, request: applyNativeDefaults(body, model), signal });
    this.usage.record(model.base, response.usageMetadata);
    return response;
  }

  async countTokens(modelId: string, contents: GenerateContentRequest['contents'], signal: AbortSignal): Promise<{ totalTokens: number }> {
    const model = this.catalog.require(modelId);
    return this.upstream.countTokens({ model: model.base, contents, signal });
  }

  /**
   * Streams to the raw response. Headers are sent with the first event, so an error before it
   * still gets its own status. After that an error is written the way @google/genai reads it
   * (a `data:` error event, then a bare JSON `{"error":…}` in its own write), or as the last
   * element of the JSON array. No comments or heartbeats: @google/genai 1.x cannot parse them.
   */
  async stream(modelId: string, body: GenerateContentRequest, format: NativeStreamFormat, reply: FastifyReply): Promise<void> {
    const model = this.catalog.require(modelId);
    const writer = this.streams.open(reply.raw, 'gemini', model.base);
    reply.hijack();
    let count = 0;
    writer.onTerminate(() => this.endWithError(writer, format, new ServiceUnavailableError('The gateway is shutting down; retry the request.', { code: 'server_shutting_down', retryAfterSeconds: 1 }), count > 0, true));
    const chunks = await this.upstream.stream({ model: model.base, request: applyNativeDefaults(body, model), signal: writer.signal }).catch((error: unknown) => {
      if (!writer.clientGone && !isAbort(error)) this.endWithError(writer, format, toGatewayError(error), false);
      else writer.end();
      return undefined;
    });
    if (!chunks) return;
    let finished = false;
    try {
      for await (const chunk of chunks) {
        if (count === 0) writer.start(200, headersFor(format));
        finished ||= isFinal(chunk);
        if (chunk.usageMetadata && isFinal(chunk)) this.usage.record(model.base, chunk.usageMetadata);
        await writer.write(encodeChunk(chunk, format, count));
        count += 1;
        if (writer.clientGone) break;
      }
      if (writer.clientGone) return;
      if (!finished) {
        this.metrics.upstreamErrors.inc({ class: 'truncated', model: model.base });
        throw new TruncatedStreamError();
      }
      if (count === 0) writer.start(200, headersFor(format));
      writer.end(format === 'json-array' ? (count === 0 ? '[]' : ']') : undefined);
    } catch (error) {
      if (writer.clientGone || isAbort(error)) return;
      this.endWithError(writer, format, toGatewayError(error), count > 0);
    } finally {
      // A hijacked response must always be ended, or server shutdown waits on it forever.
      if (writer.clientGone) writer.end();
    }
  }

  private endWithError(writer: StreamResponseWriter, format: NativeStreamFormat, error: GatewayError, arrayOpen: boolean, immediate = false): void {
    if (writer.clientGone || writer.ended) {
      writer.end();
      return;
    }
    writer.failed();
    this.logger.warn({ msg: 'native stream ended with an error', error: error.message, status: error.httpStatus });
    const body = JSON.stringify(googleErrorBody(error));
    if (!writer.headersSent) {
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterSeconds));
      writer.start(error.httpStatus, headers);
      writer.end(format === 'json-array' ? `[${body}]` : body);
      return;
    }
    if (format === 'json-array') {
      writer.end(`${arrayOpen ? ',\r\n' : '['}${body}]`);
      return;
    }
    // @google/genai 2.x raises ApiError on a `data:` event holding {"error":…}; 1.x only on a network
    // read that is a bare {"error":…} object. Send both, the bare one in its own later write
    // (at once when the stream is being terminated: there is no later).
    const sent = writer.write(`data: ${body}\r\n\r\n`);
    if (immediate) writer.end(body);
    else void sent.then(() => setImmediate(() => writer.end(body)));
  }
}

function headersFor(format: NativeStreamFormat): Record<string, string> {
  return format === 'sse'
    ? { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', 'content-disposition': 'attachment' }
    : { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' };
}

function encodeChunk(chunk: GenerateContentResponse, format: NativeStreamFormat, position: number): string {
  const json = JSON.stringify(chunk);
  if (format === 'sse') return `data: ${json}\r\n\r\n`;
  return position === 0 ? `[${json}` : `,\r\n${json}`;
}

/** A stream is complete once a candidate carries a finishReason (or the prompt was blocked). */
function isFinal(chunk: GenerateContentResponse): boolean {
  if (chunk.promptFeedback?.blockReason) return true;
  return (chunk.candidates ?? []).some((candidate) => Boolean(candidate.finishReason));
}
