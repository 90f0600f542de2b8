import { Body, Controller, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GATEWAY_CONFIG, ModelNotFoundError, type GatewayConfig } from '@app/common';
import { toOpenAIModel, toOpenAIModelList } from '@app/translation';
import { clientAbortSignal } from '../support/client-abort';
import { ModelCatalogService } from '../support/model-catalog.provider';
import { checkChatRequestLimits } from '../support/request-limits';
import { ChatCompletionsService } from './chat-completions.service';

/** The OpenAI surface: `/v1/models`, `/v1/models/{id}`, `/v1/chat/completions`. */
@Controller('v1')
export class OpenAIController {
  constructor(private readonly chat: ChatCompletionsService, private readonly catalog: ModelCatalogService, @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  @Get('models')
  models() {
    return toOpenAIModelList(this.catalog);
  }

  @Get('models/:id')
  model(@Param('id') id: string) {
    const entry = this.catalog.get(id);
    if (!entry) throw new ModelNotFoundError(id);
    return toOpenAIModel(entry);
  }

  @Post('chat/completions')
  @HttpCode(200)
  async completions(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    checkChatRequestLimits(body, this.config.requestLimits);
    const signal = clientAbortSignal(reply);
    const prepared = await this.chat.prepare(body, signal);
    if (prepared.request.stream) {
      await this.chat.stream(prepared, reply);
      return undefined;
    }
    return this.chat.complete(prepared, signal);
  }
}
