import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GATEWAY_CONFIG, InvalidRequestError, ModelNotFoundError, NotFoundError, type GatewayConfig } from '@app/common';
import { ModelCatalogService } from '../support/model-catalog.provider';
import { clientAbortSignal } from '../support/client-abort';
import { checkGeminiRequestLimits } from '../support/request-limits';
import { pageOf, toGeminiModel } from './gemini-models';
import { parseCountTokensBody, parseGenerateContentBody } from './gemini-request.schema';
import { GeminiService } from './gemini.service';

/** The public Gemini API (v1beta) surface: models, generateContent, streamGenerateContent, countTokens. */
@Controller('v1beta/models')
export class GeminiController {
  constructor(private readonly gemini: GeminiService, private readonly catalog: ModelCatalogService, @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  @Get()
  list(@Query() query: Record<string, unknown>) {
    const { page, nextPageToken } = pageOf(this.catalog.entries, query);
    return nextPageToken ? { models: page.map(toGeminiModel), nextPageToken } : { models: page.map(toGeminiModel) };
  }

  @Get(':model')
  get(@Param('model') model: string) {
    const entry = this.catalog.get(model);
    if (!entry) throw new ModelNotFoundError(model);
    return toGeminiModel(entry);
  }

  /** `{model}:{action}` arrives as one path segment; the colon is split here. */
  @Post(':modelAction')
  @HttpCode(200)
  async action(@Param('modelAction') modelAction: string, @Query('alt') alt: string | undefined, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const separator = modelAction.lastIndexOf(':');
    if (separator <= 0) throw new NotFoundError(`Unknown method on models/${modelAction}; use :generateContent, :streamGenerateContent or :countTokens.`);
    const model = modelAction.slice(0, separator);
    const method = modelAction.slice(separator + 1);
    checkGeminiRequestLimits(body, this.config.requestLimits);
    switch (method) {
      case 'generateContent':
        return this.gemini.generate(model, parseGenerateContentBody(body), clientAbortSignal(reply));
      case 'streamGenerateContent': {
        if (alt !== undefined && alt !== 'sse' && alt !== 'json') throw new InvalidRequestError(`Unsupported alt=${alt}; use alt=sse or omit it for a JSON array.`, { param: 'alt' });
        await this.gemini.stream(model, parseGenerateContentBody(body), alt === 'sse' ? 'sse' : 'json-array', reply);
        return undefined;
      }
      case 'countTokens':
        return this.gemini.countTokens(model, parseCountTokensBody(body).contents, clientAbortSignal(reply));
      case 'embedContent':
      case 'batchEmbedContents':
        throw new NotFoundError(`models/${model}:${method} is not available: Gemini Code Assist has no embeddings API.`, { code: 'unsupported_method' });
      default:
        throw new NotFoundError(`Unknown method :${method}; use :generateContent, :streamGenerateContent or :countTokens.`);
    }
  }
}
