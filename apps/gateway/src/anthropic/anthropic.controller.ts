import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '@app/common';
import { checkChatRequestLimits } from '../support/request-limits';
import type { FastifyReply } from 'fastify';
import { clientAbortSignal } from '../support/client-abort';
import { AnthropicMessagesService } from './messages.service';

/**
 * The Anthropic surface: `POST /v1/messages` (Claude Code adds `?beta=true`) and
 * `POST /v1/messages/count_tokens`. `anthropic-version` / `anthropic-beta` headers are accepted
 * and ignored; the key comes as `x-api-key` or any other accepted form.
 */
@Controller('v1/messages')
export class AnthropicController {
  constructor(private readonly messages: AnthropicMessagesService, @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  @Post()
  @HttpCode(200)
  async create(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    // Anthropic's messages have the OpenAI shape as far as the limits go: messages[].content[].
    checkChatRequestLimits(body, this.config.requestLimits);
    const prepared = this.messages.prepare(body);
    if (prepared.request.stream) {
      await this.messages.stream(prepared, reply);
      return undefined;
    }
    return this.messages.complete(prepared, clientAbortSignal(reply));
  }

  @Post('count_tokens')
  @HttpCode(200)
  countTokens(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    checkChatRequestLimits(body, this.config.requestLimits);
    return this.messages.countTokens(body, clientAbortSignal(reply));
  }
}
