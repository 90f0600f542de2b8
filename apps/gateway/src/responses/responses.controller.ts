import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GATEWAY_CONFIG, NotFoundError, type GatewayConfig } from '@app/common';
import { checkResponsesRequestLimits } from '../support/request-limits';
import { clientAbortSignal } from '../support/client-abort';
import { ResponseStore } from './response-store';
import { ResponsesService } from './responses.service';

/** The OpenAI Responses API: `POST /v1/responses`, `GET` and `DELETE /v1/responses/{id}` (stored responses). */
@Controller('v1/responses')
export class ResponsesController {
  constructor(private readonly responses: ResponsesService, private readonly store: ResponseStore, @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  @Post()
  @HttpCode(200)
  async create(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    checkResponsesRequestLimits(body, this.config.requestLimits);
    const signal = clientAbortSignal(reply);
    const prepared = await this.responses.prepare(body, signal);
    if (prepared.request.stream) {
      await this.responses.stream(prepared, reply);
      return undefined;
    }
    return this.responses.complete(prepared, reply, signal);
  }

  @Get(':id')
  async retrieve(@Param('id') id: string) {
    const stored = await this.store.load(id);
    if (!stored) throw notFound(id);
    return stored.response;
  }

  @Delete(':id')
  async remove(@Param('id') id: string) {
    if (!(await this.store.delete(id))) throw notFound(id);
    return { id, object: 'response', deleted: true };
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`Response with id '${id}' not found.`, { code: 'not_found', param: 'response_id' });
}
