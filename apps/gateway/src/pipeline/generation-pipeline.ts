import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import {
  GATEWAY_CONFIG, GatewayError, GatewayMetrics, UpstreamError, respondWithStream,
  type GatewayConfig, type StreamFraming, type Surface,
} from '@app/common';
import {
  createGeminiStreamDecoder, createStreamTransform, decodeGeminiResponse, findStreamFailure,
  type GenerateContentRequest, type GenerateContentResponse, type ResolvedModel, type StreamEncoder, type StreamErrorInfo,
  type StreamEvent, type StreamFailure, type StreamTransform, type WireFrame,
} from '@app/translation';
import { UpstreamService } from '@app/upstream';
import { StreamTelemetry } from '../observability/stream-telemetry';
import { UsageRecorder } from '../observability/usage-recorder';

/** A failure the model or the stream reported in-band (malformed call, truncation…): HTTP 502. */
export class UpstreamStreamFailure extends GatewayError {
  constructor(failure: StreamFailure) {
    super(failure.message, { httpStatus: 502, googleStatus: 'UNAVAILABLE', openaiType: 'api_error', openaiCode: failure.code });
  }
}

export interface GenerationInput {
  surface: Surface;
  model: ResolvedModel;
  request: GenerateContentRequest;
}

export interface UnaryInput extends GenerationInput {
  signal: AbortSignal;
  /** False for a pass-through surface: Google's own finishReason goes to the client as it is. */
  modelFailuresAreErrors?: boolean;
}

export interface StreamInput extends GenerationInput {
  reply: FastifyReply;
  encoder: StreamEncoder;
  framing: StreamFraming;
  headers: Record<string, string>;
  newline?: '\n' | '\r\n';
}

/**
 * The middle every surface shares: one call to Google (through the upstream orchestration), the
 * decode into neutral events, the failure/truncation rules, usage, stream telemetry and the one
 * streaming responder. A surface brings a request converter and an encoder, nothing else.
 */
@Injectable()
export class GenerationPipeline {
  private readonly logger = new Logger('pipeline');

  constructor(
    private readonly upstream: UpstreamService,
    private readonly streams: StreamTelemetry,
    private readonly usage: UsageRecorder,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** A whole answer: Google's response and its neutral events (terminal events included). */
  async generate(input: UnaryInput): Promise<{ response: GenerateContentResponse; events: StreamEvent[] }> {
    const response = await this.upstream.generate({ model: input.model.base, request: input.request, signal: input.signal });
    const events = decodeGeminiResponse(response, { newToolCallId });
    const usage = events.find((event) => event.type === 'usage');
    if (usage?.type === 'usage') this.usage.recordEvent(input.model.base, usage);
    // The same rule as streams: truncation and in-band errors always fail; a failed finish only where the dialect says so.
    const failure = findStreamFailure(input.modelFailuresAreErrors === false ? events.filter((event) => event.type === 'error') : events);
    if (failure) throw this.failureError(failure, input);
    return { response, events };
  }

  /** Streams an answer to the client in the encoder's dialect (see respondWithStream). */
  async stream(input: StreamInput): Promise<void> {
    const { encoder } = input;
    const writer = this.streams.open(input.reply.raw, input.surface, input.model.base);
    const heartbeatMs = this.config.openai.heartbeatMs;
    await respondWithStream({
      reply: input.reply,
      writer,
      framing: input.framing,
      headers: input.headers,
      newline: input.newline,
      heartbeat: encoder.heartbeat && heartbeatMs > 0 ? { frame: encoder.heartbeat, intervalMs: heartbeatMs } : undefined,
      open: async (signal) => {
        const chunks = await this.upstream.stream({ model: input.model.base, request: input.request, signal });
        const transform = createStreamTransform({ decoder: createGeminiStreamDecoder({ newToolCallId }), encoder });
        return this.frames(chunks, transform, input);
      },
      failFrames: (error) => encoder.fail(errorInfo(error)),
      onError: (error) => this.logger.warn({ msg: 'stream ended with an error', surface: input.surface, status: error.httpStatus, code: error.openaiCode }),
    });
  }

  private async *frames(chunks: AsyncIterable<GenerateContentResponse>, transform: StreamTransform, input: GenerationInput): AsyncGenerator<WireFrame[]> {
    try {
      for await (const chunk of chunks) {
        const step = transform.push(chunk);
        if (step.frames.length > 0) yield step.frames;
        if (step.failure) throw this.failureError(step.failure, input);
      }
      const last = transform.end();
      if (last.frames.length > 0) yield last.frames;
      if (last.failure) throw this.failureError(last.failure, input);
    } finally {
      if (transform.usage) this.usage.recordEvent(input.model.base, transform.usage);
    }
  }

  private failureError(failure: StreamFailure, input: GenerationInput): GatewayError {
    if (failure.code === 'upstream_truncated') this.metrics.upstreamErrors.inc({ class: 'truncated', model: input.model.base });
    this.logger.warn({ msg: 'the answer failed in-band', surface: input.surface, code: failure.code });
    return new UpstreamStreamFailure(failure);
  }
}

function errorInfo(error: GatewayError): StreamErrorInfo {
  return {
    status: error.httpStatus, message: error.message, code: error.openaiCode ?? 'error', openaiType: error.openaiType, googleStatus: error.googleStatus,
    ...(error instanceof UpstreamError && error.errorClass ? { errorClass: error.errorClass } : {}),
  };
}

/** A fresh tool-call id (the encoder may wrap it, e.g. with the thought signature). */
export function newToolCallId(): string {
  return randomBytes(9).toString('base64url');
}
