import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  GATEWAY_CONFIG, GatewayError, randomId, GatewayMetrics, UpstreamError, UpstreamTimeoutError, UpstreamUnreachableError, currentRequest, respondWithStream,
  type FrameSource, type GatewayConfig, type StreamFraming, type Surface,
} from '@app/common';
import { KeyLimits, type Admission } from '@app/auth';
import {
  createGeminiStreamDecoder, createStreamTransform, decodeGeminiResponse, findStreamFailure,
  type GenerateContentRequest, type GenerateContentResponse, type ResolvedModel, type StreamEncoder, type StreamErrorInfo,
  type StreamEvent, type StreamFailure, type StreamTransform, type UsageEvent,
} from '@app/translation';
import { UpstreamService, type UpstreamStream } from '@app/upstream';
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
    private readonly keyLimits: KeyLimits,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** A whole answer: Google's response and its neutral events (terminal events included). */
  async generate(input: UnaryInput): Promise<{ response: GenerateContentResponse; events: StreamEvent[] }> {
    const admission = await this.keyLimits.admit(input.model.requested);
    const served = { model: input.model.base };
    let usage: UsageEvent | undefined;
    try {
      const response = await this.withFallback(input.model.base, served, (model) => this.upstream.generate({ model, request: input.request, signal: input.signal }));
      const events = decodeGeminiResponse(response, { newToolCallId });
      const found = events.find((event) => event.type === 'usage');
      if (found?.type === 'usage') {
        usage = found;
        this.usage.recordEvent(served.model, found);
      }
      // The same rule as streams: truncation and in-band errors always fail; a failed finish only where the dialect says so.
      const failure = findStreamFailure(input.modelFailuresAreErrors === false ? events.filter((event) => event.type === 'error') : events);
      if (failure) throw this.failureError(failure, input);
      settle(admission, served.model, undefined, usage);
      return { response, events };
    } catch (error) {
      settle(admission, served.model, error, usage);
      throw error;
    }
  }

  /** Streams an answer to the client in the encoder's dialect (see respondWithStream). */
  stream(input: StreamInput): Promise<void> {
    const { encoder } = input;
    const writer = this.streams.open(input.reply.raw, input.surface, input.model.base);
    const heartbeatMs = this.config.openai.heartbeatMs;
    return respondWithStream({
      reply: input.reply,
      writer,
      framing: input.framing,
      headers: input.headers,
      newline: input.newline,
      sendStallMs: this.config.streamSendStallMs,
      heartbeat: encoder.heartbeat && heartbeatMs > 0 ? { frame: encoder.heartbeat, intervalMs: heartbeatMs } : undefined,
      open: async (signal) => {
        const admission = await this.keyLimits.admit(input.model.requested);
        const served = { model: input.model.base };
        try {
          const chunks = await this.withFallback(input.model.base, served, (model) => this.upstream.stream({ model, request: input.request, signal }));
          const transform = createStreamTransform({ decoder: createGeminiStreamDecoder({ newToolCallId }), encoder });
          return this.frameSource(chunks, transform, input, served.model, admission);
        } catch (error) {
          settle(admission, served.model, error, undefined);
          throw error;
        }
      },
      failFrames: (error) => encoder.fail(errorInfo(error)),
      onError: (error) => this.logger.warn({ msg: 'stream ended with an error', surface: input.surface, status: error.httpStatus, code: error.openaiCode }),
    });
  }

  /**
   * Google's chunks through the transform into the dialect's frames, pushed as they arrive. The
   * failure rule (truncation, in-band errors) ends the stream with an error; however the stream
   * ends (finished, failed, client gone), usage is recorded and the key's lease freed, once.
   */
  private frameSource(upstream: UpstreamStream, transform: StreamTransform, input: GenerationInput, model: string, admission: Admission): FrameSource {
    let settled = false;
    const finish = (failure: unknown): void => {
      if (settled) return;
      settled = true;
      if (transform.usage) this.usage.recordEvent(model, transform.usage);
      settle(admission, model, failure, transform.usage);
    };
    return {
      start: (sink) => {
        const fail = (error: unknown): void => {
          finish(error ?? new Error('stream failed'));
          sink.error(error);
        };
        upstream.start({
          chunk: (chunk) => {
            if (settled) return;
            const step = transform.push(chunk);
            if (step.frames.length > 0) sink.frames(step.frames);
            if (step.failure) {
              upstream.cancel();
              fail(this.failureError(step.failure, input));
            }
          },
          end: () => {
            if (settled) return;
            const last = transform.end();
            if (last.frames.length > 0) sink.frames(last.frames);
            if (last.failure) return fail(this.failureError(last.failure, input));
            finish(undefined);
            sink.end();
          },
          error: (error) => {
            if (!settled) fail(error);
          },
        });
      },
      pause: () => upstream.pause(),
      resume: () => upstream.resume(),
      cancel: () => {
        upstream.cancel();
        finish(undefined);
      },
    };
  }

  /**
   * Calls Google for `model`; when every account is cooling or out of quota for it and
   * MODEL_FALLBACKS names a fallback, serves the request with that model instead (once), as Gemini
   * CLI does. The client still sees the model it asked for; a header and a counter say what happened.
   */
  private async withFallback<T>(model: string, served: { model: string }, call: (model: string) => Promise<T>): Promise<T> {
    try {
      return await call(model);
    } catch (error) {
      const fallback = this.config.team.modelFallbacks.find((pair) => pair.from === model)?.to;
      if (!fallback || !noAccountCanServe(error)) throw error;
      this.metrics.modelFallbacks.inc({ from: model, to: fallback });
      this.logger.warn({ msg: 'every account is cooling for the model: serving its fallback', model, fallback });
      const context = currentRequest();
      if (context) context.responseHeaders = { ...context.responseHeaders, 'x-gateway-model-fallback': fallback };
      served.model = fallback;
      return call(fallback);
    }
  }

  private failureError(failure: StreamFailure, input: GenerationInput): GatewayError {
    if (failure.code === 'upstream_truncated') this.metrics.upstreamErrors.inc({ class: 'truncated', model: this.metrics.modelLabel(input.model.base) });
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
  return randomId(9);
}

/** A 429 of Google's (or of the pool, every account cooling) — not one of the gateway's own limits. */
function noAccountCanServe(error: unknown): boolean {
  if (!(error instanceof GatewayError) || error.httpStatus !== 429) return false;
  return error instanceof UpstreamError || error.openaiCode === 'rate_limit_exceeded' || error.openaiCode === 'insufficient_quota';
}

/** Reports a request's outcome to the key's limits and usage: requests that reached Google, tokens, errors. */
function settle(admission: Admission, model: string, error: unknown, usage: UsageEvent | undefined): void {
  const reachedGoogle = error === undefined || error instanceof UpstreamError || error instanceof UpstreamTimeoutError || error instanceof UpstreamUnreachableError || error instanceof UpstreamStreamFailure;
  admission.settle({
    model,
    sentToGoogle: reachedGoogle,
    failed: error !== undefined,
    usage: usage ? { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, reasoningTokens: usage.reasoningTokens } : undefined,
  });
}
