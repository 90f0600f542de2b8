import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { NotFoundError } from '@app/common';
import { clientAbortSignal } from '../shared/client-abort';
import { ResponseStore } from './response-store';
import { ResponsesService } from './responses.service';

/** The OpenAI Responses API: `POST /v1/responses` and `GET /v1/responses/{id}`. */
@Controller('v1/responses')
export class ResponsesController {
  constructor(private readonly responses: ResponsesService, private readonly store: ResponseStore) {}

  @Post()
  @HttpCode(200)
  async create(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const signal = clientAbortSignal(reply);
    const prepared = await this.responses.prepare(body);
    if (prepared.request.stream) {
      await this.responses.stream(prepared, reply);
      return undefined;
    }
    return this.responses.complete(prepared, reply, signal);
  }

  @Get(':id')
  async retrieve(@Param('id') id: string) {
    const stored = await this.store.load(id);
    if (!stored) throw new NotFoundError(`Response with id '${id}' not found.`, { code: 'not_found', param: 'response_id' });
    return stored.response;
  }
}
