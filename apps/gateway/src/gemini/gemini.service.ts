import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { applyNativeDefaults, createGeminiPassThroughEncoder, type GenerateContentRequest, type GenerateContentResponse } from '@app/translation';
import { UpstreamService } from '@app/upstream';
import { GenerationPipeline } from '../pipeline/generation-pipeline';
import { ModelCatalogService } from '../support/model-catalog.provider';

export type NativeStreamFormat = 'sse' | 'json-array';

const STREAM_HEADERS: Record<NativeStreamFormat, Record<string, string>> = {
  sse: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', 'content-disposition': 'attachment' },
  'json-array': { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' },
};

/**
 * The Gemini-native surface: the client's body passes through with defaults only where it set
 * nothing; Google's answers come back unwrapped from the Code Assist envelope, through the same
 * pipeline as every other surface with a pass-through encoder.
 */
/** The Gemini route forwards any model name it does not list: Google's own 404 answers it. */
const GEMINI_ROUTE_MODELS = { forwardAnyName: true } as const;

@Injectable()
export class GeminiService {
  constructor(
    private readonly pipeline: GenerationPipeline,
    private readonly upstream: UpstreamService,
    private readonly catalog: ModelCatalogService,
  ) {}

  async generate(modelId: string, body: GenerateContentRequest, signal: AbortSignal): Promise<GenerateContentResponse> {
    const model = this.catalog.require(modelId, GEMINI_ROUTE_MODELS);
    const { response } = await this.pipeline.generate({ surface: 'gemini', model, request: applyNativeDefaults(body, model), signal, modelFailuresAreErrors: false });
    return response;
  }

  async countTokens(modelId: string, contents: GenerateContentRequest['contents'], signal: AbortSignal): Promise<{ totalTokens: number }> {
    const model = this.catalog.require(modelId, GEMINI_ROUTE_MODELS);
    return this.upstream.countTokens({ model: model.base, contents, signal });
  }

  stream(modelId: string, body: GenerateContentRequest, format: NativeStreamFormat, reply: FastifyReply): Promise<void> {
    const model = this.catalog.require(modelId, GEMINI_ROUTE_MODELS);
    return this.pipeline.stream({
      surface: 'gemini', model, request: applyNativeDefaults(body, model), reply,
      encoder: createGeminiPassThroughEncoder(), framing: format, headers: STREAM_HEADERS[format], newline: '\r\n',
    });
  }
}
