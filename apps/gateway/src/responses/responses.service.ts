import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { InvalidRequestError, SSE_HEADERS } from '@app/common';
import {
  ENCRYPTED_REASONING_INCLUDE, TranslationError, collectResponsesImageUrls, aggregateResponse, convertResponsesRequestToGemini, createResponsesStreamEncoder,
  parseResponsesRequest, responseSettingsOf,
  type ConvertedResponsesRequest, type ResolvedModel, type ResponseObject, type ResponsesEncoderOptions, type ResponsesRequest,
} from '@app/translation';
import { GenerationPipeline } from '../pipeline/generation-pipeline';
import { RemoteImageFetcher } from '../openai/remote-images';
import { ModelCatalogService } from '../support/model-catalog.provider';
import { ResponseStore, itemIds, newResponseId } from './response-store';

/** Header naming the tools the gateway did not send to Google (e.g. `web_search` next to functions). */
export const DROPPED_TOOLS_HEADER = 'x-gateway-dropped-tools';

interface PreparedResponse {
  request: ResponsesRequest;
  model: ResolvedModel;
  converted: ConvertedResponsesRequest;
  /** The whole conversation's input (stored history of previous_response_id, then this request's). */
  input: ResponsesRequest['input'];
  encoder: ResponsesEncoderOptions;
}

/** `POST /v1/responses`: the Responses decoder and encoder around the shared pipeline, plus the response store. */
@Injectable()
export class ResponsesService {
  private readonly logger = new Logger('responses');

  constructor(
    private readonly pipeline: GenerationPipeline,
    private readonly catalog: ModelCatalogService,
    private readonly store: ResponseStore,
    private readonly images: RemoteImageFetcher,
  ) {}

  async prepare(body: unknown, signal: AbortSignal): Promise<PreparedResponse> {
    try {
      const request = parseResponsesRequest(body);
      const model = this.catalog.require(request.model);
      const input = [...(await this.history(request.previous_response_id)), ...(await this.store.resolveReferences(request.input))];
      const remoteUrls = this.images.enabled ? collectResponsesImageUrls(input) : [];
      const remoteImages = remoteUrls.length > 0 ? await this.images.fetchAll(remoteUrls, signal) : undefined;
      const converted = convertResponsesRequestToGemini({ ...request, input }, { model, remoteImages });
      if (converted.droppedTools.length > 0) {
        this.logger.log({ msg: 'tools not sent to Google', dropped: converted.droppedTools, reason: 'Google Search cannot be combined with function declarations; hosted tools have no Gemini equivalent' });
      }
      const id = newResponseId();
      const encoder: ResponsesEncoderOptions = {
        id,
        createdAt: Math.floor(Date.now() / 1000),
        model: model.requested,
        settings: responseSettingsOf(request),
        customToolNames: converted.customToolNames,
        namespaces: converted.namespaces,
        includeEncryptedReasoning: (request.include ?? []).includes(ENCRYPTED_REASONING_INCLUDE),
        newItemId: itemIds(id),
      };
      return { request, model, converted, input, encoder };
    } catch (error) {
      if (error instanceof TranslationError) throw new InvalidRequestError(error.message, { param: error.param, code: error.code });
      throw error;
    }
  }

  async complete(prepared: PreparedResponse, reply: FastifyReply, signal: AbortSignal): Promise<ResponseObject> {
    const { events } = await this.pipeline.generate({ surface: 'responses', model: prepared.model, request: prepared.converted.gemini, signal });
    const response = aggregateResponse(prepared.encoder, events);
    await this.remember(prepared, response);
    const dropped = this.droppedHeader(prepared);
    if (dropped) reply.header(DROPPED_TOOLS_HEADER, dropped);
    return response;
  }

  /** Streams Responses events as SSE; the final Response is stored as soon as the encoder has it. */
  async stream(prepared: PreparedResponse, reply: FastifyReply): Promise<void> {
    const inner = createResponsesStreamEncoder(prepared.encoder);
    let saving: Promise<void> | undefined;
    const encoder = {
      ...inner,
      end: (events: Parameters<typeof inner.end>[0]) => {
        const frames = inner.end(events);
        saving = this.remember(prepared, inner.response());
        return frames;
      },
    };
    const dropped = this.droppedHeader(prepared);
    const headers = dropped ? { ...SSE_HEADERS, [DROPPED_TOOLS_HEADER]: dropped } : SSE_HEADERS;
    await this.pipeline.stream({ surface: 'responses', model: prepared.model, request: prepared.converted.gemini, reply, encoder, framing: 'sse', headers });
    await saving;
  }

  private async history(previousId: string | null | undefined): Promise<ResponsesRequest['input']> {
    if (!previousId) return [];
    const stored = await this.store.load(previousId);
    if (!stored) {
      throw new InvalidRequestError(`Previous response with id '${previousId}' not found.`, { param: 'previous_response_id', code: 'previous_response_not_found' });
    }
    return [...stored.input, ...(stored.response.output as unknown as ResponsesRequest['input'])];
  }

  private async remember(prepared: PreparedResponse, response: ResponseObject): Promise<void> {
    if (prepared.request.store === false) return;
    try {
      await this.store.save({ response, input: prepared.input });
    } catch (error) {
      // The answer is already good; a store outage only costs a later previous_response_id its history.
      this.logger.warn({ msg: 'response not stored', error: error instanceof Error ? error.message : String(error) });
    }
  }

  private droppedHeader(prepared: PreparedResponse): string | undefined {
    return prepared.converted.droppedTools.length > 0 ? [...new Set(prepared.converted.droppedTools)].join(', ') : undefined;
  }
}
